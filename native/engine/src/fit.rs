//! Maximum-likelihood fits: minimise −logpdf with the bounded L-BFGS-B of `histune-optim`, starting
//! from pyhf's suggested (or given) inits, holding fixed parameters at their init as pyhf does.

use histune_optim::{hessian, invert_spd_masked, Minimizer, Options};

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

/// Reusable fitting state for one model: evaluator buffers and the minimiser's workspace.
pub struct Fitter<'m> {
    model: &'m Model,
    evaluator: crate::model::Evaluator,
    minimizer: Minimizer,
}

impl<'m> Fitter<'m> {
    pub fn new(model: &'m Model) -> Fitter<'m> {
        Fitter { model, evaluator: model.evaluator(), minimizer: Minimizer::new(model.n_pars(), Options::default()) }
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
                return Err(EngineError::bad_request(format!("parameter index {i} is out of range (the model has {n})")));
            }
            x[i] = value;
            fixed[i] = true;
        }
        // pyhf refuses inits outside the bounds (fixed ones included).
        for i in 0..n {
            let (lo, hi) = bounds[i];
            if !x[i].is_finite() || !(lo <= hi) {
                return Err(EngineError::bad_request(format!("parameter {} has init {} and bounds [{lo}, {hi}]", model.par_names()[i], x[i])));
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
        self.minimizer.set_options(opts);
        let evaluator = &mut self.evaluator;
        let mut objective = |p: &[f64], g: &mut [f64]| evaluator.nll_and_grad(model, p, data, g);
        let summary = self.minimizer.minimize_in_place(&mut objective, &mut x, &lower, &upper, &fixed);
        let nll = summary.f;
        let (uncertainties, uncertainty_error) = if options.uncertainties {
            let h = hessian(&mut objective, &x, &fixed, &lower, &upper);
            match invert_spd_masked(&h, n, &fixed) {
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
            converged: summary.converged,
            status: format!("{:?}", summary.status),
            iterations: summary.iterations,
            function_calls: summary.n_evals,
            uncertainties,
            uncertainty_error,
        })
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
