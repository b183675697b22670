//! histosys: a shape uncertainty, an additive change Δ(α) of every bin interpolated between the
//! templates `lo_data` (α = −1) and `hi_data` (α = +1), unit Gaussian constraint on α.
//! Default interpolation: code4p. Shares its parameter set with a normsys of the same name.

use crate::interpolation::InterpCode;
use crate::model::HistoSysTerm;
use crate::paramset::Requirement;

pub fn requirement() -> Requirement {
    super::normsys::requirement()
}

/// Adds Δ_b(α) to each bin, interpolated between [lo_data, nominal, hi_data].
pub(crate) fn term(par: usize, nominal: &[f64], lo_data: &[f64], hi_data: &[f64], code: InterpCode) -> HistoSysTerm {
    HistoSysTerm {
        par,
        code,
        up: hi_data.iter().zip(nominal).map(|(hi, nom)| hi - nom).collect(),
        down: nominal.iter().zip(lo_data).map(|(nom, lo)| nom - lo).collect(),
    }
}
