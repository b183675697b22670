//! Maximum-likelihood fits: minimise −logpdf with `histune-optim` (projected Newton on the exact
//! Hessian, bounded L-BFGS-B as fallback), starting from pyhf's suggested (or given) inits, holding
//! fixed parameters at their init as pyhf does.

use histune_optim::{invert_spd_masked, ConvergenceReason, HessianObjective, Minimizer, Newton, Objective, Options, Status};

use crate::error::{EngineError, Result};
use crate::model::{Dataset, Model};

#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    /// Starting point (default: suggested inits).
    pub init: Option<Vec<f64>>,
    pub bounds: Option<Vec<(f64, f64)>>,
    /// Fixed mask (default: suggested fixed).
    pub fixed: Option<Vec<bool>>,
    /// Parameters to hold at a value (index, value), on top of `fixed`: e.g. the POI of a
    /// conditional fit.
    pub fix_values: Vec<(usize, f64)>,
    /// Compute uncertainties from the inverse Hessian of −logpdf at the minimum.
    pub uncertainties: bool,
    pub max_iterations: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    pub bestfit: Vec<f64>,
    /// −logpdf at the best fit.
    pub nll: f64,
    pub twice_nll: f64,
    pub converged: bool,
    pub status: String,
    pub iterations: usize,
    pub function_calls: usize,
    /// Per-parameter uncertainties (0 for fixed ones) when asked for and the Hessian is positive definite.
    pub uncertainties: Option<Vec<f64>>,
    /// Why uncertainties are missing although they were asked for.
    pub uncertainty_error: Option<String>,
}

/// Reusable fitting state for one model: evaluator buffers and the minimisers' workspaces.
pub struct Fitter<'m> {
    model: &'m Model,
    evaluator: crate::model::Evaluator,
    /// Created on the first fit that uses it (its buffers are n_pars² each).
    newton: Option<Newton>,
    minimizer: Minimizer,
}

/// Above this many parameters fits use L-BFGS-B only: Newton's dense n² buffers and Hessian
/// assembly would dominate (memory 4·n² doubles per fitter).
const NEWTON_MAX_PARS: usize = 1000;

/// −logpdf of one dataset as the minimisers see it.
struct Nll<'a> {
    model: &'a Model,
    data: &'a Dataset,
    evaluator: &'a mut crate::model::Evaluator,
}

impl Objective for Nll<'_> {
    fn value_and_gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.evaluator.nll_and_grad(self.model, x, self.data, grad)
    }
}

impl HessianObjective for Nll<'_> {
    fn value_gradient_hessian(&mut self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> f64 {
        self.evaluator.nll_grad_hessian(self.model, x, self.data, grad, hess)
    }
}

