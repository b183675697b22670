//! A quick look at one branch (or expression) of a tree: range, weighted mean and spread, and an
//! equal-width histogram, with numpy's conventions so that `np.histogram(x, bins, weights=w)`
//! gives the same bins.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::columns::TreeColumns;
use crate::error::{NtupleError, Result};
use crate::events::{uniform_edges, BinContent, Histogram, SampleSpec};
use crate::expr::ColumnSource;

/// Most bins a summary histogram may have.
pub const MAX_SUMMARY_BINS: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct BranchSummary {
    /// Entries in the tree.
    pub entries: usize,
    /// Entries that pass the selection.
    pub selected: usize,
    /// Selected entries whose value is NaN or infinite: left out of everything below.
    pub non_finite: usize,
    pub sumw: f64,
    pub sumw2: f64,
    /// Smallest and largest finite selected value; `None` when there is none.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Weighted mean Σwx/Σw and standard deviation √(Σw(x−mean)²/Σw); `None` when Σw is 0.
    pub mean: Option<f64>,
    pub std_dev: Option<f64>,
    /// `bins` equal-width bins on `range`, or on [min, max] when no range is given; the last bin
    /// is closed. Values outside the range are in underflow / overflow only.
    pub histogram: Histogram,
}

/// Summarise `spec.observable` over the entries `spec.selection` keeps, weighted by `spec.weight`.
pub fn summarize(
    spec: &SampleSpec,
    bins: usize,
    range: Option<(f64, f64)>,
) -> Result<BranchSummary> {
    if bins == 0 || bins > MAX_SUMMARY_BINS {
        return Err(NtupleError::Binning(format!(
            "the number of bins must be 1 to {MAX_SUMMARY_BINS}, got {bins}"
        )));
    }
    if let Some((lo, hi)) = range {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(NtupleError::Binning(format!(
                "the range must be two finite numbers, low < high, got [{lo}, {hi}]"
            )));
        }
    }
    let (values, weights, entries) = read_selected_cached(spec)?;
    let selected = values.len();
    let (values, weights): (Vec<f64>, Vec<f64>) = values
        .into_iter()
        .zip(weights)
        .filter(|(x, _)| x.is_finite())
        .unzip();
    let non_finite = selected - values.len();

    let sumw: f64 = weights.iter().sum();
    let sumw2: f64 = weights.iter().map(|w| w * w).sum();
    let min = values.iter().copied().reduce(f64::min);
    let max = values.iter().copied().reduce(f64::max);
    let (mean, std_dev) = if sumw != 0.0 && !values.is_empty() {
        let mean = values.iter().zip(&weights).map(|(x, w)| w * x).sum::<f64>() / sumw;
        let variance = values
            .iter()
            .zip(&weights)
            .map(|(x, w)| w * (x - mean) * (x - mean))
            .sum::<f64>()
            / sumw;
        (Some(mean), Some(variance.max(0.0).sqrt()))
    } else {
        (None, None)
    };

    // numpy: an empty sample bins [0, 1]; a single value v bins [v − 0.5, v + 0.5].
    let (lo, hi) = range.unwrap_or(match (min, max) {
        (Some(lo), Some(hi)) if lo < hi => (lo, hi),
        (Some(v), Some(_)) => (v - 0.5, v + 0.5),
        _ => (0.0, 1.0),
    });
    let histogram = fill_uniform(&values, &weights, bins, lo, hi);
    Ok(BranchSummary {
        entries,
        selected,
        non_finite,
        sumw,
        sumw2,
        min,
        max,
        mean,
        std_dev,
        histogram,
    })
}

/// One pass over the values, as numpy bins equal widths: the index from the position, then one
/// step of correction against the `np.linspace` edges; the last bin takes `hi`. No sorting.
fn fill_uniform(values: &[f64], weights: &[f64], bins: usize, lo: f64, hi: f64) -> Histogram {
    let edges = uniform_edges(bins, lo, hi);
    let norm = bins as f64 / (hi - lo);
    let mut h = Histogram {
        sumw: vec![0.0; bins],
        sumw2: vec![0.0; bins],
        entries: vec![0; bins],
        underflow: BinContent::default(),
        overflow: BinContent::default(),
        edges,
    };
    let add = |c: &mut BinContent, w: f64| {
        c.sumw += w;
        c.sumw2 += w * w;
        c.entries += 1;
    };
    for (&x, &w) in values.iter().zip(weights) {
        if x < lo {
            add(&mut h.underflow, w);
        } else if x > hi {
            add(&mut h.overflow, w);
        } else {
            let mut i = (((x - lo) * norm) as usize).min(bins - 1);
            if x < h.edges[i] {
                i -= 1;
            } else if i + 1 < bins && x >= h.edges[i + 1] {
                i += 1;
            }
            h.sumw[i] += w;
            h.sumw2[i] += w * w;
            h.entries[i] += 1;
        }
    }
    h
}

