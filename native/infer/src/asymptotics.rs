//! The asymptotic calculator of Cowan, Cranmer, Gross and Vitells as pyhf 0.7.6 implements it
//! (`AsymptoticCalculator`, `calc_base_dist='normal'`).
//!
//! The observed statistic is mapped to the "−μ̂/σ" space: t = √q − √qA, except for q̃ when
//! √q > √qA, where t = (q − qA)/(2√qA). Then CLs+b = Φ(−(t + √qA)), CLb = Φ(−t), CLs = CLs+b/CLb,
//! and the expected band at n = 2, 1, 0, −1, −2 is Φ(−(n + √qA))/Φ(−n) (for q0: Φ(−(n + √qA)),
//! the expected p0). pyhf 0.7.6 divides by zero for q̃ when √qA = 0; we take the √q − √qA branch
//! there (CLs = 1), the value at which the signal and background hypotheses coincide.

use std::time::Instant;

use histune_engine::{Dataset, EngineError, FitResult, Fitter, Model, Result};
use serde::Serialize;

use crate::asimov::{asimov, asimov_mu, Asimov};
use crate::diagnostics::{metrics, Diagnostics, FitSummary, Tracker};
use crate::normal;
use crate::setup::Setup;
use crate::teststat::{evaluate, TestStatistic};

/// The band's n, in pyhf's order: −2σ … +2σ of the expected CLs (increasing).
pub const BAND: [f64; 5] = [2.0, 1.0, 0.0, -1.0, -2.0];

/// The observed statistic in −μ̂/σ space.
pub fn teststat_space(kind: TestStatistic, q: f64, qa: f64) -> f64 {
    let (sqrt_q, sqrt_qa) = (q.sqrt(), qa.sqrt());
    if kind == TestStatistic::QmuTilde && sqrt_q > sqrt_qa && sqrt_qa > 0.0 {
        (q - qa) / (2.0 * sqrt_qa)
    } else {
        sqrt_q - sqrt_qa
    }
}

/// (CLs+b, CLb, CLs) for the statistic `t` in −μ̂/σ space.
pub fn pvalues(t: f64, sqrt_qa: f64) -> (f64, f64, f64) {
    let clsb = normal::sf(t + sqrt_qa);
    let clb = normal::sf(t);
    (clsb, clb, clsb / clb)
}

/// Expected CLs (or, for q0, expected p0) at n = 2 … −2.
pub fn expected_band(kind: TestStatistic, sqrt_qa: f64) -> [f64; 5] {
    BAND.map(|n| {
        let clsb = normal::sf(n + sqrt_qa);
        if kind == TestStatistic::Q0 {
            clsb
        } else {
            clsb / normal::sf(n)
        }
    })
}

/// The μ-independent part of a hypothesis test: the free fits to the observed and the Asimov data
/// and the Asimov data themselves. Computed once, then `hypotest` per μ costs two fits.
pub struct AsymptoticCalculator<'m> {
    pub model: &'m Model,
    pub setup: Setup,
    pub kind: TestStatistic,
    pub observed: Dataset,
    pub free_observed: FitResult,
    pub asimov: Asimov,
    pub free_asimov: FitResult,
    /// The fits made so far.
    pub tracker: Tracker,
}

/// The per-μ pieces: q on the observed data, qA on the Asimov data.
#[derive(Debug, Clone)]
pub struct Point {
    pub mu: f64,
    pub q: f64,
    pub qa: f64,
    pub conditional_observed: Option<FitResult>,
    pub conditional_asimov: FitResult,
}

impl Point {
    pub fn sqrt_qa(&self) -> f64 {
        self.qa.sqrt()
    }
}

impl<'m> AsymptoticCalculator<'m> {
    pub fn new(model: &'m Model, setup: &Setup, kind: TestStatistic, observed: Dataset) -> Result<Self> {
        if matches!(kind, TestStatistic::Tmu | TestStatistic::TmuTilde) {
            return Err(EngineError::bad_request(format!(
                "the asymptotic calculator supports q0, q and qtilde (as pyhf), not {}",
                kind.as_str()
            )));
        }
        setup.free_poi(model)?;
        let mut tracker = Tracker::default();
        if let Some(w) = kind.bounds_warning(model, setup) {
            tracker.warn(w);
        }
        let mut fitter = Fitter::new(model);
        let free_observed = fitter.fit(&observed, &setup.free_fit())?;
        tracker.record("free fit to the observed data", &free_observed);
        // The free fit to the Asimov data starts from the parameters that generated them: they are
        // its minimum (expected = observed in every bin and aux term), so it converges at once. The
        // conditional fits start from the inits, as pyhf's (a warm start can change the local minimum).
        let asimov = asimov(&mut fitter, model, setup, &observed, asimov_mu(kind), &mut tracker)?;
        let free_asimov = fitter.fit(&asimov.dataset, &setup.free_fit_from(asimov.pars()))?;
        tracker.record("free fit to the Asimov data", &free_asimov);
        Ok(AsymptoticCalculator { model, setup: setup.clone(), kind, observed, free_observed, asimov, free_asimov, tracker })
    }

