//! The f64 parts of −logpdf that stay on the CPU: constraint terms (O(parameters) per fit) and
//! the data-only constants of the main Poisson terms.
//!
//! The engine writes −ln Pois(n | ν) = d(n, ν) + c(n) with d(n, ν) = (ν − n) − n·ln(ν/n), which is
//! zero at ν = n: the observed count is each bin's reference point. The GPU sums d (small near a
//! fit's minimum, so f32 keeps its relative precision); the CPU adds Σ c(n) in f64.

use histune_engine::special::ln_gamma;
use histune_engine::Dataset;

use crate::flat::FlatModel;

/// c(n) = n − n·ln n + lgamma(n + 1), the data-only part of −ln Pois(n | ν).
pub fn poisson_constant(n: f64) -> f64 {
    if n == 0.0 {
        0.0
    } else {
        n - n * n.ln() + ln_gamma(n + 1.0)
    }
}

/// d(n, ν) of the Poisson term, as the engine evaluates it.
pub fn poisson_deviance(n: f64, nu: f64) -> f64 {
    if n == 0.0 {
        nu
    } else {
        let r = (nu - n) / n;
        (nu - n) - n * r.ln_1p()
    }
}

/// Σ_b c(n_b) over the main bins of a dataset.
pub fn main_constant(data: &Dataset) -> f64 {
    data.main().iter().map(|&n| poisson_constant(n)).sum()
}

/// −Σ ln(constraint terms) at `pars`; adds their gradient into `grad`.
pub fn constraint_nll(model: &FlatModel, pars: &[f64], aux: &[f64], grad: &mut [f64]) -> f64 {
    let mut sum = 0.0;
    for t in &model.normal {
        let r = aux[t.aux] - pars[t.par];
        sum += t.ln_norm + 0.5 * r * r * t.inv_var;
        grad[t.par] -= r * t.inv_var;
    }
    for t in &model.poisson {
        let a = aux[t.aux];
        let gamma = pars[t.par];
        sum += poisson_deviance(a, gamma * t.factor) + poisson_constant(a);
        grad[t.par] += t.factor - if a == 0.0 { 0.0 } else { a / gamma };
    }
    sum
}
