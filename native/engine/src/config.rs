//! Model configuration with pyhf 0.7.6 semantics: validation of the workspace against itself,
//! channel/sample/modifier ordering, parameter sets in pyhf's order and the measurement's
//! parameter overrides.

use std::collections::{BTreeMap, HashMap};

use crate::error::{EngineError, Result};
use crate::modifiers;
use crate::paramset::{Constraint, ConstraintKind, FixedDefault, ParameterSet, Requirement, Setting};
use crate::spec::{Modifier, ModifierData, ModifierType, ParameterConfig, Workspace};

/// A channel in pyhf's (sorted) order, with its bins' place in the main data vector.
#[derive(Debug, Clone)]
pub struct ChannelLayout {
    pub name: String,
    /// Index in `workspace.channels`.
    pub spec_index: usize,
    /// Index in `workspace.observations`.
    pub observation_index: usize,
    pub n_bins: usize,
    pub offset: usize,
}

/// A modifier as it acts on one sample after pyhf's de-duplication (the last of a repeated
/// (type, name) pair wins).
#[derive(Debug, Clone, Copy)]
pub struct SampleModifier {
    pub modifier_index: usize,
    pub parameter_set: usize,
}

/// A sample of a channel, in pyhf's order (sorted channels × sorted sample names).
#[derive(Debug, Clone)]
pub struct SampleLayout {
    pub channel: usize,
    pub sample_name: String,
    pub spec_channel: usize,
    pub spec_sample: usize,
    pub modifiers: Vec<SampleModifier>,
}

#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub measurement_index: usize,
    pub measurement: String,
    pub poi: String,
    /// Index of the POI in the parameter vector.
    pub poi_index: usize,
    pub channels: Vec<ChannelLayout>,
    pub samples: Vec<SampleLayout>,
    pub parameters: Vec<ParameterSet>,
    pub n_pars: usize,
    pub n_main: usize,
    /// For every staterror parameter set: the global main bins it covers, in component order.
    pub staterror_bins: HashMap<String, Vec<usize>>,
}

fn modifier_path(c: usize, s: usize, m: usize) -> String {
    format!("channels[{c}].samples[{s}].modifiers[{m}]")
}

