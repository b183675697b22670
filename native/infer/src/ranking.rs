//! Impacts of the nuisance parameters on the POI: for each free nuisance parameter, the shift of μ̂
//! when it is held at θ̂ ± σ̂ (post-fit) and θ₀ ± Δθ (pre-fit) and everything else is refitted, with
//! its pull (θ̂ − θ₀)/Δθ and constraint σ̂/Δθ.
//!
//! Conventions:
//! - θ₀ and Δθ come from the constraint term: the auxiliary datum and σ for Gaussian constraints
//!   (normsys, histosys, staterror, lumi); 1 and 1/√τ for the Poisson constraints of shapesys.
//! - Unconstrained parameters (free normfactors, shapefactors) have no pre-fit width: they get the
//!   post-fit impacts only, and no pull or constraint.
//! - Held values are clipped to the parameter bounds.
//! - The ranking orders by the total impact, the mean of |post-fit up| and |post-fit down|.
//! - Fits are warm-started from the best fit. `rank_impacts` runs them in parallel (rayon, one
//!   engine fit each); `rank_impacts_with` takes any `ImpactFitter` (histune-gpu runs them as one
//!   lockstep batch).

use std::time::Instant;

use histune_engine::paramset::Constraint;
use histune_engine::{Dataset, EngineError, ErrorCode, FitOptions, FitResult, Fitter, Model, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::{metrics, Diagnostics, Tracker};
use crate::setup::Setup;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub name: String,
    pub index: usize,
    /// "normal", "poisson" or "unconstrained".
    pub constraint_type: &'static str,
    pub bestfit: f64,
    pub uncertainty: f64,
    pub prefit_value: f64,
    pub prefit_uncertainty: Option<f64>,
    pub pull: Option<f64>,
    pub constraint: Option<f64>,
    /// μ̂(θ held at θ̂ + σ̂) − μ̂, and the same for − σ̂.
    pub postfit_up: f64,
    pub postfit_down: f64,
    pub prefit_up: Option<f64>,
    pub prefit_down: Option<f64>,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranking {
    pub poi: String,
    pub mu_hat: f64,
    pub mu_hat_uncertainty: f64,
    /// Sorted by decreasing total impact (the first `top_n` when asked).
    pub impacts: Vec<Impact>,
    /// How many parameters were ranked before `top_n` was applied.
    pub n_ranked: usize,
    pub diagnostics: Diagnostics,
}

struct Prior {
    kind: &'static str,
    center: f64,
    width: Option<f64>,
}

fn priors(model: &Model) -> Vec<Prior> {
    let mut out = Vec::with_capacity(model.n_pars());
    for set in &model.config().parameters {
        for i in 0..set.n {
            out.push(match &set.constraint {
                Constraint::None => Prior { kind: "unconstrained", center: set.inits[i], width: None },
                Constraint::Normal { auxdata, sigmas } => Prior { kind: "normal", center: auxdata[i], width: Some(sigmas[i]) },
                Constraint::Poisson { auxdata, factors } => Prior { kind: "poisson", center: auxdata[i] / factors[i], width: Some(1.0 / factors[i].sqrt()) },
            });
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Variation {
    PostUp,
    PostDown,
    PreUp,
    PreDown,
}

/// One refit of the ranking: parameter `index` held at `value` (within its bounds), everything
/// else free, started from `start` (within the bounds, `start[index] == value`).
#[derive(Debug, Clone)]
pub struct ImpactFit {
    pub index: usize,
    pub value: f64,
    pub start: Vec<f64>,
}

/// Runs the refits of a ranking (near the free fit's `bestfit`); results in the order of `fits`.
pub trait ImpactFitter {
    fn refit(&mut self, model: &Model, setup: &Setup, data: &Dataset, bestfit: &[f64], fits: &[ImpactFit]) -> Result<Vec<FitResult>>;
}

/// Each refit with the engine's `Fitter`, spread over all cores.
pub struct CpuImpacts;

impl ImpactFitter for CpuImpacts {
    fn refit(&mut self, model: &Model, setup: &Setup, data: &Dataset, _bestfit: &[f64], fits: &[ImpactFit]) -> Result<Vec<FitResult>> {
        fits.par_iter()
            .map_init(|| Fitter::new(model), |fitter, f| fitter.fit(data, &setup.conditional_fit(f.index, f.value, Some(&f.start))))
            .collect()
    }
}

/// The refits a ranking makes: 2 per ranked parameter, 4 for those with a pre-fit width.
pub fn impact_fit_count(model: &Model, setup: &Setup) -> usize {
    let poi = model.poi_index();
    priors(model).iter().enumerate().filter(|&(i, _)| i != poi && !setup.fixed[i]).map(|(_, p)| if p.width.is_some() { 4 } else { 2 }).sum()
}

pub fn rank_impacts(model: &Model, setup: &Setup, top_n: Option<usize>, data: Option<&[f64]>) -> Result<Ranking> {
    rank_impacts_with(&mut CpuImpacts, model, setup, top_n, data)
}

/// The ranking with the refits on `refitter`; the free fit and its covariance run on the CPU.
pub fn rank_impacts_with(refitter: &mut dyn ImpactFitter, model: &Model, setup: &Setup, top_n: Option<usize>, data: Option<&[f64]>) -> Result<Ranking> {
    let started = Instant::now();
    let poi = setup.free_poi(model)?;
    let data = match data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    let names = model.par_names();
    let mut tracker = Tracker::default();
    let mut fitter = Fitter::new(model);
    let free = fitter.fit(&data, &FitOptions { uncertainties: true, ..setup.free_fit() })?;
    tracker.record("free fit", &free);
    let sigma = free.uncertainties.clone().ok_or_else(|| {
        EngineError::new(
            ErrorCode::Engine,
            format!(
                "cannot rank impacts: no post-fit uncertainties at the best fit ({})",
                free.uncertainty_error.as_deref().unwrap_or("the Hessian could not be inverted")
            ),
        )
    })?;
    let mu_hat = free.bestfit[poi];
    let priors = priors(model);
    let ranked: Vec<usize> = (0..model.n_pars()).filter(|&i| i != poi && !setup.fixed[i]).collect();

    let mut tasks = Vec::new();
    for &i in &ranked {
        let (lo, hi) = setup.bounds[i];
        let clip = |v: f64| v.clamp(lo, hi);
        tasks.push((i, Variation::PostUp, clip(free.bestfit[i] + sigma[i])));
        tasks.push((i, Variation::PostDown, clip(free.bestfit[i] - sigma[i])));
        if let Some(w) = priors[i].width {
            tasks.push((i, Variation::PreUp, clip(priors[i].center + w)));
            tasks.push((i, Variation::PreDown, clip(priors[i].center - w)));
        }
    }
    // Each refit starts where the quadratic approximation at the best fit puts its minimum:
    // θ_j = θ̂_j + C_ji/C_ii·(v − θ̂_i), a few Newton steps from the answer.
    let n = model.n_pars();
    let held: Vec<bool> = (0..n).map(|i| setup.fixed[i] || setup.bounds[i].0 >= setup.bounds[i].1).collect();
    let covariance = fitter.covariance(&free.bestfit, &data, &held).ok();
    let start_for = |i: usize, value: f64| -> Vec<f64> {
        let mut start = free.bestfit.clone();
        if let Some(c) = &covariance {
            let slope = (value - free.bestfit[i]) / c[i * n + i];
            if slope.is_finite() {
                for j in 0..n {
                    start[j] += c[j * n + i] * slope;
                }
            }
        }
        for (x, &(lo, hi)) in start.iter_mut().zip(&setup.bounds) {
            *x = x.clamp(lo, hi);
        }
        start[i] = value;
        start
    };
    let fits: Vec<ImpactFit> = tasks.iter().map(|&(index, _, value)| ImpactFit { index, value, start: start_for(index, value) }).collect();
    let refits = refitter.refit(model, setup, &data, &free.bestfit, &fits)?;
    if refits.len() != fits.len() {
        return Err(EngineError::new(ErrorCode::Internal, format!("{} refits asked, {} returned", fits.len(), refits.len())));
    }
    let shifts: Vec<(f64, Tracker)> = fits
        .iter()
        .zip(&refits)
        .map(|(f, r)| {
            let mut t = Tracker::default();
            t.record(format_args!("fit with {} = {}", names[f.index], f.value), r);
            (r.bestfit[poi] - mu_hat, t)
        })
        .collect();

    let mut impacts: Vec<Impact> = ranked
        .iter()
        .map(|&i| Impact {
            name: names[i].clone(),
            index: i,
            constraint_type: priors[i].kind,
            bestfit: free.bestfit[i],
            uncertainty: sigma[i],
            prefit_value: priors[i].center,
            prefit_uncertainty: priors[i].width,
            pull: priors[i].width.map(|w| (free.bestfit[i] - priors[i].center) / w),
            constraint: priors[i].width.map(|w| sigma[i] / w),
            postfit_up: f64::NAN,
            postfit_down: f64::NAN,
            prefit_up: None,
            prefit_down: None,
            total: f64::NAN,
        })
        .collect();
    let position: std::collections::HashMap<usize, usize> = ranked.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    for (&(i, variation, _), (shift, t)) in tasks.iter().zip(shifts) {
        tracker.merge(t);
        let impact = &mut impacts[position[&i]];
        match variation {
            Variation::PostUp => impact.postfit_up = shift,
            Variation::PostDown => impact.postfit_down = shift,
            Variation::PreUp => impact.prefit_up = Some(shift),
            Variation::PreDown => impact.prefit_down = Some(shift),
        }
    }
    for impact in &mut impacts {
        impact.total = 0.5 * (impact.postfit_up.abs() + impact.postfit_down.abs());
    }
    impacts.sort_by(|a, b| b.total.total_cmp(&a.total));
    let n_ranked = impacts.len();
    if let Some(n) = top_n {
        impacts.truncate(n);
    }
    let mu_sigma = sigma[poi];
    let mut m = metrics([("mu_hat", mu_hat), ("mu_hat_uncertainty", mu_sigma), ("n_ranked", n_ranked as f64)]);
    for impact in &impacts {
        m.insert(format!("impact.{}", impact.name), impact.total);
    }
    Ok(Ranking {
        poi: model.config().poi.clone(),
        mu_hat,
        mu_hat_uncertainty: mu_sigma,
        impacts,
        n_ranked,
        diagnostics: tracker.finish(started, Some(free.nll), Some(mu_hat), Some(mu_sigma), m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{shapesys_model, two_channel_model};

    #[test]
    fn a_parameter_decoupled_from_the_poi_has_no_impact() {
        let model = two_channel_model();
        let r = rank_impacts(&model, &Setup::new(&model), None, None).unwrap();
        assert!(r.diagnostics.converged);
        let decoupled = r.impacts.iter().find(|i| i.name == "decoupled").unwrap();
        for shift in [decoupled.postfit_up, decoupled.postfit_down, decoupled.prefit_up.unwrap(), decoupled.prefit_down.unwrap()] {
            assert!(shift.abs() < 1e-6, "{shift}");
        }
        // The decoupled normsys is pulled by the control region (108 over 100) and constrained.
        assert!(decoupled.pull.unwrap() > 0.1);
        assert!(decoupled.constraint.unwrap() < 1.0);
        // The background normalisation moves μ̂ against itself, and ranks first.
        let norm = &r.impacts[0];
        assert_eq!(norm.name, "bkg_norm");
        assert!(norm.postfit_up < 0.0 && norm.postfit_down > 0.0);
        assert!(norm.prefit_up.unwrap().abs() >= norm.postfit_up.abs() * 0.5);
        assert_eq!(r.impacts.last().unwrap().name, "decoupled");
        assert!(r.impacts.windows(2).all(|w| w[0].total >= w[1].total));
        let top = rank_impacts(&model, &Setup::new(&model), Some(2), None).unwrap();
        assert_eq!(top.impacts.len(), 2);
        assert_eq!(top.n_ranked, 4);
    }

    #[test]
    fn shapesys_priors_use_the_poisson_width() {
        let model = shapesys_model();
        let r = rank_impacts(&model, &Setup::new(&model), None, None).unwrap();
        let g0 = r.impacts.iter().find(|i| i.name == "uncorr_bkguncrt[0]").unwrap();
        assert_eq!(g0.constraint_type, "poisson");
        assert!((g0.prefit_uncertainty.unwrap() - 3.0 / 50.0).abs() < 1e-12);
        assert!(r.mu_hat_uncertainty > 0.0);
        assert_eq!(r.diagnostics.poi_uncertainty, Some(r.mu_hat_uncertainty));
    }
}
