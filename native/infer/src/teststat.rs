//! Profile-likelihood test statistics as pyhf 0.7.6 defines them (`infer/test_statistics.py`).
//!
//! All derive from t = max(0, 2NLL(μ, θ̂̂) − 2NLL(μ̂, θ̂)), with the conditional and the free fit
//! started independently from the same inits:
//! - qμ, q̃μ: 0 when μ̂ > μ (strict), else t. pyhf computes both with the same code: q̃μ is qμ
//!   with the POI bounded below by 0, which makes μ̂ ≥ 0 and so L(max(μ̂, 0)) automatic. We do the
//!   same (bounds as given) and warn when a tilde statistic is used with another lower bound.
//! - q0: t at μ = 0, but 0 when μ̂ < 0 (only possible with a negative POI lower bound).
//! - tμ, t̃μ: t itself (the tilde again only through the bounds).

use std::time::Instant;

use histune_engine::{Dataset, EngineError, FitResult, Fitter, Model, Result};
use serde::Serialize;

use crate::diagnostics::{metrics, Diagnostics, FitSummary, Tracker};
use crate::setup::Setup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TestStatistic {
    #[serde(rename = "q0")]
    Q0,
    #[serde(rename = "q")]
    Qmu,
    #[serde(rename = "qtilde")]
    QmuTilde,
    #[serde(rename = "tmu")]
    Tmu,
    #[serde(rename = "tmu_tilde")]
    TmuTilde,
}