impl ModelConfig {
    /// Validate `ws` and lay out the model of measurement `measurement` (by name; the first if None).
    pub fn new(ws: &Workspace, measurement: Option<&str>) -> Result<ModelConfig> {
        let measurement_index = match measurement {
            None => 0,
            Some(name) => ws.measurements.iter().position(|m| m.name == name).ok_or_else(|| {
                EngineError::bad_request(format!(
                    "no measurement named '{name}'; the workspace has {}",
                    ws.measurements
                        .iter()
                        .map(|m| format!("'{}'", m.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        };
        check_names_unique(ws)?;
        let channel_bins = check_bins(ws)?;
        let observation_of = check_observations(ws, &channel_bins)?;
        check_modifier_data(ws)?;
        let deduplicated = deduplicate_modifiers(ws)?;

        // pyhf orders channels and sample names alphabetically.
        let mut channel_order: Vec<usize> = (0..ws.channels.len()).collect();
        channel_order.sort_by(|&a, &b| ws.channels[a].name.cmp(&ws.channels[b].name));
        let mut channels = Vec::with_capacity(channel_order.len());
        let mut offset = 0;
        for &ci in &channel_order {
            channels.push(ChannelLayout {
                name: ws.channels[ci].name.clone(),
                spec_index: ci,
                observation_index: observation_of[ci],
                n_bins: channel_bins[ci],
                offset,
            });
            offset += channel_bins[ci];
        }
        let n_main = offset;
        let mut sample_names: Vec<&str> = ws.channels.iter().flat_map(|c| c.samples.iter().map(|s| s.name.as_str())).collect();
        sample_names.sort_unstable();
        sample_names.dedup();

        // Walk sorted channels × sorted samples × sorted (name, type) modifiers, as pyhf's builders do.
        let mut requests: BTreeMap<ModifierType, Vec<(String, Requirement, String)>> = BTreeMap::new();
        let mut seen: HashMap<(ModifierType, String), usize> = HashMap::new();
        let mut staterror_carriers: BTreeMap<String, Vec<(usize, usize, usize)>> = BTreeMap::new();
        let mut walk: Vec<(usize, usize, usize, Vec<usize>)> = Vec::new(); // (layout channel, spec c, spec s, modifiers)
        for (lc, layout) in channels.iter().enumerate() {
            let ci = layout.spec_index;
            for name in &sample_names {
                let Some(si) = ws.channels[ci].samples.iter().position(|s| s.name == *name) else {
                    continue;
                };
                let sample = &ws.channels[ci].samples[si];
                let mut mods = deduplicated[ci][si].clone();
                mods.sort_by(|&a, &b| {
                    let (ma, mb) = (&sample.modifiers[a], &sample.modifiers[b]);
                    (ma.name.as_str(), ma.modifier_type().as_str()).cmp(&(mb.name.as_str(), mb.modifier_type().as_str()))
                });
                for &mi in &mods {
                    let m = &sample.modifiers[mi];
                    let t = m.modifier_type();
                    if t == ModifierType::StatError {
                        staterror_carriers.entry(m.name.clone()).or_default().push((lc, si, mi));
                        continue;
                    }
                    if seen.contains_key(&(t, m.name.clone())) {
                        continue;
                    }
                    let requirement = match &m.data {
                        ModifierData::NormFactor => modifiers::normfactor::requirement(),
                        ModifierData::Lumi => modifiers::lumi::requirement(),
                        ModifierData::NormSys { .. } => modifiers::normsys::requirement(),
                        ModifierData::HistoSys { .. } => modifiers::histosys::requirement(),
                        ModifierData::ShapeFactor => modifiers::shapefactor::requirement(sample.data.len()),
                        ModifierData::ShapeSys { uncertainties } => modifiers::shapesys::requirement(&sample.data, uncertainties),
                        ModifierData::StatError { .. } => unreachable!(),
                    };
                    let list = requests.entry(t).or_default();
                    seen.insert((t, m.name.clone()), list.len());
                    list.push((m.name.clone(), requirement, modifier_path(ci, si, mi)));
                }
                walk.push((lc, ci, si, mods));
            }
        }

        let staterror_bins = staterror_requests(ws, &channels, &sample_names, &staterror_carriers, &mut requests)?;

        // Concatenate per-type requests in histfactory order; equal names share one parameter set.
        let mut order: Vec<(String, ModifierType, Requirement, String)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for (t, list) in &requests {
            for (name, requirement, path) in list {
                match position.get(name) {
                    None => {
                        position.insert(name.clone(), order.len());
                        order.push((name.clone(), *t, requirement.clone(), path.clone()));
                    }
                    Some(&k) => {
                        if order[k].2 != *requirement {
                            return Err(EngineError::workspace(
                                path.clone(),
                                format!(
                                    "the {} modifier '{name}' shares its name with a {} modifier but needs a different parameter (type, size, inits, bounds or constraint); pyhf forbids this reuse (InvalidNameReuse): rename one of them",
                                    t.as_str(),
                                    order[k].1.as_str()
                                ),
                            ));
                        }
                    }
                }
            }
        }
        if order.is_empty() {
            return Err(EngineError::workspace(
                "channels",
                "the model has no parameters: add at least a normfactor for the parameter of interest",
            ));
        }

        let measurement_spec = &ws.measurements[measurement_index];
        let config_path = format!("measurements[{measurement_index}].config");
        let user = user_configs(&measurement_spec.parameters, &config_path)?;
        let mut parameters = Vec::with_capacity(order.len());
        let mut n_pars = 0;
        for (name, t, requirement, _) in order {
            let configured = user.get(name.as_str()).copied();
            let set = finalize_parameter_set(&name, t, requirement, configured, n_pars, &config_path)?;
            n_pars += set.n;
            parameters.push(set);
        }

        let poi = measurement_spec.poi.clone();
        let poi_path = format!("{config_path}.poi");
        let poi_set = parameters.iter().find(|p| p.name == poi).ok_or_else(|| {
            EngineError::workspace(
                poi_path.clone(),
                format!("the parameter of interest '{poi}' is not a parameter of the model; add a normfactor named '{poi}' or choose another POI"),
            )
        })?;
        if !poi_set.is_scalar {
            return Err(EngineError::workspace(
                poi_path,
                format!(
                    "the parameter of interest '{poi}' is a {} with {} components; it must be a scalar parameter",
                    poi_set.modifier_type.as_str(),
                    poi_set.n
                ),
            ));
        }
        let poi_index = poi_set.offset;

        let set_index: HashMap<(ModifierType, &str), usize> = parameters
            .iter()
            .enumerate()
            .flat_map(|(k, p)| ModifierType::ALL.into_iter().map(move |t| ((t, p.name.as_str()), k)))
            .collect();
        let samples = walk
            .into_iter()
            .map(|(lc, ci, si, mods)| {
                let sample = &ws.channels[ci].samples[si];
                let modifiers = mods
                    .into_iter()
                    .map(|mi| {
                        let m = &sample.modifiers[mi];
                        SampleModifier {
                            modifier_index: mi,
                            parameter_set: set_index[&(m.modifier_type(), m.name.as_str())],
                        }
                    })
                    .collect();
                SampleLayout {
                    channel: lc,
                    sample_name: sample.name.clone(),
                    spec_channel: ci,
                    spec_sample: si,
                    modifiers,
                }
            })
            .collect::<Vec<_>>();

        // pyhf maps bin k of every channel to shapefactor component k; more bins than components
        // would read an unrelated parameter, so refuse it.
        for sample in &samples {
            for sm in &sample.modifiers {
                let set = &parameters[sm.parameter_set];
                let m = &ws.channels[sample.spec_channel].samples[sample.spec_sample].modifiers[sm.modifier_index];
                if m.modifier_type() == ModifierType::ShapeFactor && channels[sample.channel].n_bins != set.n {
                    return Err(EngineError::workspace(
                        modifier_path(sample.spec_channel, sample.spec_sample, sm.modifier_index),
                        format!(
                            "shapefactor '{}' has {} components (from the first channel using it) but channel '{}' has {} bins",
                            m.name, set.n, channels[sample.channel].name, channels[sample.channel].n_bins
                        ),
                    ));
                }
            }
        }

        Ok(ModelConfig {
            measurement_index,
            measurement: measurement_spec.name.clone(),
            poi,
            poi_index,
            channels,
            samples,
            parameters,
            n_pars,
            n_main,
            staterror_bins,
        })
    }

    pub fn suggested_init(&self) -> Vec<f64> {
        self.parameters.iter().flat_map(|p| p.inits.iter().copied()).collect()
    }

    pub fn suggested_bounds(&self) -> Vec<(f64, f64)> {
        self.parameters.iter().flat_map(|p| p.bounds.iter().copied()).collect()
    }

    pub fn suggested_fixed(&self) -> Vec<bool> {
        self.parameters.iter().flat_map(|p| p.fixed.iter().copied()).collect()
    }

    /// Names of all components, in order (`name` or `name[i]`).
    pub fn par_names(&self) -> Vec<String> {
        self.parameters.iter().flat_map(|p| p.component_names()).collect()
    }

    /// Auxiliary data in pyhf's order: constrained parameter sets in parameter order.
    pub fn auxdata(&self) -> Vec<f64> {
        self.parameters
            .iter()
            .flat_map(|p| p.constraint.auxdata().iter().copied())
            .collect()
    }

    /// Observed main data in pyhf's (sorted channel) order.
    pub fn observed_main(&self, ws: &Workspace) -> Vec<f64> {
        self.channels
            .iter()
            .flat_map(|c| ws.observations[c.observation_index].data.iter().copied())
            .collect()
    }

    /// Observed data followed by the auxiliary data, as pyhf's `workspace.data(model)`.
    pub fn observed_data(&self, ws: &Workspace) -> Vec<f64> {
        let mut data = self.observed_main(ws);
        data.extend(self.auxdata());
        data
    }
}

fn check_names_unique(ws: &Workspace) -> Result<()> {
    let mut channels = HashMap::new();
    for (ci, c) in ws.channels.iter().enumerate() {
        if let Some(first) = channels.insert(c.name.as_str(), ci) {
            return Err(EngineError::workspace(
                format!("channels[{ci}].name"),
                format!("channel name '{}' is used twice (also channels[{first}])", c.name),
            ));
        }
        let mut samples = HashMap::new();
        for (si, s) in c.samples.iter().enumerate() {
            if let Some(first) = samples.insert(s.name.as_str(), si) {
                return Err(EngineError::workspace(
                    format!("channels[{ci}].samples[{si}].name"),
                    format!(
                        "sample name '{}' is used twice in channel '{}' (also samples[{first}])",
                        s.name, c.name
                    ),
                ));
            }
        }
    }
    let mut measurements = HashMap::new();
    for (mi, m) in ws.measurements.iter().enumerate() {
        if let Some(first) = measurements.insert(m.name.as_str(), mi) {
            return Err(EngineError::workspace(
                format!("measurements[{mi}].name"),
                format!("measurement name '{}' is used twice (also measurements[{first}])", m.name),
            ));
        }
    }
    Ok(())
}

/// A channel's bin count is that of its first sample (pyhf); every sample must match it.
fn check_bins(ws: &Workspace) -> Result<Vec<usize>> {
    let mut bins = Vec::with_capacity(ws.channels.len());
    for (ci, c) in ws.channels.iter().enumerate() {
        let n = c.samples[0].data.len();
        for (si, s) in c.samples.iter().enumerate().skip(1) {
            if s.data.len() != n {
                return Err(EngineError::workspace(
                    format!("channels[{ci}].samples[{si}].data"),
                    format!(
                        "sample '{}' has {} bins but channel '{}' has {n} (from its first sample '{}')",
                        s.name,
                        s.data.len(),
                        c.name,
                        c.samples[0].name
                    ),
                ));
            }
        }
        bins.push(n);
    }
    Ok(bins)
}

fn check_observations(ws: &Workspace, channel_bins: &[usize]) -> Result<Vec<usize>> {
    let mut by_name = HashMap::new();
    for (oi, o) in ws.observations.iter().enumerate() {
        if let Some(first) = by_name.insert(o.name.as_str(), oi) {
            return Err(EngineError::workspace(
                format!("observations[{oi}].name"),
                format!("observation '{}' is given twice (also observations[{first}])", o.name),
            ));
        }
        for (b, &n) in o.data.iter().enumerate() {
            if n < 0.0 {
                return Err(EngineError::workspace(
                    format!("observations[{oi}].data[{b}]"),
                    format!("observed count {n} is negative"),
                ));
            }
        }
    }
    let mut observation_of = Vec::with_capacity(ws.channels.len());
    for (ci, c) in ws.channels.iter().enumerate() {
        let oi = *by_name.get(c.name.as_str()).ok_or_else(|| {
            EngineError::workspace(
                format!("channels[{ci}]"),
                format!(
                    "channel '{}' has no observation: add {{\"name\": \"{}\", \"data\": [...]}} to observations",
                    c.name, c.name
                ),
            )
        })?;
        let n = ws.observations[oi].data.len();
        if n != channel_bins[ci] {
            return Err(EngineError::workspace(
                format!("observations[{oi}].data"),
                format!(
                    "observation '{}' has {n} bins but channel '{}' has {}",
                    c.name, c.name, channel_bins[ci]
                ),
            ));
        }
        observation_of.push(oi);
    }
    Ok(observation_of)
}

fn check_modifier_data(ws: &Workspace) -> Result<()> {
    for (ci, c) in ws.channels.iter().enumerate() {
        for (si, s) in c.samples.iter().enumerate() {
            let n = s.data.len();
            for (mi, m) in s.modifiers.iter().enumerate() {
                let path = format!("{}.data", modifier_path(ci, si, mi));
                let length = |values: &[f64], path: &str| -> Result<()> {
                    if values.len() != n {
                        return Err(EngineError::workspace(
                            path.to_string(),
                            format!(
                                "{} modifier '{}' has {} values but sample '{}' has {n} bins",
                                m.modifier_type().as_str(),
                                m.name,
                                values.len(),
                                s.name
                            ),
                        ));
                    }
                    Ok(())
                };
                match &m.data {
                    ModifierData::HistoSys { lo_data, hi_data } => {
                        length(lo_data, &format!("{path}.lo_data"))?;
                        length(hi_data, &format!("{path}.hi_data"))?;
                    }
                    ModifierData::ShapeSys { uncertainties } | ModifierData::StatError { uncertainties } => {
                        length(uncertainties, &path)?;
                        if let Some(b) = uncertainties.iter().position(|&u| u < 0.0) {
                            return Err(EngineError::workspace(
                                format!("{path}[{b}]"),
                                format!("uncertainty {} is negative", uncertainties[b]),
                            ));
                        }
                    }
                    ModifierData::NormSys { lo, hi } => {
                        for (key, v) in [("lo", lo), ("hi", hi)] {
                            if *v < 0.0 {
                                return Err(EngineError::workspace(
                                    format!("{path}.{key}"),
                                    format!("normsys factor {key} = {v} is negative"),
                                ));
                            }
                        }
                    }
                    ModifierData::NormFactor | ModifierData::ShapeFactor | ModifierData::Lumi => {}
                }
            }
        }
    }
    Ok(())
}

/// Per sample, the modifiers that act on it: a repeated (type, name) keeps its last entry, except
/// that shapesys names must be unique in the whole model.
fn deduplicate_modifiers(ws: &Workspace) -> Result<Vec<Vec<Vec<usize>>>> {
    let mut shapesys_seen: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::with_capacity(ws.channels.len());
    for (ci, c) in ws.channels.iter().enumerate() {
        let mut per_channel = Vec::with_capacity(c.samples.len());
        for (si, s) in c.samples.iter().enumerate() {
            let mut last: HashMap<(ModifierType, &str), usize> = HashMap::new();
            for (mi, m) in s.modifiers.iter().enumerate() {
                let t = m.modifier_type();
                if t == ModifierType::ShapeSys {
                    if let Some(first) = shapesys_seen.insert(m.name.as_str(), modifier_path(ci, si, mi)) {
                        return Err(EngineError::workspace(
                            modifier_path(ci, si, mi),
                            format!(
                                "shapesys '{}' is declared again (first at {first}); shapesys names must be unique in the model",
                                m.name
                            ),
                        ));
                    }
                }
                last.insert((t, m.name.as_str()), mi);
            }
            let mut kept: Vec<usize> = last.into_values().collect();
            kept.sort_unstable();
            per_channel.push(kept);
        }
        out.push(per_channel);
    }
    Ok(out)
}

/// Build staterror parameter sets (alphabetical, as pyhf's finalize does) and the bins each covers.
fn staterror_requests(
    ws: &Workspace,
    channels: &[ChannelLayout],
    sample_names: &[&str],
    carriers: &BTreeMap<String, Vec<(usize, usize, usize)>>,
    requests: &mut BTreeMap<ModifierType, Vec<(String, Requirement, String)>>,
) -> Result<HashMap<String, Vec<usize>>> {
    let mut bins_of = HashMap::new();
    for (name, list) in carriers {
        // Global mask per carrying sample name.
        let mut masks: BTreeMap<&str, (Vec<bool>, String)> = BTreeMap::new();
        for &(lc, si, mi) in list {
            let layout = &channels[lc];
            let sample_name = ws.channels[layout.spec_index].samples[si].name.as_str();
            let entry = masks
                .entry(sample_name)
                .or_insert_with(|| (vec![false; total_bins(channels)], modifier_path(layout.spec_index, si, mi)));
            entry.0[layout.offset..layout.offset + layout.n_bins]
                .iter_mut()
                .for_each(|b| *b = true);
        }
        let mut iter = masks.values();
        let (mask, first_path) = iter.next().expect("a staterror has at least one carrier").clone();
        for (other, path) in iter {
            if *other != mask {
                return Err(EngineError::workspace(
                    path.clone(),
                    format!("staterror '{name}' covers different channels for different samples (compare {first_path}); every sample carrying it must carry it in the same channels"),
                ));
            }
        }
        let bins: Vec<usize> = mask.iter().enumerate().filter(|(_, &m)| m).map(|(b, _)| b).collect();
        // Nominal and uncertainty of each carrying sample on the masked bins, in sorted sample order.
        let mut per_sample = Vec::new();
        for sample_name in sample_names {
            if !masks.contains_key(sample_name) {
                continue;
            }
            let mut nominal = vec![0.0; bins.len()];
            let mut uncertainty = vec![0.0; bins.len()];
            for (k, &b) in bins.iter().enumerate() {
                let lc = channels
                    .iter()
                    .position(|c| b >= c.offset && b < c.offset + c.n_bins)
                    .expect("bin in a channel");
                let layout = &channels[lc];
                let channel = &ws.channels[layout.spec_index];
                if let Some(sample) = channel.samples.iter().find(|s| s.name == *sample_name) {
                    nominal[k] = sample.data[b - layout.offset];
                    // The last staterror of this name on the sample is the one pyhf keeps.
                    if let Some(ModifierData::StatError { uncertainties }) = sample
                        .modifiers
                        .iter()
                        .rev()
                        .find(|m| m.name == *name && m.modifier_type() == ModifierType::StatError)
                        .map(|m: &Modifier| &m.data)
                    {
                        uncertainty[k] = uncertainties[b - layout.offset];
                    }
                }
            }
            per_sample.push((nominal, uncertainty));
        }
        let relative = modifiers::staterror::relative_uncertainties(&per_sample, bins.len());
        requests
            .entry(ModifierType::StatError)
            .or_default()
            .push((name.clone(), modifiers::staterror::requirement(&relative), first_path));
        bins_of.insert(name.clone(), bins);
    }
    Ok(bins_of)
}

fn total_bins(channels: &[ChannelLayout]) -> usize {
    channels.iter().map(|c| c.n_bins).sum()
}

fn user_configs<'a>(parameters: &'a [ParameterConfig], config_path: &str) -> Result<HashMap<&'a str, (usize, &'a ParameterConfig)>> {
    let mut map = HashMap::new();
    for (k, p) in parameters.iter().enumerate() {
        if let Some((first, _)) = map.insert(p.name.as_str(), (k, p)) {
            return Err(EngineError::workspace(
                format!("{config_path}.parameters[{k}].name"),
                format!("parameter '{}' is configured twice (also parameters[{first}])", p.name),
            ));
        }
    }
    Ok(map)
}

/// Apply the measurement's overrides to a requested parameter set (pyhf's
/// `reduce_paramsets_requirements`), and check the result.
fn finalize_parameter_set(
    name: &str,
    modifier_type: ModifierType,
    requirement: Requirement,
    configured: Option<(usize, &ParameterConfig)>,
    offset: usize,
    config_path: &str,
) -> Result<ParameterSet> {
    let n = requirement.n;
    let user_path = configured.map(|(k, _)| format!("{config_path}.parameters[{k}]"));
    let path_of = |key: &str| -> String {
        user_path
            .as_ref()
            .map(|p| format!("{p}.{key}"))
            .unwrap_or_else(|| format!("{config_path}.parameters"))
    };

    fn overlay<T: Clone>(
        default: Setting<Vec<T>>,
        user: Option<&Vec<T>>,
        n: usize,
        key: &str,
        name: &str,
        path: &str,
    ) -> Result<Setting<Vec<T>>> {
        match (default, user) {
            (d, None) => Ok(d),
            (Setting::Undefined, Some(_)) => Err(EngineError::workspace(
                path.to_string(),
                format!("parameter '{name}' does not use '{key}'"),
            )),
            (_, Some(values)) => {
                if values.len() != n {
                    return Err(EngineError::workspace(
                        path.to_string(),
                        format!(
                            "parameter '{name}' has {n} component(s) but {} value(s) are configured for '{key}'",
                            values.len()
                        ),
                    ));
                }
                Ok(Setting::Value(values.clone()))
            }
        }
    }
    let user = configured.map(|(_, p)| p);
    let inits = overlay(
        requirement.inits,
        user.and_then(|p| p.inits.as_ref()),
        n,
        "inits",
        name,
        &path_of("inits"),
    )?;
    let bounds = overlay(
        requirement.bounds,
        user.and_then(|p| p.bounds.as_ref()),
        n,
        "bounds",
        name,
        &path_of("bounds"),
    )?;
    let auxdata = overlay(
        requirement.auxdata,
        user.and_then(|p| p.auxdata.as_ref()),
        n,
        "auxdata",
        name,
        &path_of("auxdata"),
    )?;
    let factors = overlay(
        requirement.factors,
        user.and_then(|p| p.factors.as_ref()),
        n,
        "factors",
        name,
        &path_of("factors"),
    )?;
    let sigmas = overlay(
        requirement.sigmas,
        user.and_then(|p| p.sigmas.as_ref()),
        n,
        "sigmas",
        name,
        &path_of("sigmas"),
    )?;
    let fixed = match user.and_then(|p| p.fixed) {
        Some(all) => vec![all; n],
        None => match requirement.fixed {
            FixedDefault::All(all) => vec![all; n],
            FixedDefault::PerComponent(v) => v,
        },
    };

    let required = |s: Setting<Vec<f64>>, key: &str| -> Result<Vec<f64>> {
        match s {
            Setting::Value(v) => Ok(v),
            _ => Err(EngineError::workspace(
                path_of(key),
                format!("parameter '{name}' ({}) has no default '{key}': the measurement config must give it (e.g. lumi needs inits, bounds, auxdata and sigmas)", modifier_type.as_str()),
            )),
        }
    };
    let inits = required(inits, "inits")?;
    let bounds = match bounds {
        Setting::Value(v) => v,
        _ => {
            return Err(EngineError::workspace(
                path_of("bounds"),
                format!(
                    "parameter '{name}' ({}) has no default 'bounds': the measurement config must give them",
                    modifier_type.as_str()
                ),
            ))
        }
    };
    for (i, &(lo, hi)) in bounds.iter().enumerate() {
        if lo > hi {
            return Err(EngineError::workspace(
                format!("{}[{i}]", path_of("bounds")),
                format!("bounds of '{name}' are reversed: [{lo}, {hi}]"),
            ));
        }
        if inits[i] < lo || inits[i] > hi {
            return Err(EngineError::workspace(
                format!("{}[{i}]", path_of("inits")),
                format!("initial value {} of '{name}' lies outside its bounds [{lo}, {hi}]", inits[i]),
            ));
        }
    }
    let constraint = match requirement.constraint {
        ConstraintKind::Unconstrained => Constraint::None,
        ConstraintKind::Normal => {
            let auxdata = required(auxdata, "auxdata")?;
            let sigmas = match sigmas {
                Setting::Value(v) => v,
                _ => vec![1.0; n],
            };
            if let Some(i) = sigmas.iter().position(|&s| s <= 0.0) {
                return Err(EngineError::workspace(
                    format!("{}[{i}]", path_of("sigmas")),
                    format!("sigma {} of '{name}' must be positive", sigmas[i]),
                ));
            }
            Constraint::Normal { auxdata, sigmas }
        }
        ConstraintKind::Poisson => {
            let auxdata = required(auxdata, "auxdata")?;
            let factors = required(factors, "factors")?;
            if let Some(i) = factors.iter().position(|&f| f <= 0.0) {
                return Err(EngineError::workspace(
                    format!("{}[{i}]", path_of("factors")),
                    format!("factor {} of '{name}' must be positive", factors[i]),
                ));
            }
            if let Some(i) = auxdata.iter().position(|&a| a < 0.0) {
                return Err(EngineError::workspace(
                    format!("{}[{i}]", path_of("auxdata")),
                    format!("Poisson auxiliary datum {} of '{name}' is negative", auxdata[i]),
                ));
            }
            Constraint::Poisson { auxdata, factors }
        }
    };
    Ok(ParameterSet {
        name: name.to_string(),
        modifier_type,
        offset,
        n,
        is_scalar: requirement.is_scalar,
        inits,
        bounds,
        fixed,
        constraint,
    })
}
