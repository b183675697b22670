//! napi binding of histune-ntuple: `loadNtupleSample(spec)` reads one sample off the JS thread and
//! resolves to an `NtupleSample`, whose `histogram(edges)` / `histograms(edgeSets)` fill Σw, Σw²
//! and counts at any binning. Errors carry `{"code","message"}` as JSON in the message.

use histune_ntuple::{BinContent, Histogram, NtupleError, SampleSpec, WeightedEvents};
use napi::{bindgen_prelude::AsyncTask, Env, Task};
use napi_derive::napi;

fn ntuple_error(e: NtupleError) -> napi::Error {
    let payload = serde_json::json!({ "code": e.code(), "message": e.to_string() });
    napi::Error::from_reason(payload.to_string())
}

#[napi(object)]
pub struct NtupleSampleSpec {
    pub file: String,
    pub tree: String,
    pub observable: String,
    /// Weight expression; 1 when absent.
    pub weight: Option<String>,
    /// Selection expression; all events when absent.
    pub selection: Option<String>,
}

#[napi(object)]
pub struct NtupleBinContent {
    pub sumw: f64,
    pub sumw2: f64,
    pub entries: f64,
}

#[napi(object)]
pub struct NtupleHistogram {
    pub edges: Vec<f64>,
    pub sumw: Vec<f64>,
    pub sumw2: Vec<f64>,
    pub entries: Vec<f64>,
    pub underflow: NtupleBinContent,
    pub overflow: NtupleBinContent,
}

fn content(c: BinContent) -> NtupleBinContent {
    NtupleBinContent { sumw: c.sumw, sumw2: c.sumw2, entries: c.entries as f64 }
}

fn histogram(h: Histogram) -> NtupleHistogram {
    NtupleHistogram {
        edges: h.edges,
        sumw: h.sumw,
        sumw2: h.sumw2,
        entries: h.entries.into_iter().map(|n| n as f64).collect(),
        underflow: content(h.underflow),
        overflow: content(h.overflow),
    }
}

/// The selected events of one sample, sorted by the observable.
#[napi]
pub struct NtupleSample {
    events: WeightedEvents,
}

#[napi]
impl NtupleSample {
    /// Number of selected events (entries with a NaN observable are dropped).
    #[napi(getter)]
    pub fn events(&self) -> u32 {
        self.events.len() as u32
    }

    /// [min, max] of the observable over the selected events; null when none is selected.
    #[napi]
    pub fn range(&self) -> Option<Vec<f64>> {
        self.events.range().map(|(lo, hi)| vec![lo, hi])
    }

    #[napi]
    pub fn total(&self) -> NtupleBinContent {
        content(self.events.total())
    }

    /// Bins [edges[i], edges[i+1]); events outside go to underflow / overflow only.
    #[napi]
    pub fn histogram(&self, edges: Vec<f64>) -> napi::Result<NtupleHistogram> {
        self.events.histogram(&edges).map(histogram).map_err(ntuple_error)
    }

    /// Many binnings in one call (one N-API crossing per trial batch).
    #[napi]
    pub fn histograms(&self, edge_sets: Vec<Vec<f64>>) -> napi::Result<Vec<NtupleHistogram>> {
        edge_sets.iter().map(|edges| self.events.histogram(edges).map(histogram).map_err(ntuple_error)).collect()
    }
}

pub struct LoadNtupleSample {
    spec: SampleSpec,
}

impl Task for LoadNtupleSample {
    type Output = WeightedEvents;
    type JsValue = NtupleSample;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        WeightedEvents::load(&self.spec).map_err(ntuple_error)
    }

    fn resolve(&mut self, _env: Env, events: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(NtupleSample { events })
    }
}

/// Read a sample's branches on the libuv pool; resolves to an `NtupleSample`.
#[napi(ts_return_type = "Promise<NtupleSample>")]
pub fn load_ntuple_sample(spec: NtupleSampleSpec) -> AsyncTask<LoadNtupleSample> {
    AsyncTask::new(LoadNtupleSample {
        spec: SampleSpec {
            file: spec.file,
            tree: spec.tree,
            observable: spec.observable,
            weight: spec.weight.unwrap_or_else(|| "1".into()),
            selection: spec.selection,
        },
    })
}
