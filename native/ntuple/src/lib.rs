//! ROOT ntuples for Histune: read flat TTree branches into columns, apply weight and selection
//! expressions, and fill weighted histograms (Σw, Σw², counts) at any binning in O(n_bins·log n).

pub mod columns;
pub mod error;
pub mod events;
pub mod expr;

pub use columns::TreeColumns;
pub use error::{ExpressionError, NtupleError, Result};
pub use events::{check_edges, uniform_edges, BinContent, Histogram, SampleSpec, WeightedEvents};
pub use expr::{ColumnSource, Expression};
