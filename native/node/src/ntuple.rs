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
    NtupleBinContent {
        sumw: c.sumw,
        sumw2: c.sumw2,
        entries: c.entries as f64,
    }
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
        self.events
            .histogram(&edges)
            .map(histogram)
            .map_err(ntuple_error)
    }

    /// Many binnings in one call (one N-API crossing per trial batch).
    #[napi]
    pub fn histograms(&self, edge_sets: Vec<Vec<f64>>) -> napi::Result<Vec<NtupleHistogram>> {
        edge_sets
            .iter()
            .map(|edges| {
                self.events
                    .histogram(edges)
                    .map(histogram)
                    .map_err(ntuple_error)
            })
            .collect()
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

// The studio's ROOT browser: what a dropped file holds, and a quick look at one branch.

#[napi(object)]
pub struct RootBranchInfo {
    pub name: String,
    /// C++ type as the reader reports it (`double`, `int64_t`, `vector<float>`, …).
    pub type_name: String,
    /// One number per entry: can be histogrammed and used in expressions.
    pub readable: bool,
    /// Why it cannot be read, when it cannot.
    pub reason: Option<String>,
}

#[napi(object)]
pub struct RootTreeInfo {
    pub entries: f64,
    pub branches: Vec<RootBranchInfo>,
}

#[napi(object)]
pub struct RootKeyInfo {
    pub name: String,
    pub class_name: String,
    pub title: String,
    /// Set for a TTree the reader could open.
    pub tree: Option<RootTreeInfo>,
    /// Why the key cannot be browsed (not a tree, or a tree the reader cannot open).
    pub note: Option<String>,
}

#[napi(object)]
pub struct RootFileContents {
    pub path: String,
    pub keys: Vec<RootKeyInfo>,
}

pub struct ListRootFile {
    path: String,
}

impl Task for ListRootFile {
    type Output = histune_ntuple::FileContents;
    type JsValue = RootFileContents;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        histune_ntuple::list_contents(&self.path).map_err(ntuple_error)
    }

    fn resolve(&mut self, _env: Env, c: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(RootFileContents {
            path: c.path,
            keys: c
                .keys
                .into_iter()
                .map(|k| RootKeyInfo {
                    name: k.name,
                    class_name: k.class_name,
                    title: k.title,
                    note: k.note,
                    tree: k.tree.map(|t| RootTreeInfo {
                        entries: t.entries as f64,
                        branches: t
                            .branches
                            .into_iter()
                            .map(|b| RootBranchInfo {
                                name: b.name,
                                type_name: b.type_name,
                                readable: b.readable,
                                reason: b.reason,
                            })
                            .collect(),
                    }),
                })
                .collect(),
        })
    }
}

/// The top-level keys of a ROOT file and every tree's entries and branches, read off the JS thread.
#[napi(ts_return_type = "Promise<RootFileContents>")]
pub fn list_root_file(path: String) -> AsyncTask<ListRootFile> {
    AsyncTask::new(ListRootFile { path })
}

#[napi(object)]
pub struct NtupleBranchSummarySpec {
    pub file: String,
    pub tree: String,
    /// A branch name or an expression of branches.
    pub observable: String,
    pub weight: Option<String>,
    pub selection: Option<String>,
    pub bins: u32,
    /// [low, high] of the histogram; the selected values' [min, max] when absent.
    pub range: Option<Vec<f64>>,
}

#[napi(object)]
pub struct NtupleBranchSummary {
    pub entries: f64,
    pub selected: f64,
    /// Selected entries with a NaN or infinite value, left out of the rest.
    pub non_finite: f64,
    pub sumw: f64,
    pub sumw2: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Weighted mean and standard deviation; null when the weights sum to 0.
    pub mean: Option<f64>,
    pub std_dev: Option<f64>,
    /// Equal-width bins, the last one closed (numpy's convention).
    pub histogram: NtupleHistogram,
}

pub struct SummarizeNtupleBranch {
    spec: SampleSpec,
    bins: usize,
    range: Option<Vec<f64>>,
}

impl Task for SummarizeNtupleBranch {
    type Output = histune_ntuple::BranchSummary;
    type JsValue = NtupleBranchSummary;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let range = match self.range.as_deref() {
            None => None,
            Some([lo, hi]) => Some((*lo, *hi)),
            Some(other) => {
                return Err(ntuple_error(NtupleError::Binning(format!(
                    "the range must be [low, high], got {} numbers",
                    other.len()
                ))))
            }
        };
        histune_ntuple::summarize(&self.spec, self.bins, range).map_err(ntuple_error)
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(NtupleBranchSummary {
            entries: s.entries as f64,
            selected: s.selected as f64,
            non_finite: s.non_finite as f64,
            sumw: s.sumw,
            sumw2: s.sumw2,
            min: s.min,
            max: s.max,
            mean: s.mean,
            std_dev: s.std_dev,
            histogram: histogram(s.histogram),
        })
    }
}

/// Range, weighted mean and spread, and an equal-width histogram of one branch, off the JS thread.
#[napi(ts_return_type = "Promise<NtupleBranchSummary>")]
pub fn summarize_ntuple_branch(spec: NtupleBranchSummarySpec) -> AsyncTask<SummarizeNtupleBranch> {
    AsyncTask::new(SummarizeNtupleBranch {
        spec: SampleSpec {
            file: spec.file,
            tree: spec.tree,
            observable: spec.observable,
            weight: spec.weight.unwrap_or_else(|| "1".into()),
            selection: spec.selection.filter(|s| !s.trim().is_empty()),
        },
        bins: spec.bins as usize,
        range: spec.range,
    })
}

/// Branches ROOT browser summaries have read from files since the addon loaded: a summary reuses
/// the columns an earlier one read from the same, unchanged file (tests check this count).
#[napi]
pub fn ntuple_summary_branch_reads() -> f64 {
    histune_ntuple::summary::summary_branch_reads() as f64
}