impl TestStatistic {
    pub fn parse(s: &str) -> Result<TestStatistic> {
        match s {
            "q0" => Ok(TestStatistic::Q0),
            "q" | "qmu" => Ok(TestStatistic::Qmu),
            "qtilde" | "qmu_tilde" => Ok(TestStatistic::QmuTilde),
            "tmu" => Ok(TestStatistic::Tmu),
            "tmu_tilde" | "ttilde" => Ok(TestStatistic::TmuTilde),
            other => Err(EngineError::bad_request(format!("unknown test statistic '{other}'; use q0, q, qtilde, tmu or tmu_tilde"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestStatistic::Q0 => "q0",
            TestStatistic::Qmu => "q",
            TestStatistic::QmuTilde => "qtilde",
            TestStatistic::Tmu => "tmu",
            TestStatistic::TmuTilde => "tmu_tilde",
        }
    }

    pub fn is_tilde(self) -> bool {
        matches!(self, TestStatistic::QmuTilde | TestStatistic::TmuTilde)
    }

    /// The POI value the statistic is evaluated at: q0 always tests μ = 0.
    pub fn tested_mu(self, mu: f64) -> f64 {
        if self == TestStatistic::Q0 {
            0.0
        } else {
            mu
        }
    }

    /// The statistic from the two fits' 2NLL and μ̂.
    pub fn from_fits(self, mu: f64, mu_hat: f64, twice_nll_conditional: f64, twice_nll_free: f64) -> f64 {
        let t = (twice_nll_conditional - twice_nll_free).max(0.0);
        match self {
            TestStatistic::Q0 => {
                if mu_hat < 0.0 {
                    0.0
                } else {
                    t
                }
            }
            TestStatistic::Qmu | TestStatistic::QmuTilde => {
                if mu_hat > mu {
                    0.0
                } else {
                    t
                }
            }
            TestStatistic::Tmu | TestStatistic::TmuTilde => t,
        }
    }

    /// pyhf's warning when the bounds do not match the statistic's intent.
    pub fn bounds_warning(self, model: &Model, setup: &Setup) -> Option<String> {
        let lo = setup.bounds[model.poi_index()].0;
        if self.is_tilde() && lo != 0.0 {
            Some(format!("{} is meant for a POI bounded below at 0, but '{}' has lower bound {lo}", self.as_str(), model.config().poi))
        } else {
            None
        }
    }
}

/// The two fits behind one value of a test statistic.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub value: f64,
    pub mu: f64,
    pub mu_hat: f64,
    pub free: FitResult,
    pub conditional: FitResult,
}

/// Evaluate `kind` at `mu` on `data`. A free fit of the same data may be passed in to reuse it (it
/// does not depend on μ).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    fitter: &mut Fitter,
    model: &Model,
    setup: &Setup,
    kind: TestStatistic,
    mu: f64,
    data: &Dataset,
    free: Option<&FitResult>,
    tracker: &mut Tracker,
) -> Result<Evaluation> {
    let poi = model.poi_index();
    let mu = kind.tested_mu(mu);
    let free = match free {
        Some(f) => f.clone(),
        None => {
            let f = fitter.fit(data, &setup.free_fit())?;
            tracker.record("free fit", &f);
            f
        }
    };
    // From the inits, as pyhf: a warm start from the free fit can land in another local minimum
    // (the validation case 2bin_2channel_coupledhistosys with default codes does).
    let conditional = fitter.fit(data, &setup.conditional_fit(poi, mu, None))?;
    tracker.record(format_args!("fit with {} = {mu}", model.config().poi), &conditional);
    let mu_hat = free.bestfit[poi];
    let value = kind.from_fits(mu, mu_hat, conditional.twice_nll, free.twice_nll);
    Ok(Evaluation { value, mu, mu_hat, free, conditional })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStatisticResult {
    pub test_stat: TestStatistic,
    pub mu: f64,
    pub value: f64,
    pub mu_hat: f64,
    pub free_fit: FitSummary,
    pub conditional_fit: FitSummary,
    pub diagnostics: Diagnostics,
}

/// The test statistic on the observed data, or on `data` (main ++ aux) when given.
pub fn test_statistic(model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, data: Option<&[f64]>) -> Result<TestStatisticResult> {
    let started = Instant::now();
    setup.free_poi(model)?;
    setup.check_poi_value(model, kind.tested_mu(mu))?;
    // The observed data are borrowed, not copied: this is the whole of Z0's two-fit path.
    let data: std::borrow::Cow<Dataset> = match data {
        Some(d) => std::borrow::Cow::Owned(model.dataset(d)?),
        None => std::borrow::Cow::Borrowed(model.observed()),
    };
    let mut tracker = Tracker::default();
    if let Some(w) = kind.bounds_warning(model, setup) {
        tracker.warn(w);
    }
    let mut fitter = Fitter::new(model);
    let e = evaluate(&mut fitter, model, setup, kind, mu, &data, None, &mut tracker)?;
    let m = metrics([("value", e.value), ("mu_hat", e.mu_hat), ("twice_nll_free", e.free.twice_nll), ("twice_nll_conditional", e.conditional.twice_nll)]);
    Ok(TestStatisticResult {
        test_stat: kind,
        mu: e.mu,
        value: e.value,
        mu_hat: e.mu_hat,
        free_fit: (&e.free).into(),
        conditional_fit: (&e.conditional).into(),
        diagnostics: tracker.finish(started, Some(e.free.nll), Some(e.mu_hat), None, m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one_bin, shapesys_model};

    #[test]
    fn definitions_follow_pyhf() {
        use TestStatistic::*;
        // μ̂ > μ: q vanishes, t does not.
        assert_eq!(Qmu.from_fits(1.0, 1.5, 12.0, 10.0), 0.0);
        assert_eq!(QmuTilde.from_fits(1.0, 1.5, 12.0, 10.0), 0.0);
        assert_eq!(Tmu.from_fits(1.0, 1.5, 12.0, 10.0), 2.0);
        // μ̂ = μ exactly is not "above": q = t.
        assert_eq!(Qmu.from_fits(1.0, 1.0, 10.5, 10.0), 0.5);
        // q0 vanishes for μ̂ < 0 only.
        assert_eq!(Q0.from_fits(0.0, -0.2, 12.0, 10.0), 0.0);
        assert_eq!(Q0.from_fits(0.0, 0.0, 12.0, 10.0), 2.0);
        // Clipped at zero.
        assert_eq!(TmuTilde.from_fits(1.0, 0.5, 9.999, 10.0), 0.0);
    }

    #[test]
    fn q0_on_one_bin_matches_the_closed_form() {
        // n = 62 over b = 50 (s = 10·μ): μ̂ = 1.2, q0 = 2(n ln(n/b) − (n − b)).
        let model = one_bin(10.0, 50.0, 62.0);
        let setup = Setup::new(&model);
        let r = test_statistic(&model, &setup, TestStatistic::Q0, 0.0, None).unwrap();
        let exact = 2.0 * (62.0 * (62.0f64 / 50.0).ln() - 12.0);
        assert!((r.value - exact).abs() < 1e-9, "{} vs {exact}", r.value);
        assert!((r.mu_hat - 1.2).abs() < 1e-7);
        assert!(r.diagnostics.converged);
    }

    #[test]
    fn negative_mu_hat_with_an_open_poi() {
        // Deficit: n = 40 under b = 50. With the POI allowed negative μ̂ = −1, q0 = 0, and qμ at
        // μ = −2 (μ̂ > μ) is 0 while tμ is positive.
        let model = one_bin(10.0, 50.0, 40.0);
        let mut setup = Setup::new(&model);
        setup.bounds[model.poi_index()] = (-4.0, 10.0);
        let q0 = test_statistic(&model, &setup, TestStatistic::Q0, 0.0, None).unwrap();
        assert!((q0.mu_hat + 1.0).abs() < 1e-7);
        assert_eq!(q0.value, 0.0);
        let q = test_statistic(&model, &setup, TestStatistic::Qmu, -2.0, None).unwrap();
        assert_eq!(q.value, 0.0);
        let t = test_statistic(&model, &setup, TestStatistic::Tmu, -2.0, None).unwrap();
        let exact = 2.0 * (30.0 - 40.0 + 40.0 * (40.0f64 / 30.0).ln());
        assert!((t.value - exact).abs() < 1e-8, "{} vs {exact}", t.value);
        // With the pyhf bound at 0 the free fit stops at μ̂ = 0: q̃ compares to L(0).
        let tilde = test_statistic(&model, &Setup::new(&model), TestStatistic::QmuTilde, 1.0, None).unwrap();
        assert_eq!(tilde.mu_hat, 0.0);
        let exact = 2.0 * (60.0 - 50.0 - 40.0 * (60.0f64 / 50.0).ln());
        assert!((tilde.value - exact).abs() < 1e-8, "{} vs {exact}", tilde.value);
        assert!(tilde.diagnostics.warnings.is_empty());
        let warned = test_statistic(&model, &setup, TestStatistic::QmuTilde, 1.0, None).unwrap();
        assert!(!warned.diagnostics.warnings.is_empty());
    }

    #[test]
    fn refuses_a_fixed_poi_and_mu_outside_the_bounds() {
        let model = shapesys_model();
        let mut setup = Setup::new(&model);
        assert!(test_statistic(&model, &setup, TestStatistic::QmuTilde, 11.0, None).is_err());
        assert!(test_statistic(&model, &setup, TestStatistic::QmuTilde, -1.0, None).is_err());
        setup.fixed[model.poi_index()] = true;
        let err = test_statistic(&model, &setup, TestStatistic::QmuTilde, 1.0, None).unwrap_err();
        assert!(err.message.contains("fixed"));
    }
}
