//! Upper limits on the POI at a confidence level, by Brent's method on CLs(μ) − (1 − CL), for the
//! observed CLs and each of the five expected curves (pyhf's `toms748_scan`, with Brent in place of
//! TOMS748: both are bracketing methods and converge to the same root).
//!
//! The bracket starts at the POI bounds as in pyhf. Where CLs is still above the level at the upper
//! bound, pyhf 0.7.6 fails; we double the upper end (holding the POI there in conditional fits,
//! which is all the expected and observed CLs need) up to 2¹² times the bound.

use std::time::Instant;

use histune_engine::{Fitter, Model, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::asymptotics::{expected_band, AsymptoticCalculator};
use crate::diagnostics::{metrics, Diagnostics, Tracker};
use crate::roots::brent;
use crate::setup::Setup;
use crate::teststat::TestStatistic;

#[derive(Debug, Clone, Copy)]
pub struct UpperLimitOptions {
    /// Confidence level (default 0.95): the limit is where CLs = 1 − cl.
    pub cl: f64,
    /// Relative tolerance on the limit (default 1e-4, pyhf's).
    pub rtol: f64,
    pub test_stat: TestStatistic,
}

impl Default for UpperLimitOptions {
    fn default() -> Self {
        UpperLimitOptions { cl: 0.95, rtol: 1e-4, test_stat: TestStatistic::QmuTilde }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpperLimit {
    pub cl: f64,
    pub test_stat: TestStatistic,
    /// Observed limit (None when CLs never crosses 1 − cl in the searched range).
    pub observed: Option<f64>,
    /// Expected limits at −2σ … +2σ.
    pub expected: [Option<f64>; 5],
    /// CLs evaluations spent per curve (observed, then the five expected).
    pub evaluations: [usize; 6],
    pub mu_hat: f64,
    pub diagnostics: Diagnostics,
}

const MAX_DOUBLINGS: usize = 12;
const CURVE_NAMES: [&str; 6] = ["observed", "expected −2σ", "expected −1σ", "expected median", "expected +1σ", "expected +2σ"];

pub fn upper_limit(model: &Model, setup: &Setup, options: &UpperLimitOptions, data: Option<&[f64]>) -> Result<UpperLimit> {
    let started = Instant::now();
    if !(options.cl > 0.0 && options.cl < 1.0) {
        return Err(histune_engine::EngineError::bad_request(format!("the confidence level must lie in (0, 1), got {}", options.cl)));
    }
    if options.test_stat == TestStatistic::Q0 {
        return Err(histune_engine::EngineError::bad_request("upper limits need the q or qtilde test statistic, not q0"));
    }
    if options.rtol.is_nan() || options.rtol <= 0.0 {
        return Err(histune_engine::EngineError::bad_request(format!("rtol must be positive, got {}", options.rtol)));
    }
    let observed = match data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    let calc = AsymptoticCalculator::new(model, setup, options.test_stat, observed)?;
    let level = 1.0 - options.cl;
    let (lo, hi) = setup.bounds[model.poi_index()];

    let solved: Vec<(Option<f64>, usize, Tracker)> = (0..6)
        .into_par_iter()
        .map_init(
            || Fitter::new(model),
            |fitter, curve| {
                let mut tracker = Tracker::default();
                let mut evaluations = 0;
                let result = (|| -> Result<Option<f64>> {
                    let mut f = |mu: f64| -> Result<f64> {
                        evaluations += 1;
                        let p = calc.point(fitter, mu, curve > 0, &mut tracker)?;
                        let cls = if curve == 0 { calc.observed_cls(&p) } else { expected_band(options.test_stat, p.sqrt_qa())[curve - 1] };
                        Ok(cls - level)
                    };
                    let f_lo = f(lo)?;
                    if f_lo < 0.0 {
                        tracker.warn(format!("{}: CLs is already below {level} at the POI lower bound {lo}", CURVE_NAMES[curve]));
                        return Ok(None);
                    }
                    let (mut a, mut fa) = (lo, f_lo);
                    let mut b = hi;
                    let mut fb = f(b)?;
                    let mut doublings = 0;
                    while fb > 0.0 && doublings < MAX_DOUBLINGS {
                        (a, fa) = (b, fb);
                        b *= 2.0;
                        fb = f(b)?;
                        doublings += 1;
                    }
                    if fb > 0.0 {
                        tracker.warn(format!("{}: CLs stays above {level} up to {} = {b}", CURVE_NAMES[curve], model.config().poi));
                        return Ok(None);
                    }
                    if !(fa.is_finite() && fb.is_finite()) {
                        tracker.warn(format!("{}: CLs is not finite at the bracket ends", CURVE_NAMES[curve]));
                        return Ok(None);
                    }
                    let root = brent(&mut f, a, b, fa, fb, 2e-12, options.rtol, 100)?;
                    Ok(root.map(|(x, _)| x))
                })();
                result.map(|limit| (limit, evaluations, tracker))
            },
        )
        .collect::<Result<Vec<_>>>()?;

    let mut tracker = calc.tracker.clone();
    let mut evaluations = [0usize; 6];
    let mut limits = [None; 6];
    for (i, (limit, evals, t)) in solved.into_iter().enumerate() {
        limits[i] = limit;
        evaluations[i] = evals;
        tracker.merge(t);
    }
    let mu_hat = calc.free_observed.bestfit[model.poi_index()];
    let nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
    let m = metrics([
        ("observed", nan(limits[0])),
        ("expected_minus2", nan(limits[1])),
        ("expected_minus1", nan(limits[2])),
        ("expected_median", nan(limits[3])),
        ("expected_plus1", nan(limits[4])),
        ("expected_plus2", nan(limits[5])),
        ("cls_evaluations", evaluations.iter().sum::<usize>() as f64),
    ]);
    Ok(UpperLimit {
        cl: options.cl,
        test_stat: options.test_stat,
        observed: limits[0],
        expected: [limits[1], limits[2], limits[3], limits[4], limits[5]],
        evaluations,
        mu_hat,
        diagnostics: tracker.finish(started, Some(calc.free_observed.nll), Some(mu_hat), None, m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asymptotics::hypotest;
    use crate::testing::shapesys_model;

    #[test]
    fn hello_world_limits_match_converged_pyhf() {
        // pyhf 0.7.6 at tolerance 1e-14, toms748 rtol 1e-10 (reference notes §3.4).
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let options = UpperLimitOptions { rtol: 1e-7, ..Default::default() };
        let r = upper_limit(&model, &setup, &options, None).unwrap();
        let close = |a: f64, b: f64| ((a - b) / b).abs() < 1e-5;
        assert!(close(r.observed.unwrap(), 1.01157188), "{:?}", r.observed);
        let expected = [0.55988425, 0.75702902, 1.06235499, 1.50118082, 2.05080201];
        for (a, b) in r.expected.iter().zip(expected) {
            assert!(close(a.unwrap(), b), "{a:?} vs {b}");
        }
        assert!(r.diagnostics.converged);
        // CLs at the observed limit is the level.
        let h = hypotest(&model, &setup, TestStatistic::QmuTilde, r.observed.unwrap(), None).unwrap();
        assert!((h.cls - 0.05).abs() < 1e-6);
    }

    #[test]
    fn default_tolerance_is_met_and_cl_changes_the_limit() {
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let r = upper_limit(&model, &setup, &UpperLimitOptions::default(), None).unwrap();
        assert!(((r.observed.unwrap() - 1.01157188) / 1.01157188).abs() < 1e-4);
        let r90 = upper_limit(&model, &setup, &UpperLimitOptions { cl: 0.9, ..Default::default() }, None).unwrap();
        assert!(r90.observed.unwrap() < r.observed.unwrap());
        assert!(upper_limit(&model, &setup, &UpperLimitOptions { cl: 1.5, ..Default::default() }, None).is_err());
    }
}
