//! Variable scales for many fits of one model from one exact Hessian on the CPU, instead of the
//! minimiser's automatic scaling: that probes the gradient once per free parameter and fit, i.e.
//! n_pars + 1 evaluations per fit (160 000 for 800 fits of a 201-parameter model), most of a
//! lockstep batch's GPU work when the fits themselves take a few dozen evaluations.

use histune_engine::{Dataset, Model};
use histune_optim::{Options, Scaling};

use crate::fit::f32_minimizer_options;
use crate::shader::Precision;

/// Above this many parameters the Hessian (n² values) is not formed; the fits then estimate their
/// scales themselves (batched probes, `BatchFitOptions::batched_scaling`).
pub const MAX_HESSIAN_PARS: usize = 4000;

/// The minimiser's `AutoDiagonal` formula s_j = 1/√H_jj, clamped to [1e-8, 1e8] (1 where the
/// curvature is not positive), with H_jj the engine's exact Hessian diagonal at `pars` for `data`.
/// Fits that start or end near `pars` on data like `data` share it (the scales need only be right
/// within a small factor). `None` for too many parameters or a non-finite NLL.
pub fn curvature_scales(model: &Model, pars: &[f64], data: &Dataset) -> Option<Vec<f64>> {
    let n = model.n_pars();
    if n > MAX_HESSIAN_PARS {
        return None;
    }
    let (mut grad, mut hess) = (vec![0.0; n], vec![0.0; n * n]);
    let nll = model.evaluator().nll_grad_hessian(model, pars, data, &mut grad, &mut hess);
    if !nll.is_finite() {
        return None;
    }
    Some((0..n).map(|j| hess[j * n + j]).map(|d| if d > 0.0 && d.is_finite() { (1.0 / d.sqrt()).clamp(1e-8, 1e8) } else { 1.0 }).collect())
}

/// The minimiser options `fit_batch` would pick for `precision`, with `scales` when there are any.
pub fn minimizer_with_scales(precision: Precision, scales: Option<Vec<f64>>) -> Options {
    let mut options = if precision == Precision::F32 { f32_minimizer_options() } else { Options::default() };
    if let Some(s) = scales {
        options.scaling = Scaling::Manual(s);
    }
    options
}
