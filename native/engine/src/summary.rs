//! The workspace summary the UI shows (`WorkspaceSummary` of preload/api.ts, camelCase).

use serde::Serialize;

use crate::config::ModelConfig;
use crate::error::Result;
use crate::spec::{parse_workspace, ModifierType, Workspace};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModifierRef {
    pub name: String,
    #[serde(rename = "type")]
    pub modifier_type: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SampleSummary {
    pub name: String,
    pub channel: String,
    pub yields: Vec<f64>,
    pub total: f64,
    pub modifiers: Vec<ModifierRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSummary {
    pub name: String,
    pub n_bins: usize,
    pub observed: Vec<f64>,
    pub samples: Vec<SampleSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModifierTypeCount {
    #[serde(rename = "type")]
    pub modifier_type: &'static str,
    pub count: usize,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ParameterSummary {
    pub name: String,
    pub component_names: Vec<String>,
    pub modifier_type: &'static str,
    pub n: usize,
    pub inits: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    /// True when every component is fixed (pyhf fixes single shapesys/staterror bins on its own).
    pub fixed: bool,
    pub constraint: Option<&'static str>,
    pub auxdata: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MeasurementRef {
    pub name: String,
    pub poi: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub version: String,
    pub measurement: String,
    pub measurements: Vec<MeasurementRef>,
    pub poi: String,
    pub channels: Vec<ChannelSummary>,
    pub samples: Vec<SampleSummary>,
    pub modifiers: Vec<ModifierTypeCount>,
    pub parameters: Vec<ParameterSummary>,
    pub n_parameters: usize,
    pub n_bins: usize,
}

/// Parse, validate and summarise workspace text (first measurement, as pyhf does by default).
pub fn summarize(text: &str, file: Option<&str>) -> Result<WorkspaceSummary> {
    summarize_measurement(text, file, None)
}

/// The same for the measurement named `measurement` (its POI and parameter settings).
pub fn summarize_measurement(text: &str, file: Option<&str>, measurement: Option<&str>) -> Result<WorkspaceSummary> {
    let ws = parse_workspace(text)?;
    let config = ModelConfig::new(&ws, measurement)?;
    Ok(summary_of(&ws, &config, file))
}

pub fn summary_of(ws: &Workspace, config: &ModelConfig, file: Option<&str>) -> WorkspaceSummary {
    let channels: Vec<ChannelSummary> = ws
        .channels
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let layout = config
                .channels
                .iter()
                .find(|l| l.spec_index == ci)
                .expect("every channel is laid out");
            ChannelSummary {
                name: c.name.clone(),
                n_bins: layout.n_bins,
                observed: ws.observations[layout.observation_index].data.clone(),
                samples: c
                    .samples
                    .iter()
                    .map(|s| SampleSummary {
                        name: s.name.clone(),
                        channel: c.name.clone(),
                        yields: s.data.clone(),
                        total: s.data.iter().sum(),
                        modifiers: s
                            .modifiers
                            .iter()
                            .map(|m| ModifierRef {
                                name: m.name.clone(),
                                modifier_type: m.modifier_type().as_str(),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    let samples: Vec<SampleSummary> = channels.iter().flat_map(|c| c.samples.iter().cloned()).collect();
    let modifiers = ModifierType::ALL
        .into_iter()
        .filter_map(|t| {
            let mut count = 0;
            let mut names: Vec<String> = Vec::new();
            for m in ws.channels.iter().flat_map(|c| c.samples.iter()).flat_map(|s| s.modifiers.iter()) {
                if m.modifier_type() == t {
                    count += 1;
                    if !names.contains(&m.name) {
                        names.push(m.name.clone());
                    }
                }
            }
            (count > 0).then_some(ModifierTypeCount {
                modifier_type: t.as_str(),
                count,
                names,
            })
        })
        .collect();
    let parameters = config
        .parameters
        .iter()
        .map(|p| ParameterSummary {
            name: p.name.clone(),
            component_names: p.component_names(),
            modifier_type: p.modifier_type.as_str(),
            n: p.n,
            inits: p.inits.clone(),
            bounds: p.bounds.clone(),
            fixed: p.fixed.iter().all(|&f| f),
            constraint: p.constraint.kind_name(),
            auxdata: p.constraint.auxdata().to_vec(),
        })
        .collect();
    let measurement = &ws.measurements[config.measurement_index];
    WorkspaceSummary {
        file: file.map(str::to_string),
        version: ws.version.clone(),
        measurement: measurement.name.clone(),
        measurements: ws
            .measurements
            .iter()
            .map(|m| MeasurementRef {
                name: m.name.clone(),
                poi: m.poi.clone(),
            })
            .collect(),
        poi: config.poi.clone(),
        channels,
        samples,
        modifiers,
        parameters,
        n_parameters: config.n_pars,
        n_bins: config.n_main,
    }
}
