//! What every result reports about how it was obtained: convergence of all its fits, the minimum
//! NLL, work done, wall time, the POI estimate and a flat map of metrics for tables and plots.

use std::collections::BTreeMap;
use std::time::Instant;

use histune_engine::FitResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// All fits converged.
    pub converged: bool,
    /// −logpdf at the unconditional best fit to the observed data (when one was made).
    pub min_nll: Option<f64>,
    pub fits: usize,
    pub failed_fits: usize,
    pub iterations: usize,
    pub function_calls: usize,
    pub time_ms: f64,
    pub poi: Option<f64>,
    pub poi_uncertainty: Option<f64>,
    pub warnings: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
}

/// A fit as results report it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FitSummary {
    pub converged: bool,
    pub status: String,
    pub nll: f64,
    pub twice_nll: f64,
    pub iterations: usize,
    pub pars: Vec<f64>,
}

impl From<&FitResult> for FitSummary {
    fn from(r: &FitResult) -> Self {
        FitSummary { converged: r.converged, status: r.status.clone(), nll: r.nll, twice_nll: r.twice_nll, iterations: r.iterations, pars: r.bestfit.clone() }
    }
}

/// Accumulates fit statistics (one per thread, merged at the end).
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    pub fits: usize,
    pub failed: usize,
    pub iterations: usize,
    pub function_calls: usize,
    pub warnings: Vec<String>,
}

/// Unconverged fits named individually up to this many; the rest are only counted.
const MAX_FIT_WARNINGS: usize = 10;

impl Tracker {
    /// Counts a fit; `what` (e.g. `format_args!(…)`) is formatted only into a non-convergence warning.
    pub fn record(&mut self, what: impl std::fmt::Display, r: &FitResult) {
        self.fits += 1;
        self.iterations += r.iterations;
        self.function_calls += r.function_calls;
        if !r.converged {
            self.failed += 1;
            if self.failed <= MAX_FIT_WARNINGS {
                self.warnings.push(format!("{what}: the fit did not converge ({}, 2NLL = {})", r.status, r.twice_nll));
            }
        }
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    pub fn merge(&mut self, other: Tracker) {
        self.fits += other.fits;
        self.failed += other.failed;
        self.iterations += other.iterations;
        self.function_calls += other.function_calls;
        for w in other.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }

    pub fn finish(self, started: Instant, min_nll: Option<f64>, poi: Option<f64>, poi_uncertainty: Option<f64>, metrics: BTreeMap<String, f64>) -> Diagnostics {
        let mut warnings = self.warnings;
        if self.failed > MAX_FIT_WARNINGS {
            warnings.push(format!("{} fits in all did not converge", self.failed));
        }
        Diagnostics {
            converged: self.failed == 0,
            min_nll,
            fits: self.fits,
            failed_fits: self.failed,
            iterations: self.iterations,
            function_calls: self.function_calls,
            time_ms: started.elapsed().as_secs_f64() * 1e3,
            poi,
            poi_uncertainty,
            warnings,
            metrics,
        }
    }
}

/// Build a metrics map from (name, value) pairs.
pub fn metrics<const N: usize>(pairs: [(&str, f64); N]) -> BTreeMap<String, f64> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
