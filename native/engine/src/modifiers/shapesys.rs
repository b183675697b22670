//! shapesys: uncorrelated per-bin uncertainties in the Barlow–Beeston-lite form: a factor γ_b per
//! bin with a Poisson constraint Pois(τ_b | γ_b·τ_b), τ_b = (ν⁰_b/σ_b)². Bins with ν⁰_b ≤ 0 or
//! σ_b ≤ 0 keep a parameter, fixed at 1, with τ_b = 1.

use super::uniform;
use crate::model::BinFactor;
use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

pub fn requirement(nominal: &[f64], uncertainties: &[f64]) -> Requirement {
    let valid: Vec<bool> = nominal.iter().zip(uncertainties).map(|(&n, &u)| n > 0.0 && u > 0.0).collect();
    let tau: Vec<f64> = nominal
        .iter()
        .zip(uncertainties)
        .zip(&valid)
        .map(|((&n, &u), &ok)| if ok { n * n / (u * u) } else { 1.0 })
        .collect();
    let n = tau.len();
    Requirement {
        constraint: ConstraintKind::Poisson,
        n,
        is_scalar: false,
        inits: Setting::Value(uniform(1.0, n)),
        bounds: Setting::Value(uniform((1e-10, 10.0), n)),
        fixed: FixedDefault::PerComponent(valid.iter().map(|ok| !ok).collect()),
        auxdata: Setting::Value(tau.clone()),
        factors: Setting::Value(tau),
        sigmas: Setting::Undefined,
    }
}

/// Bin k of the channel is scaled by γ_k, component k.
pub(crate) fn factor(offset: usize, n_bins: usize) -> BinFactor {
    BinFactor {
        pars: (0..n_bins).map(|b| offset + b).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn invalid_bins_are_fixed_with_unit_tau() {
        let r = super::requirement(&[50.0, 0.0, 10.0], &[7.0, 1.0, 0.0]);
        assert_eq!(r.fixed, crate::paramset::FixedDefault::PerComponent(vec![false, true, true]));
        assert_eq!(r.auxdata, crate::paramset::Setting::Value(vec![2500.0 / 49.0, 1.0, 1.0]));
    }
}