// The browser summarises the same tree again for each weight, selection, bin count or range:
// the columns a summary read stay in memory for the next one, for a few trees, until the file
// changes (its size or modification time).

/// Trees whose columns summaries keep, the most recently used last.
const CACHED_TREES: usize = 4;
/// Values (f64) kept in all, 256 MiB: a tree with more columns than that is read each time.
const CACHED_VALUES: usize = 32 << 20;

struct CachedTree {
    file: String,
    tree: String,
    stamp: (u64, Option<SystemTime>),
    columns: Arc<TreeColumns>,
}

static CACHE: Mutex<VecDeque<CachedTree>> = Mutex::new(VecDeque::new());
static BRANCH_READS: AtomicU64 = AtomicU64::new(0);

/// Branches summaries have read from ROOT files so far (cached ones are not read again).
pub fn summary_branch_reads() -> u64 {
    BRANCH_READS.load(Ordering::Relaxed)
}

fn file_stamp(file: &str) -> Option<(u64, Option<SystemTime>)> {
    std::fs::metadata(file)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

fn values_held(columns: &TreeColumns) -> usize {
    columns.names().len() * columns.entries()
}

/// `SampleSpec::read_selected`, reading only the branches the cache does not hold for this tree.
fn read_selected_cached(spec: &SampleSpec) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    let parsed = spec.parse()?;
    let columns = cached_columns(&spec.file, &spec.tree, &parsed.branches)?;
    let (values, weights) = parsed.select(columns.as_ref())?;
    Ok((values, weights, columns.entries()))
}

fn cached_columns(file: &str, tree: &str, branches: &[String]) -> Result<Arc<TreeColumns>> {
    let stamp = file_stamp(file);
    let held = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let found = cache.iter().position(|c| c.file == file && c.tree == tree);
        match found.and_then(|i| cache.remove(i)) {
            Some(c) if stamp.is_some() && Some(c.stamp) == stamp => {
                let columns = c.columns.clone();
                cache.push_back(c);
                Some(columns)
            }
            _ => None,
        }
    };
    let missing: Vec<String> = match &held {
        Some(c) => branches
            .iter()
            .filter(|b| c.column(b).is_none())
            .cloned()
            .collect(),
        None => branches.to_vec(),
    };
    if missing.is_empty() {
        if let Some(c) = held {
            return Ok(c);
        }
    }
    let read = TreeColumns::read(file, tree, &missing)?;
    BRANCH_READS.fetch_add(missing.len() as u64, Ordering::Relaxed);
    let columns = Arc::new(match held {
        Some(c) if c.entries() == read.entries() => {
            let mut all: Vec<(String, Vec<f64>)> = c
                .names()
                .into_iter()
                .map(|n| (n.to_string(), c.column(n).unwrap_or_default().to_vec()))
                .collect();
            all.extend(
                missing
                    .iter()
                    .map(|n| (n.clone(), read.column(n).unwrap_or_default().to_vec())),
            );
            TreeColumns::from_columns(all)
        }
        _ => read,
    });
    // A file changed while it was read is not kept: the next summary reads it again.
    if stamp.is_some() && file_stamp(file) == stamp && values_held(&columns) <= CACHED_VALUES {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|c| !(c.file == file && c.tree == tree));
        cache.push_back(CachedTree {
            file: file.to_string(),
            tree: tree.to_string(),
            stamp: stamp.unwrap(),
            columns: columns.clone(),
        });
        let mut total: usize = cache.iter().map(|c| values_held(&c.columns)).sum();
        while cache.len() > CACHED_TREES || total > CACHED_VALUES {
            let oldest = cache
                .pop_front()
                .expect("the cache holds the tree just added");
            total -= values_held(&oldest.columns);
        }
    }
    Ok(columns)
}
