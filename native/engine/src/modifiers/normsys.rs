//! normsys: a normalisation uncertainty, κ(α) interpolated between the factors `lo` (α = −1) and
//! `hi` (α = +1) with a unit Gaussian constraint on α. Default interpolation: code4.

use crate::interpolation::{InterpCode, Interpolation};
use crate::model::ScalarFactor;
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

/// Scales the whole sample by κ(α), interpolated between [lo, 1, hi].
pub(crate) fn factor(par: usize, lo: f64, hi: f64, code: InterpCode) -> Result<ScalarFactor, String> {
    if code == InterpCode::Code4 && (lo <= 0.0 || hi <= 0.0) {
        return Err(format!(
            "a zero factor (lo = {lo}, hi = {hi}) cannot be interpolated with code4 (log of 0)"
        ));
    }
    Ok(ScalarFactor::NormSys {
        par,
        interp: Interpolation::new(code, lo, 1.0, hi),
    })
}