    /// qA at `mu` (one conditional fit to the Asimov data), and q on the observed data unless
    /// `expected_only`.
    pub fn point(&self, fitter: &mut Fitter, mu: f64, expected_only: bool, tracker: &mut Tracker) -> Result<Point> {
        let (model, setup, kind) = (self.model, &self.setup, self.kind);
        let on_asimov = evaluate(fitter, model, setup, kind, mu, &self.asimov.dataset, Some(&self.free_asimov), tracker)?;
        let (q, conditional_observed) = if expected_only {
            (f64::NAN, None)
        } else {
            let e = evaluate(fitter, model, setup, kind, mu, &self.observed, Some(&self.free_observed), tracker)?;
            (e.value, Some(e.conditional))
        };
        Ok(Point { mu: kind.tested_mu(mu), q, qa: on_asimov.value, conditional_observed, conditional_asimov: on_asimov.conditional })
    }

    /// Observed CLs (p0 for q0) at a point.
    pub fn observed_cls(&self, p: &Point) -> f64 {
        let t = teststat_space(self.kind, p.q, p.qa);
        let (clsb, _, cls) = pvalues(t, p.sqrt_qa());
        if self.kind == TestStatistic::Q0 {
            clsb
        } else {
            cls
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HypotestFits {
    pub free_fit_to_data: FitSummary,
    pub fixed_poi_fit_to_data: FitSummary,
    pub asimov_pars: Vec<f64>,
    pub free_fit_to_asimov: FitSummary,
    pub fixed_poi_fit_to_asimov: FitSummary,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hypotest {
    pub mu: f64,
    pub test_stat: TestStatistic,
    /// CLs (for q0: p0 = CLs+b, as pyhf's first return value).
    pub cls: f64,
    pub clsb: f64,
    pub clb: f64,
    /// Expected CLs at −2σ … +2σ (for q0: the expected p0 band).
    pub cls_expected: [f64; 5],
    /// The observed statistic and its Asimov value.
    pub q: f64,
    pub q_asimov: f64,
    pub sqrt_q: f64,
    pub sqrt_q_asimov: f64,
    /// The statistic in −μ̂/σ space.
    pub teststat: f64,
    pub mu_hat: f64,
    pub asimov_data: Vec<f64>,
    pub fits: HypotestFits,
    pub diagnostics: Diagnostics,
}

/// pyhf's `hypotest(mu, data, model, test_stat=…, return_tail_probs=True, return_expected_set=True)`
/// with the asymptotic calculator, on the observed data or on `data` when given.
pub fn hypotest(model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, data: Option<&[f64]>) -> Result<Hypotest> {
    let started = Instant::now();
    setup.free_poi(model)?;
    setup.check_poi_value(model, kind.tested_mu(mu))?;
    let observed = match data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    let calc = AsymptoticCalculator::new(model, setup, kind, observed)?;
    let mut tracker = calc.tracker.clone();
    if kind.tested_mu(mu) != mu {
        tracker.warn(format!("q0 tests {} = 0; the given value {mu} is not used", model.config().poi));
    }
    let mut fitter = Fitter::new(model);
    let p = calc.point(&mut fitter, mu, false, &mut tracker)?;
    let t = teststat_space(kind, p.q, p.qa);
    let (clsb, clb, cls) = pvalues(t, p.sqrt_qa());
    let band = expected_band(kind, p.sqrt_qa());
    let poi = model.poi_index();
    let mu_hat = calc.free_observed.bestfit[poi];
    let first = if kind == TestStatistic::Q0 { clsb } else { cls };
    let m = metrics([
        ("cls", first),
        ("clsb", clsb),
        ("clb", clb),
        ("q", p.q),
        ("q_asimov", p.qa),
        ("sqrt_q_asimov", p.sqrt_qa()),
        ("cls_expected_median", band[2]),
        ("mu_hat", mu_hat),
    ]);
    let conditional_observed = p.conditional_observed.as_ref().expect("observed point");
    Ok(Hypotest {
        mu: p.mu,
        test_stat: kind,
        cls: first,
        clsb,
        clb,
        cls_expected: band,
        q: p.q,
        q_asimov: p.qa,
        sqrt_q: p.q.sqrt(),
        sqrt_q_asimov: p.sqrt_qa(),
        teststat: t,
        mu_hat,
        asimov_data: calc.asimov.data.clone(),
        fits: HypotestFits {
            free_fit_to_data: (&calc.free_observed).into(),
            fixed_poi_fit_to_data: conditional_observed.into(),
            asimov_pars: calc.asimov.pars().to_vec(),
            free_fit_to_asimov: (&calc.free_asimov).into(),
            fixed_poi_fit_to_asimov: (&p.conditional_asimov).into(),
        },
        diagnostics: tracker.finish(started, Some(calc.free_observed.nll), Some(mu_hat), None, m),
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Discovery {
    /// Observed p-value of the background-only hypothesis, Φ(−√q0).
    pub p0: f64,
    /// Observed significance √q0 (= Φ⁻¹(1 − p0)).
    pub z0: f64,
    pub q0: f64,
    /// Median expected significance under μ = 1: √q0 on the Asimov data.
    pub z0_expected: f64,
    pub q0_asimov: f64,
    /// Expected p0 at −2σ … +2σ.
    pub p0_expected: [f64; 5],
    pub p0_expected_median: f64,
    /// pyhf's CLb for q0: Φ(−(√q0 − √q0A)).
    pub clb: f64,
    pub mu_hat: f64,
    pub diagnostics: Diagnostics,
}

/// Discovery significance: pyhf's `hypotest(0, …, test_stat='q0')` read as p0 and Z0.
pub fn discovery(model: &Model, setup: &Setup, data: Option<&[f64]>) -> Result<Discovery> {
    let h = hypotest(model, setup, TestStatistic::Q0, 0.0, data)?;
    let mut diagnostics = h.diagnostics;
    diagnostics.metrics = metrics([
        ("p0", h.clsb),
        ("z0", h.sqrt_q),
        ("q0", h.q),
        ("z0_expected", h.sqrt_q_asimov),
        ("p0_expected_median", h.cls_expected[2]),
        ("mu_hat", h.mu_hat),
    ]);
    Ok(Discovery {
        p0: h.clsb,
        z0: h.sqrt_q,
        q0: h.q,
        z0_expected: h.sqrt_q_asimov,
        q0_asimov: h.q_asimov,
        p0_expected: h.cls_expected,
        p0_expected_median: h.cls_expected[2],
        clb: h.clb,
        mu_hat: h.mu_hat,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{one_bin, shapesys_model};

    fn close(a: f64, b: f64, rtol: f64) -> bool {
        ((a - b) / b).abs() < rtol
    }

    #[test]
    fn hello_world_matches_converged_pyhf() {
        // pyhf 0.7.6 at tolerance 1e-14 (reference notes §4.1): CLs 0.05251552 and its band.
        let model = shapesys_model();
        let h = hypotest(&model, &Setup::new(&model), TestStatistic::QmuTilde, 1.0, None).unwrap();
        assert!(close(h.cls, 0.05251552, 2e-6), "{}", h.cls);
        let band = [0.0026064045, 0.01382064, 0.064455154, 0.2352609, 0.57304165];
        for (a, b) in h.cls_expected.iter().zip(band) {
            assert!(close(*a, b, 2e-6), "{a} vs {b}");
        }
        assert!(h.diagnostics.converged);
        assert_eq!(h.diagnostics.fits, 5);
        assert!((h.fits.free_fit_to_data.twice_nll - 24.9839352003).abs() < 1e-8);
    }

    #[test]
    fn discovery_on_one_bin_matches_the_closed_form() {
        let model = one_bin(10.0, 50.0, 65.0);
        let d = discovery(&model, &Setup::new(&model), None).unwrap();
        let q0 = 2.0 * (65.0 * (65.0f64 / 50.0).ln() - 15.0);
        assert!((d.q0 - q0).abs() < 1e-9);
        assert!((d.z0 - q0.sqrt()).abs() < 1e-9);
        assert!(close(d.p0, normal::sf(q0.sqrt()), 1e-9));
        // Asimov at μ = 1: n = 60 over b = 50.
        let q0a = 2.0 * (60.0 * (60.0f64 / 50.0).ln() - 10.0);
        assert!((d.z0_expected - q0a.sqrt()).abs() < 1e-8);
        assert!(close(d.p0_expected[2], normal::sf(q0a.sqrt()), 1e-8));
    }

    #[test]
    fn band_is_increasing_and_median_is_twice_the_tail() {
        let band = expected_band(TestStatistic::QmuTilde, 1.3);
        assert!(band.windows(2).all(|w| w[0] < w[1]));
        assert!((band[2] - 2.0 * normal::sf(1.3)).abs() < 1e-15);
    }

    #[test]
    fn qtilde_branches() {
        // √q ≤ √qA: plain difference; beyond: (q − qA)/(2√qA), continuous at the joint.
        assert_eq!(teststat_space(TestStatistic::QmuTilde, 1.0, 4.0), -1.0);
        assert!((teststat_space(TestStatistic::QmuTilde, 9.0, 4.0) - 1.25).abs() < 1e-15);
        assert_eq!(teststat_space(TestStatistic::Qmu, 9.0, 4.0), 1.0);
        let at = teststat_space(TestStatistic::QmuTilde, 4.0 + 1e-12, 4.0);
        assert!(at.abs() < 1e-11);
        // √qA = 0 (μ equal to the Asimov μ): CLs = 1 rather than pyhf 0.7.6's 0/0.
        let t = teststat_space(TestStatistic::QmuTilde, 2.0, 0.0);
        assert_eq!(pvalues(t, 0.0).2, 1.0);
    }

    #[test]
    fn tmu_is_refused_by_the_calculator() {
        let model = one_bin(10.0, 50.0, 65.0);
        assert!(hypotest(&model, &Setup::new(&model), TestStatistic::Tmu, 1.0, None).is_err());
    }
}
