//! Asimov data as pyhf builds it (`infer/calculators.py::generate_asimov_data`): fit the nuisance
//! parameters to the *observed* data with the POI held at the Asimov value, then take the expected
//! main data and the expected auxiliary data at that point (Gaussian aux = θ̂, Poisson aux = γ̂·τ),
//! so the global observables move to their conditional fit values too.

use histune_engine::{Dataset, FitResult, Fitter, Model, Result};

use crate::diagnostics::Tracker;
use crate::setup::Setup;
use crate::teststat::TestStatistic;

/// The POI value of the Asimov data: 1 for discovery (q0), 0 for limits (q, q̃).
pub fn asimov_mu(kind: TestStatistic) -> f64 {
    if kind == TestStatistic::Q0 {
        1.0
    } else {
        0.0
    }
}

#[derive(Debug, Clone)]
pub struct Asimov {
    pub mu: f64,
    /// The conditional fit to the observed data the data are generated from.
    pub fit: FitResult,
    /// Main ++ aux.
    pub data: Vec<f64>,
    pub dataset: Dataset,
}

impl Asimov {
    pub fn pars(&self) -> &[f64] {
        &self.fit.bestfit
    }
}

pub fn asimov(fitter: &mut Fitter, model: &Model, setup: &Setup, observed: &Dataset, mu: f64, tracker: &mut Tracker) -> Result<Asimov> {
    let fit = fitter.fit(observed, &setup.conditional_fit(model.poi_index(), mu, None))?;
    tracker.record(format_args!("Asimov fit with {} = {mu}", model.config().poi), &fit);
    let data = model.expected_data(&fit.bestfit)?;
    let dataset = model.dataset(&data)?;
    Ok(Asimov { mu, fit, data, dataset })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::shapesys_model;

    #[test]
    fn aux_data_follow_the_conditional_fit() {
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let mut fitter = Fitter::new(&model);
        let a = asimov(&mut fitter, &model, &setup, model.observed(), 0.0, &mut Tracker::default()).unwrap();
        assert_eq!(a.pars()[model.poi_index()], 0.0);
        // Background only: the main Asimov data are the fitted backgrounds γ̂·b, and the Poisson
        // aux data γ̂·τ, with τ = (b/δ)².
        let gammas = &a.pars()[1..];
        let taus = [(50.0f64 / 3.0).powi(2), (52.0f64 / 7.0).powi(2)];
        for i in 0..2 {
            assert!((a.data[i] - gammas[i] * [50.0, 52.0][i]).abs() < 1e-10);
            assert!((a.data[2 + i] - gammas[i] * taus[i]).abs() < 1e-8);
        }
        // The fit moved the gammas (the data are below the background in bin 2).
        assert!(gammas[1] < 0.99);
    }

    #[test]
    fn free_fit_to_asimov_data_starts_at_its_minimum() {
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let mut fitter = Fitter::new(&model);
        let a = asimov(&mut fitter, &model, &setup, model.observed(), 0.0, &mut Tracker::default()).unwrap();
        let from_inits = fitter.fit(&a.dataset, &setup.free_fit()).unwrap();
        let warm = fitter.fit(&a.dataset, &setup.free_fit_from(a.pars())).unwrap();
        assert!(warm.converged && from_inits.converged);
        assert!((warm.twice_nll - from_inits.twice_nll).abs() < 1e-9, "{} vs {}", warm.twice_nll, from_inits.twice_nll);
        assert!(warm.function_calls < from_inits.function_calls, "{} vs {}", warm.function_calls, from_inits.function_calls);
        // The generating point is the minimum: μ̂ = 0 on the bound, the gammas where they were.
        for (x, y) in warm.bestfit.iter().zip(a.pars()) {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
    }
}
