//! Error model of the f32 path (measured bounds in README.md).
//!
//! In f32 each rate ν_b carries a relative error of a few units of 2^-24 (parameters rounded to
//! f32, products of factors, exp). Because each bin's Poisson term is taken relative to its
//! observed count, d(n, ν) = (ν − n) − n·ln(ν/n), that error enters as w_b·δν_b = (ν_b − n_b)·δ, so
//! the NLL error scales with S = Σ_b (|ν_b − n_b| + d_b), which is small near a good fit, instead of
//! with Σ_b n_b·ln ν_b as a direct evaluation would. Constraint terms are exact (f64 on the CPU).
//! The gradient's error scales with Σ_b |∂ν_b/∂θ_k|·(|w_b| + n_b/ν_b), since w_b = 1 − n_b/ν_b
//! carries the relative error of ν_b.

use histune_engine::Dataset;

use crate::constraints::poisson_deviance;
use crate::flat::FlatModel;

/// Unit roundoff of f32.
pub const F32_EPSILON: f64 = 1.0 / 16_777_216.0;

/// Multiple of 2^-24·S that bounds the f32 NLL error (measured maximum ×4, see README.md).
pub const F32_NLL_FACTOR: f64 = 32.0;

/// Multiple of 2^-24·S_k that bounds the f32 error of gradient component k.
pub const F32_GRAD_FACTOR: f64 = 32.0;

/// S = Σ_b (|ν_b − n_b| + d(n_b, ν_b)) at `pars`.
pub fn nll_scale(flat: &FlatModel, pars: &[f64], data: &Dataset) -> f64 {
    flat.rates(pars).iter().zip(data.main()).map(|(&nu, &n)| (nu - n).abs() + poisson_deviance(n, nu).abs()).sum()
}

/// Bound on |NLL_f32 − NLL_f64| at `pars`.
pub fn f32_nll_bound(flat: &FlatModel, pars: &[f64], data: &Dataset) -> f64 {
    F32_NLL_FACTOR * F32_EPSILON * nll_scale(flat, pars, data)
}

/// Bounds on |∂_k NLL_f32 − ∂_k NLL_f64| at `pars`: F32_GRAD_FACTOR·2^-24·Σ_b |∂ν_b/∂θ_k|·(|w_b| + n_b/ν_b),
/// with the Jacobian from central differences of the f64 rates (O(parameters × model) work: a
/// diagnostic, not for inner loops).
pub fn f32_grad_bounds(flat: &FlatModel, pars: &[f64], data: &Dataset) -> Vec<f64> {
    let nu = flat.rates(pars);
    let n = data.main();
    let sensitivity: Vec<f64> = nu.iter().zip(n).map(|(&v, &k)| if k == 0.0 { 1.0 } else { (1.0 - k / v).abs() + k / v }).collect();
    let mut x = pars.to_vec();
    (0..pars.len())
        .map(|k| {
            let h = 1e-6 * (1.0 + pars[k].abs());
            x[k] = pars[k] + h;
            let up = flat.rates(&x);
            x[k] = pars[k] - h;
            let down = flat.rates(&x);
            x[k] = pars[k];
            let s: f64 = (0..nu.len()).map(|b| ((up[b] - down[b]) / (2.0 * h)).abs() * sensitivity[b]).sum();
            F32_GRAD_FACTOR * F32_EPSILON * s
        })
        .collect()
}