impl<'m> Fitter<'m> {
    pub fn new(model: &'m Model) -> Fitter<'m> {
        Fitter {
            model,
            evaluator: model.evaluator(),
            newton: None,
            minimizer: Minimizer::new(model.n_pars(), Options::default()),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    pub fn fit(&mut self, data: &Dataset, options: &FitOptions) -> Result<FitResult> {
        let model = self.model;
        let n = model.n_pars();
        let mut x = match &options.init {
            Some(v) => v.clone(),
            None => model.suggested_init(),
        };
        let bounds = match &options.bounds {
            Some(b) => b.clone(),
            None => model.suggested_bounds(),
        };
        let mut fixed = match &options.fixed {
            Some(f) => f.clone(),
            None => model.suggested_fixed(),
        };
        if x.len() != n || bounds.len() != n || fixed.len() != n {
            return Err(EngineError::bad_request(format!(
                "init, bounds and fixed must each have {n} entries (got {}, {}, {})",
                x.len(),
                bounds.len(),
                fixed.len()
            )));
        }
        for &(i, value) in &options.fix_values {
            if i >= n {
                return Err(EngineError::bad_request(format!(
                    "parameter index {i} is out of range (the model has {n})"
                )));
            }
            x[i] = value;
            fixed[i] = true;
        }
        // pyhf refuses inits outside the bounds (fixed ones included).
        for i in 0..n {
            let (lo, hi) = bounds[i];
            if !x[i].is_finite() || lo.is_nan() || hi.is_nan() || lo > hi {
                return Err(EngineError::bad_request(format!(
                    "parameter {} has init {} and bounds [{lo}, {hi}]",
                    model.par_names()[i],
                    x[i]
                )));
            }
            if x[i] < lo || x[i] > hi {
                return Err(EngineError::bad_request(format!(
                    "init {} of parameter {} lies outside its bounds [{lo}, {hi}]",
                    x[i],
                    model.par_names()[i]
                )));
            }
        }
        let (lower, upper): (Vec<f64>, Vec<f64>) = bounds.iter().copied().unzip();
        let mut opts = Options::default();
        if let Some(it) = options.max_iterations {
            opts.max_iterations = it;
        }
        self.minimizer.set_options(opts.clone());
        let (mut summary, mut function_calls, mut iterations) = {
            // Newton steps with the exact Hessian first; L-BFGS-B from Newton's best point when they
            // cannot meet the gradient test (stiff constraints at rounding level). Models with kinks
            // (normsys code1, histosys code0) go to L-BFGS-B directly: their piecewise curvature
            // sends Newton into the shallower of the local minima beside a kink more often
            // (test/parity/test_infer_generated.py). Very large models too (NEWTON_MAX_PARS).
            let mut objective = Nll { model, data, evaluator: &mut self.evaluator };
            let newton = if model.kink_parameters().is_empty() && n <= NEWTON_MAX_PARS {
                let newton = self.newton.get_or_insert_with(|| Newton::new(n));
                Some(newton.minimize_in_place(&mut objective, &mut x, &lower, &upper, &fixed, &opts))
            } else {
                None
            };
            if let Some(newton) = newton.filter(|r| r.converged || r.status == Status::NonFinite || r.status == Status::InvalidInput) {
                (newton, newton.n_evals, newton.iterations)
            } else {
                let (newton_evals, newton_iterations) = newton.map_or((0, 0), |r| (r.n_evals, r.iterations));
                let mut summary = self.minimizer.minimize_in_place(&mut objective, &mut x, &lower, &upper, &fixed);
                let (mut calls, mut iterations) = (newton_evals + summary.n_evals, newton_iterations + summary.iterations);
                if summary.status == Status::LineSearchFailed {
                    // A stalled line search (typically a minimum sitting on a bound, reached only up to
                    // rounding) usually converges when restarted from where it stopped with a fresh memory.
                    let restart = self.minimizer.minimize_in_place(&mut objective, &mut x, &lower, &upper, &fixed);
                    calls += restart.n_evals;
                    iterations += restart.iterations;
                    summary = restart;
                }
                (summary, calls, iterations)
            }
        };
        let mut status = format!("{:?}", summary.status);
        let mut converged = summary.converged;
        // FunctionTolerance: no measurable progress, which on a kink still leaves α off by ~1e-6.
        let stalled = !converged || summary.status == Status::Converged(ConvergenceReason::FunctionTolerance);
        if stalled && !model.kink_parameters().is_empty() {
            if let Some(settled) = self.settle_on_kinks(data, &mut x, &lower, &upper, &fixed, summary.f) {
                function_calls += settled.n_evals;
                iterations += settled.iterations;
                summary.f = settled.f;
                converged = true;
                status = "Converged(Kink)".to_string();
            }
        }
        if !converged && self.at_precision_limit(data, &x, &lower, &upper, &fixed) {
            converged = true;
            status = "Converged(Precision)".to_string();
        }
        let nll = summary.f;
        let (uncertainties, uncertainty_error) = if options.uncertainties {
            // Parameters that cannot move (fixed, or lower == upper) have no uncertainty.
            let held: Vec<bool> = (0..n).map(|i| fixed[i] || lower[i] >= upper[i]).collect();
            match self.covariance(&x, data, &held) {
                Ok(cov) => ((0..n).map(|i| cov[i * n + i].max(0.0).sqrt()).collect::<Vec<_>>().into(), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
        Ok(FitResult {
            bestfit: x,
            nll,
            twice_nll: 2.0 * nll,
            converged,
            status,
            iterations,
            function_calls,
            uncertainties,
            uncertainty_error,
        })
    }

    /// A minimum on the kink at α = 0 of code0/code1 interpolations has no zero gradient, so the
    /// gradient test cannot pass there. Put the parameters that stopped next to a kink exactly on
    /// it, minimise the others, and accept the point if it is optimal from both sides: every smooth
    /// direction converged and, for each kink parameter, derivative from below ≤ 0 ≤ derivative from
    /// above (the directional derivative is then ≥ 0 in every direction). On success `x` holds the
    /// point.
    fn settle_on_kinks(
        &mut self,
        data: &Dataset,
        x: &mut [f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
        f_before: f64,
    ) -> Option<histune_optim::Summary> {
        let model = self.model;
        let on_kink: Vec<usize> = model
            .kink_parameters()
            .iter()
            .copied()
            .filter(|&p| !fixed[p] && x[p].abs() < 1e-4 && lower[p] < 0.0 && upper[p] > 0.0)
            .collect();
        if on_kink.is_empty() {
            return None;
        }
        let mut trial = x.to_vec();
        let mut hold = fixed.to_vec();
        for &p in &on_kink {
            trial[p] = 0.0;
            hold[p] = true;
        }
        let evaluator = &mut self.evaluator;
        let mut objective = |p: &[f64], g: &mut [f64]| evaluator.nll_and_grad(model, p, data, g);
        let summary = self.minimizer.minimize_in_place(&mut objective, &mut trial, lower, upper, &hold);
        if !summary.converged || summary.f > f_before + 1e-12 * f_before.abs().max(1.0) {
            return None;
        }
        let n = model.n_pars();
        let mut above = vec![0.0; n];
        // At α = 0 exactly the evaluator returns the derivative from above.
        self.evaluator.nll_and_grad(model, &trial, data, &mut above);
        let mut below = vec![0.0; n];
        let mut probe = trial.clone();
        for &p in &on_kink {
            probe[p] = -1e-10;
        }
        self.evaluator.nll_and_grad(model, &probe, data, &mut below);
        let tolerance = 1e-7 * summary.f.abs().max(1.0);
        let optimal = on_kink.iter().all(|&p| below[p] <= tolerance && above[p] >= -tolerance);
        if !optimal {
            return None;
        }
        x.copy_from_slice(&trial);
        Some(summary)
    }

    /// True when no free component can move by a representable amount: each one either meets the
    /// projected-gradient test or its Newton step |g_i / H_ii| is within a few ulps of x_i. Stiff
    /// constraints (a shapesys with τ ~ 1e11) put the gradient's resolution, H_ii·ulp(x_i), far
    /// above any absolute gradient tolerance.
    fn at_precision_limit(&mut self, data: &Dataset, x: &[f64], lower: &[f64], upper: &[f64], fixed: &[bool]) -> bool {
        let model = self.model;
        let n = model.n_pars();
        let mut g = vec![0.0; n];
        let f = self.evaluator.nll_and_grad(model, x, data, &mut g);
        if !f.is_finite() {
            return false;
        }
        let tolerance = Options::default().pgtol;
        let (mut probe, mut g_up, mut g_down) = (x.to_vec(), vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            if fixed[i] || lower[i] == upper[i] {
                continue;
            }
            let projected = (x[i] - g[i]).clamp(lower[i], upper[i]) - x[i];
            if projected.abs() <= tolerance {
                continue;
            }
            let step = 1e-6 * x[i].abs().max(1.0);
            let (up, down) = ((x[i] + step).min(upper[i]), (x[i] - step).max(lower[i]));
            if up <= down {
                return false;
            }
            probe[i] = up;
            self.evaluator.nll_and_grad(model, &probe, data, &mut g_up);
            probe[i] = down;
            self.evaluator.nll_and_grad(model, &probe, data, &mut g_down);
            probe[i] = x[i];
            let curvature = (g_up[i] - g_down[i]) / (up - down);
            if curvature.is_nan() || curvature <= 0.0 || (g[i] / curvature).abs() > 8.0 * f64::EPSILON * x[i].abs() {
                return false;
            }
        }
        true
    }

    /// Covariance at `pars`: the inverse of the exact Hessian of −logpdf over the parameters not
    /// `held` (n_pars² row-major; rows and columns of held parameters are zero). Fails, saying
    /// which parameter, when that Hessian is not positive definite.
    pub fn covariance(&mut self, pars: &[f64], data: &Dataset, held: &[bool]) -> std::result::Result<Vec<f64>, String> {
        let n = self.model.n_pars();
        if pars.len() != n || held.len() != n {
            return Err(format!("expected {n} parameters and {n} held flags, got {} and {}", pars.len(), held.len()));
        }
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n * n]);
        self.evaluator.nll_grad_hessian(self.model, pars, data, &mut g, &mut h);
        invert_spd_masked(&h, n, held)
    }

    /// Fit with the POI held at `mu` (pyhf's `fixed_poi_fit`).
    pub fn fixed_poi_fit(&mut self, mu: f64, data: &Dataset, options: &FitOptions) -> Result<FitResult> {
        let mut options = options.clone();
        options.fix_values.push((self.model.poi_index(), mu));
        self.fit(data, &options)
    }
}

impl Model {
    /// A free fit (all parameters not fixed by the model or `options`).
    pub fn fit(&self, data: &Dataset, options: &FitOptions) -> Result<FitResult> {
        Fitter::new(self).fit(data, options)
    }

    pub fn fixed_poi_fit(&self, mu: f64, data: &Dataset, options: &FitOptions) -> Result<FitResult> {
        Fitter::new(self).fixed_poi_fit(mu, data, options)
    }
}
