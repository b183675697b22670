//! lumi: one Gaussian-constrained luminosity factor. pyhf gives it no defaults: the measurement
//! config must supply inits, bounds and auxdata (and usually sigmas; without them σ = 1).

use crate::model::ScalarFactor;
use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

pub fn requirement() -> Requirement {
    Requirement {
        constraint: ConstraintKind::Normal,
        n: 1,
        is_scalar: true,
        inits: Setting::Missing,
        bounds: Setting::Missing,
        fixed: FixedDefault::All(false),
        auxdata: Setting::Missing,
        factors: Setting::Undefined,
        sigmas: Setting::Missing,
    }
}

/// Scales the whole sample by the parameter.
pub(crate) fn factor(par: usize) -> ScalarFactor {
    ScalarFactor::Parameter(par)
}
