//! Profile-likelihood scan of one parameter: 2NLL with the parameter held at each grid value and
//! everything else refitted. Fits are warm-started from the neighbouring grid point, walking
//! outwards from the best fit in two chains (below and above it) that run in parallel.

use std::time::Instant;

use histune_engine::{EngineError, FitResult, Fitter, Model, Result};
use serde::Serialize;

use crate::diagnostics::{metrics, Diagnostics, Tracker};
use crate::setup::Setup;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileScan {
    pub parameter: String,
    pub index: usize,
    pub values: Vec<f64>,
    pub twice_nll: Vec<f64>,
    /// 2NLL − 2NLL at the unconditional best fit.
    pub delta_twice_nll: Vec<f64>,
    pub converged: Vec<bool>,
    /// The POI at each point (the profiled value, or the scanned value when it is the POI).
    pub poi: Vec<f64>,
    pub bestfit_value: f64,
    pub twice_nll_min: f64,
    pub diagnostics: Diagnostics,
}

fn chain(fitter: &mut Fitter, model: &Model, setup: &Setup, index: usize, values: &[f64], start: &[f64], data: &histune_engine::Dataset) -> Result<(Vec<FitResult>, Tracker)> {
    let mut tracker = Tracker::default();
    let mut warm = start.to_vec();
    let mut out = Vec::with_capacity(values.len());
    let name = &model.par_names()[index];
    for &v in values {
        let r = fitter.fit(data, &setup.conditional_fit(index, v, Some(&warm)))?;
        tracker.record(format_args!("scan point {name} = {v}"), &r);
        if r.converged {
            warm.clone_from(&r.bestfit);
        }
        out.push(r);
    }
    Ok((out, tracker))
}

pub fn profile_scan(model: &Model, setup: &Setup, parameter: &str, lo: f64, hi: f64, points: usize, data: Option<&[f64]>) -> Result<ProfileScan> {
    let started = Instant::now();
    let index = Setup::index_of(model, parameter)?;
    if points < 2 {
        return Err(EngineError::bad_request(format!("a scan needs at least 2 points, got {points}")));
    }
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(EngineError::bad_request(format!("the scan range must be finite with lo < hi, got [{lo}, {hi}]")));
    }
    let (blo, bhi) = setup.bounds[index];
    if lo < blo || hi > bhi {
        return Err(EngineError::bad_request(format!("the scan range [{lo}, {hi}] leaves the bounds [{blo}, {bhi}] of {parameter}")));
    }
    let data = match data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    let values: Vec<f64> = (0..points).map(|i| lo + (hi - lo) * i as f64 / (points - 1) as f64).collect();
    let mut fitter = Fitter::new(model);
    let mut tracker = Tracker::default();
    let free = fitter.fit(&data, &setup.free_fit())?;
    tracker.record("free fit", &free);
    let best = free.bestfit[index];
    // First grid point at or above the best fit: the upper chain starts there, the lower one below.
    let split = values.iter().position(|&v| v >= best).unwrap_or(points);
    let below: Vec<f64> = values[..split].iter().rev().copied().collect();
    let above = &values[split..];
    let ((low, t_low), (high, t_high)) = {
        let (a, b) = rayon::join(
            || chain(&mut Fitter::new(model), model, setup, index, &below, &free.bestfit, &data),
            || chain(&mut Fitter::new(model), model, setup, index, above, &free.bestfit, &data),
        );
        (a?, b?)
    };
    tracker.merge(t_low);
    tracker.merge(t_high);
    let fits: Vec<FitResult> = low.into_iter().rev().chain(high).collect();
    let twice_nll: Vec<f64> = fits.iter().map(|r| r.twice_nll).collect();
    let delta: Vec<f64> = twice_nll.iter().map(|v| v - free.twice_nll).collect();
    if let Some(i) = delta.iter().position(|&d| d < -1e-6) {
        tracker.warn(format!("the scan point {parameter} = {} lies {} below the free fit in 2NLL: the free fit missed the minimum", values[i], -delta[i]));
    }
    let poi = model.poi_index();
    let m = metrics([("bestfit", best), ("twice_nll_min", free.twice_nll), ("points", points as f64)]);
    Ok(ProfileScan {
        parameter: parameter.to_string(),
        index,
        converged: fits.iter().map(|r| r.converged).collect(),
        poi: fits.iter().map(|r| r.bestfit[poi]).collect(),
        values,
        twice_nll,
        delta_twice_nll: delta,
        bestfit_value: best,
        twice_nll_min: free.twice_nll,
        diagnostics: tracker.finish(started, Some(free.nll), Some(free.bestfit[poi]), None, m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one_bin, shapesys_model};

    #[test]
    fn poi_scan_on_one_bin_is_the_poisson_likelihood_ratio() {
        let model = one_bin(10.0, 50.0, 62.0);
        let s = profile_scan(&model, &Setup::new(&model), "mu", 0.0, 3.0, 7, None).unwrap();
        assert_eq!(s.values, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
        for (mu, d) in s.values.iter().zip(&s.delta_twice_nll) {
            let nu = 50.0 + 10.0 * mu;
            let exact = 2.0 * (nu - 62.0 - 62.0 * (nu / 62.0f64).ln());
            assert!((d - exact).abs() < 1e-8, "μ = {mu}: {d} vs {exact}");
        }
        assert!((s.bestfit_value - 1.2).abs() < 1e-7);
        assert!(s.diagnostics.converged);
    }

    #[test]
    fn nuisance_scan_has_its_minimum_at_the_best_fit() {
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let s = profile_scan(&model, &setup, "uncorr_bkguncrt[1]", 0.7, 1.2, 11, None).unwrap();
        let (imin, _) = s.delta_twice_nll.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
        assert!((s.values[imin] - s.bestfit_value).abs() <= 0.05 + 1e-12);
        assert!(s.delta_twice_nll.iter().all(|&d| d > -1e-7));
        // Warm-started points agree with cold fits.
        let mut fitter = Fitter::new(&model);
        let cold = fitter.fit(model.observed(), &setup.conditional_fit(s.index, s.values[9], None)).unwrap();
        assert!((cold.twice_nll - s.twice_nll[9]).abs() < 1e-8);
        assert!(profile_scan(&model, &setup, "nope", 0.0, 1.0, 3, None).is_err());
        assert!(profile_scan(&model, &setup, "mu", -1.0, 1.0, 3, None).is_err());
    }
}
