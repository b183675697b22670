//! staterror: MC statistical uncertainty, one factor γ_b per bin shared by all samples that carry
//! the modifier, Gaussian constraint N(1 | γ_b, σ_b) with the relative uncertainty
//! σ_b = √(Σ_s δ_{s,b}²) / Σ_s ν⁰_{s,b}. Bins with σ_b = 0 are fixed at 1 and keep a unit-width
//! constraint (as pyhf does).

use super::uniform;
use crate::model::BinFactor;
use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

/// Relative uncertainties over the bins of the modifier's mask, following pyhf's arithmetic:
/// Σ_s (δ_{s,b} / N_b)² with N_b the summed nominal of the carrying samples, then the square root.
/// `per_sample` holds, for each carrying sample in pyhf's sample order, (nominal, uncertainty) on
/// the masked bins.
pub fn relative_uncertainties(per_sample: &[(Vec<f64>, Vec<f64>)], n_bins: usize) -> Vec<f64> {
    let mut total = vec![0.0; n_bins];
    for (nominal, _) in per_sample {
        for (t, n) in total.iter_mut().zip(nominal) {
            *t += n;
        }
    }
    let mut sum_sq = vec![0.0; n_bins];
    for (_, uncertainty) in per_sample {
        for b in 0..n_bins {
            if total[b] > 0.0 {
                let r = uncertainty[b] / total[b];
                sum_sq[b] += r * r;
            }
        }
    }
    sum_sq.into_iter().map(f64::sqrt).collect()
}

pub fn requirement(relative: &[f64]) -> Requirement {
    let n = relative.len();
    let fixed: Vec<bool> = relative.iter().map(|&s| s == 0.0).collect();
    let sigmas = relative.iter().map(|&s| if s == 0.0 { 1.0 } else { s }).collect();
    Requirement {
        constraint: ConstraintKind::Normal,
        n,
        is_scalar: false,
        inits: Setting::Value(uniform(1.0, n)),
        bounds: Setting::Value(uniform((1e-10, 10.0), n)),
        fixed: FixedDefault::PerComponent(fixed),
        auxdata: Setting::Value(uniform(1.0, n)),
        factors: Setting::Undefined,
        sigmas: Setting::Value(sigmas),
    }
}

/// Bin b of the channel (global main bin `channel_offset + b`) is scaled by the component of the
/// parameter set that covers that global bin: `covered` lists them in component order.
pub(crate) fn factor(offset: usize, covered: &[usize], channel_offset: usize, n_bins: usize) -> BinFactor {
    let pars = (0..n_bins)
        .map(|b| {
            offset
                + covered
                    .binary_search(&(channel_offset + b))
                    .expect("a staterror covers every bin of its channels")
        })
        .collect();
    BinFactor { pars }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_uncertainty_matches_pyhf_example() {
        // samples A = [10, 20, 0] ± [1, 2, 0] and B = [5, 0, 0] ± [2, 0, 0]
        let rel = super::relative_uncertainties(
            &[
                (vec![10.0, 20.0, 0.0], vec![1.0, 2.0, 0.0]),
                (vec![5.0, 0.0, 0.0], vec![2.0, 0.0, 0.0]),
            ],
            3,
        );
        assert!((rel[0] - 0.149071198499986).abs() < 1e-15);
        assert!((rel[1] - 0.1).abs() < 1e-16);
        assert_eq!(rel[2], 0.0);
    }
}
