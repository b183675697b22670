//! histosys: a shape uncertainty, an additive change Δ(α) of every bin interpolated between the
//! templates `lo_data` (α = −1) and `hi_data` (α = +1), unit Gaussian constraint on α.
//! Default interpolation: code4p. Shares its parameter set with a normsys of the same name.

use crate::paramset::Requirement;

pub fn requirement() -> Requirement {
    super::normsys::requirement()
}
