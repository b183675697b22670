//! normsys: a normalisation uncertainty, κ(α) interpolated between the factors `lo` (α = −1) and
//! `hi` (α = +1) with a unit Gaussian constraint on α. Default interpolation: code4.

use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

pub fn requirement() -> Requirement {
    Requirement {
        constraint: ConstraintKind::Normal,
        n: 1,
        is_scalar: true,
        inits: Setting::Value(vec![0.0]),
        bounds: Setting::Value(vec![(-5.0, 5.0)]),
        fixed: FixedDefault::All(false),
        auxdata: Setting::Value(vec![0.0]),
        factors: Setting::Undefined,
        sigmas: Setting::Undefined,
    }
}
