//! Pseudo-experiments on the CPU (pyhf's `ToyCalculator`, with our own seeded generator).
//!
//! Signal toys are generated at the conditional fit to the observed data with the POI at the tested
//! μ, background toys at μ = 0 (for q0: at 0 and 1 respectively). Each toy draws the main data from
//! Poisson(ν) and the auxiliary data from the constraint terms: Gaussian(θ̂, σ) for normal
//! constraints, Poisson(γ̂·τ) for the shapesys ones. The test statistic is refitted on every toy
//! from the same inits as the observed one. As in pyhf, p = fraction of toys with q ≥ q_obs:
//! CLs+b from the signal toys, CLb from the background toys (for q0, p0 is the CLs+b of the μ = 0
//! toys). Toy i of a stream always uses the same random numbers, whatever the thread count.

use std::time::Instant;

use histune_engine::paramset::Constraint;
use histune_engine::{Dataset, EngineError, Fitter, Model, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::asimov::asimov_mu;
use crate::diagnostics::{metrics, Diagnostics, Tracker};
use crate::normal;
use crate::rng::Rng;
use crate::setup::Setup;
use crate::teststat::{evaluate, TestStatistic};

#[derive(Debug, Clone, Copy)]
pub struct ToyOptions {
    pub n_toys: usize,
    pub seed: u64,
    pub test_stat: TestStatistic,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToyResult {
    pub mu: f64,
    pub test_stat: TestStatistic,
    pub n_toys: usize,
    pub seed: u64,
    /// The statistic on the observed data.
    pub observed: f64,
    /// CLs (for q0: p0), CLs+b and CLb with their binomial Monte-Carlo standard errors.
    pub cls: f64,
    pub cls_error: f64,
    pub clsb: f64,
    pub clsb_error: f64,
    pub clb: f64,
    pub clb_error: f64,
    /// Percentiles (−2σ … +2σ) of CLs (for q0: of p0) over the background toys.
    pub cls_expected: [f64; 5],
    /// For q0: p0 = CLs+b and its significance.
    pub p0: Option<f64>,
    pub p0_error: Option<f64>,
    pub z0: Option<f64>,
    pub signal_teststats: Vec<f64>,
    pub background_teststats: Vec<f64>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Copy)]
enum AuxKind {
    Normal(f64),
    Poisson,
}

fn aux_kinds(model: &Model) -> Vec<AuxKind> {
    let mut kinds = Vec::with_capacity(model.n_aux());
    for set in &model.config().parameters {
        match &set.constraint {
            Constraint::None => {}
            Constraint::Normal { sigmas, .. } => kinds.extend(sigmas.iter().map(|&s| AuxKind::Normal(s))),
            Constraint::Poisson { factors, .. } => kinds.extend(factors.iter().map(|_| AuxKind::Poisson)),
        }
    }
    kinds
}

/// One toy around `expected` (main ++ aux expected data).
fn sample(rng: &mut Rng, expected: &[f64], n_main: usize, aux: &[AuxKind]) -> Vec<f64> {
    let mut data = Vec::with_capacity(expected.len());
    for &nu in &expected[..n_main] {
        data.push(rng.poisson(nu));
    }
    for (&center, kind) in expected[n_main..].iter().zip(aux) {
        data.push(match *kind {
            AuxKind::Normal(sigma) => rng.normal(center, sigma),
            AuxKind::Poisson => rng.poisson(center),
        });
    }
    data
}

/// Fraction of `sorted` samples ≥ x.
fn tail_fraction(sorted: &[f64], x: f64) -> f64 {
    let below = sorted.partition_point(|&s| s < x);
    (sorted.len() - below) as f64 / sorted.len() as f64
}

fn binomial_error(p: f64, n: usize) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

/// numpy's `percentile` with linear interpolation, on sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 >= sorted.len() {
        sorted[sorted.len() - 1]
    } else {
        sorted[i] + frac * (sorted[i + 1] - sorted[i])
    }
}

pub fn toys(model: &Model, setup: &Setup, mu: f64, options: &ToyOptions, data: Option<&[f64]>) -> Result<ToyResult> {
    toys_with(&mut CpuToys, model, setup, mu, options, data)
}

/// Toy i of hypothesis h (0: signal, 1: background), always the same dataset for the same seed.
pub type ToyGenerator<'a> = dyn Fn(usize, usize) -> Result<Dataset> + Sync + 'a;

