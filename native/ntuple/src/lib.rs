//! ROOT ntuples for Histune: read flat TTree branches into columns, apply weight and selection
//! expressions, and fill weighted histograms (Σw, Σw², counts) at any binning in O(n_bins·log n).
//! `list_contents` and `summarize` are what the studio's ROOT browser shows of a dropped file.

pub mod columns;
pub mod contents;
pub mod error;
pub mod events;
pub mod expr;
pub mod summary;

pub use columns::{TreeColumns, READABLE_TYPES};
pub use contents::{list_contents, BranchInfo, FileContents, KeyInfo, TreeInfo};
pub use error::{ExpressionError, NtupleError, Result};
pub use events::{check_edges, uniform_edges, BinContent, Histogram, SampleSpec, WeightedEvents};
pub use expr::{ColumnSource, Expression};
pub use summary::{summarize, BranchSummary, MAX_SUMMARY_BINS};
