//! normfactor: a free, unconstrained scale factor of a sample (e.g. the signal strength μ).

use crate::model::ScalarFactor;
use crate::paramset::{ConstraintKind, FixedDefault, Requirement, Setting};

pub fn requirement() -> Requirement {
    Requirement {
        constraint: ConstraintKind::Unconstrained,
        n: 1,
        is_scalar: true,
        inits: Setting::Value(vec![1.0]),
        bounds: Setting::Value(vec![(0.0, 10.0)]),
        fixed: FixedDefault::All(false),
        auxdata: Setting::Undefined,
        factors: Setting::Undefined,
        sigmas: Setting::Undefined,
    }
}

/// Scales the whole sample by the parameter.
pub(crate) fn factor(par: usize) -> ScalarFactor {
    ScalarFactor::Parameter(par)
}