/// Fits the test statistic on every toy of both hypotheses (`n_toys` each). The CPU fits toy by
/// toy on all cores (`CpuToys`); histune-gpu fits them in lockstep batches.
pub trait ToyFitter {
    fn fit_toys(&mut self, model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, n_toys: usize, toy: &ToyGenerator<'_>) -> Result<([Vec<f64>; 2], Tracker)>;
}

/// Each toy's two fits with the engine's `Fitter`, toys spread over all cores.
pub struct CpuToys;

impl ToyFitter for CpuToys {
    fn fit_toys(&mut self, model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, n_toys: usize, toy: &ToyGenerator<'_>) -> Result<([Vec<f64>; 2], Tracker)> {
        let mut tracker = Tracker::default();
        let mut run = |h: usize| -> Result<Vec<f64>> {
            let results = (0..n_toys)
                .into_par_iter()
                .map_init(
                    || Fitter::new(model),
                    |fitter, i| {
                        let data = toy(h, i)?;
                        let mut t = Tracker::default();
                        let e = evaluate(fitter, model, setup, kind, mu, &data, None, &mut t)?;
                        Ok((e.value, t))
                    },
                )
                .collect::<Result<Vec<_>>>()?;
            let mut values = Vec::with_capacity(results.len());
            for (v, t) in results {
                values.push(v);
                tracker.merge(t);
            }
            Ok(values)
        };
        let signal = run(0)?;
        let background = run(1)?;
        Ok(([signal, background], tracker))
    }
}

/// `toys` with the toy fits done by `fitter`.
pub fn toys_with(fitter_of_toys: &mut dyn ToyFitter, model: &Model, setup: &Setup, mu: f64, options: &ToyOptions, data: Option<&[f64]>) -> Result<ToyResult> {
    let started = Instant::now();
    let kind = options.test_stat;
    if options.n_toys == 0 {
        return Err(EngineError::bad_request("the number of toys must be at least 1"));
    }
    let poi = setup.free_poi(model)?;
    let mut tracker = Tracker::default();
    if kind.tested_mu(mu) != mu {
        tracker.warn(format!("q0 tests {} = 0; the given value {mu} is not used", model.config().poi));
    }
    let mu = kind.tested_mu(mu);
    setup.check_poi_value(model, mu)?;
    let observed = match data {
        Some(d) => model.dataset(d)?,
        None => model.observed().clone(),
    };
    if let Some(w) = kind.bounds_warning(model, setup) {
        tracker.warn(w);
    }
    let mut fitter = Fitter::new(model);
    let obs = evaluate(&mut fitter, model, setup, kind, mu, &observed, None, &mut tracker)?;
    let background_fit = fitter.fit(&observed, &setup.conditional_fit(poi, asimov_mu(kind), None))?;
    tracker.record("background generation fit", &background_fit);
    let aux = aux_kinds(model);
    let n_main = model.n_main();
    let expected = [model.expected_data(&obs.conditional.bestfit)?, model.expected_data(&background_fit.bestfit)?];
    let toy = |h: usize, i: usize| -> Result<Dataset> {
        let mut rng = Rng::for_toy(options.seed, h as u64, i as u64);
        model.dataset(&sample(&mut rng, &expected[h], n_main, &aux))
    };
    let ([signal, background], t_toys) = fitter_of_toys.fit_toys(model, setup, kind, mu, options.n_toys, &toy)?;
    tracker.merge(t_toys);

    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    let (sig_sorted, bkg_sorted) = (sorted(&signal), sorted(&background));
    let n = options.n_toys;
    let clsb = tail_fraction(&sig_sorted, obs.value);
    let clb = tail_fraction(&bkg_sorted, obs.value);
    let (clsb_error, clb_error) = (binomial_error(clsb, n), binomial_error(clb, n));
    if clsb == 0.0 {
        tracker.warn(format!("no signal toy reached the observed statistic: CLs+b < 1/{n} (about), its error estimate 0 is meaningless; run more toys"));
    }
    let is_q0 = kind == TestStatistic::Q0;
    let (cls, cls_error) = if is_q0 {
        (clsb, clsb_error)
    } else {
        let cls = clsb / clb;
        (cls, cls * ((clsb_error / clsb).powi(2) + (clb_error / clb).powi(2)).sqrt())
    };
    let expected_values = sorted(
        &bkg_sorted
            .iter()
            .map(|&x| {
                let sb = tail_fraction(&sig_sorted, x);
                if is_q0 {
                    sb
                } else {
                    sb / tail_fraction(&bkg_sorted, x)
                }
            })
            .collect::<Vec<_>>(),
    );
    let cls_expected = [2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681].map(|q| percentile(&expected_values, q));
    let z0 = is_q0.then(|| normal::significance(clsb));
    let m = metrics([
        ("cls", cls),
        ("cls_error", cls_error),
        ("clsb", clsb),
        ("clb", clb),
        ("observed", obs.value),
        ("cls_expected_median", cls_expected[2]),
        ("n_toys", n as f64),
    ]);
    Ok(ToyResult {
        mu,
        test_stat: kind,
        n_toys: n,
        seed: options.seed,
        observed: obs.value,
        cls,
        cls_error,
        clsb,
        clsb_error,
        clb,
        clb_error,
        cls_expected,
        p0: is_q0.then_some(clsb),
        p0_error: is_q0.then_some(clsb_error),
        z0,
        signal_teststats: signal,
        background_teststats: background,
        diagnostics: tracker.finish(started, Some(obs.free.nll), Some(obs.mu_hat), None, m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asymptotics::hypotest;
    use crate::testing::{one_bin, shapesys_model};
    use histune_engine::special::ln_gamma;

    /// P(N ≥ n | b) for a Poisson count.
    fn poisson_tail(n: u32, b: f64) -> f64 {
        1.0 - (0..n).map(|k| (k as f64 * b.ln() - b - ln_gamma(k as f64 + 1.0)).exp()).sum::<f64>()
    }

    #[test]
    fn toy_p0_matches_the_exact_poisson_p_value() {
        // One bin, background 50 known exactly: q0 grows with n above 50, so p0 = P(N ≥ 62 | 50).
        let model = one_bin(10.0, 50.0, 62.0);
        let options = ToyOptions { n_toys: 1500, seed: 2024, test_stat: TestStatistic::Q0 };
        let r = toys(&model, &Setup::new(&model), 0.0, &options, None).unwrap();
        let exact = poisson_tail(62, 50.0);
        let p0 = r.p0.unwrap();
        assert!((p0 - exact).abs() < 3.0 * r.p0_error.unwrap(), "toys {p0} ± {} vs exact {exact}", r.p0_error.unwrap());
        assert!(r.diagnostics.converged);
        assert!((r.z0.unwrap() - normal::significance(p0)).abs() < 1e-12);
    }

    #[test]
    fn toys_are_reproducible_per_seed() {
        let model = shapesys_model();
        let setup = Setup::new(&model);
        let options = ToyOptions { n_toys: 40, seed: 7, test_stat: TestStatistic::QmuTilde };
        let a = toys(&model, &setup, 1.0, &options, None).unwrap();
        let b = toys(&model, &setup, 1.0, &options, None).unwrap();
        assert_eq!(a.signal_teststats, b.signal_teststats);
        assert_eq!(a.background_teststats, b.background_teststats);
        let c = toys(&model, &setup, 1.0, &ToyOptions { seed: 8, ..options }, None).unwrap();
        assert_ne!(a.signal_teststats, c.signal_teststats);
        assert!(a.signal_teststats.iter().all(|&q| q >= 0.0));
        assert!(a.cls_expected.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn toy_cls_agrees_with_asymptotics_on_a_large_count() {
        // Large counts: the asymptotic formulae hold, so CLs from 400 toys lands within a few
        // Monte-Carlo errors of the asymptotic value.
        let model = one_bin(40.0, 400.0, 420.0);
        let setup = Setup::new(&model);
        let asym = hypotest(&model, &setup, TestStatistic::QmuTilde, 1.5, None).unwrap();
        let r = toys(&model, &setup, 1.5, &ToyOptions { n_toys: 400, seed: 1, test_stat: TestStatistic::QmuTilde }, None).unwrap();
        assert!((r.cls - asym.cls).abs() < 4.0 * r.cls_error + 0.01, "toys {} ± {} vs asymptotic {}", r.cls, r.cls_error, asym.cls);
    }

    #[test]
    fn sampling_respects_the_constraint_types() {
        let model = shapesys_model();
        let kinds = aux_kinds(&model);
        assert_eq!(kinds.len(), model.n_aux());
        assert!(kinds.iter().all(|k| matches!(k, AuxKind::Poisson)));
        let mut rng = Rng::seed_from(5);
        let expected = model.expected_data(&model.suggested_init()).unwrap();
        let toy = sample(&mut rng, &expected, model.n_main(), &kinds);
        assert!(toy.iter().all(|x| x.fract() == 0.0 && *x >= 0.0));
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert!((percentile(&v, 15.86552539) - 1.4759657617).abs() < 1e-9);
        assert_eq!(tail_fraction(&v, 3.0), 0.5);
    }
}
