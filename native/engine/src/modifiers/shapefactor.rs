//! shapefactor: one free, unconstrained factor per bin. pyhf couples a shapefactor shared by several
//! channels bin index by bin index: bin k of every channel uses component k.

use super::uniform;
use crate::model::BinFactor;
use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

pub fn requirement(n_bins: usize) -> Requirement {
    Requirement {
        constraint: ConstraintKind::Unconstrained,
        n: n_bins,
        is_scalar: false,
        inits: Setting::Value(uniform(1.0, n_bins)),
        bounds: Setting::Value(uniform((0.0, 10.0), n_bins)),
        fixed: FixedDefault::All(false),
        auxdata: Setting::Undefined,
        factors: Setting::Undefined,
        sigmas: Setting::Undefined,
    }
}

/// Bin k of the channel is scaled by component k.
pub(crate) fn factor(offset: usize, n_bins: usize) -> BinFactor {
    BinFactor {
        pars: (0..n_bins).map(|b| offset + b).collect(),
    }
}
