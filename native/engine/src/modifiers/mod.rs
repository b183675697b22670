//! One module per HistFactory modifier: the parameter set it asks for and how it changes yields.

pub mod histosys;
pub mod lumi;
pub mod normfactor;
pub mod normsys;
pub mod shapefactor;
pub mod shapesys;
pub mod staterror;

pub(crate) fn uniform<T: Clone>(value: T, n: usize) -> Vec<T> {
    vec![value; n]
}
