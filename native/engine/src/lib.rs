//! Histune's HistFactory engine: pyhf 0.7.6 semantics in plain Rust.
//!
//! `spec` reads the workspace JSON, `config` validates it and lays out the model as pyhf does,
//! `summary` describes it for the UI.

pub mod config;
pub mod digest;
pub mod error;
pub mod fit;
mod hessian;
pub mod interpolation;
pub mod model;
pub mod modifiers;
pub mod paramset;
pub mod patch;
pub mod spec;
pub mod special;
pub mod summary;

pub use config::ModelConfig;
pub use error::{EngineError, ErrorCode, Result};
pub use fit::{FitOptions, FitResult, Fitter};
pub use patch::{apply_patch_text, apply_patchset_text, workspace_digest, JsonPatch, PatchSet};
pub use model::{Dataset, Evaluator, Model, ModelOptions, SampleYields};
pub use spec::{parse_workspace, ModifierType, Workspace};
pub use summary::{summarize, summarize_measurement, WorkspaceSummary};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
