//! napi-rs binding of histune-engine. Errors cross as JSON in the message
//! (`{"code","message","path","line","column"}`), which index.cjs turns into properties; panics are
//! caught and reported as E_INTERNAL so they never take the host process down.

mod infer;
mod model;
mod ntuple;
mod store;

use std::panic::{catch_unwind, AssertUnwindSafe};

use histune_engine::{EngineError, ErrorCode};
use napi_derive::napi;

pub(crate) fn to_napi(e: EngineError) -> napi::Error {
    let payload = serde_json::json!({
        "code": e.code.as_str(),
        "message": e.message,
        "path": e.path,
        "line": e.line,
        "column": e.column,
    });
    napi::Error::from_reason(payload.to_string())
}

/// Run `f`, turning a panic into an E_INTERNAL error.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, EngineError>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(to_napi),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(to_napi(EngineError::new(ErrorCode::Internal, format!("engine panic: {what}"))))
        }
    }
}

#[napi]
pub fn engine_version() -> String {
    histune_engine::VERSION.to_string()
}

/// Parse, validate and summarise a pyhf workspace (JSON text), for its first measurement or the
/// one named `measurement`.
#[napi(ts_return_type = "WorkspaceSummary")]
pub fn summarize_workspace(text: String, file_name: Option<String>, measurement: Option<String>) -> napi::Result<serde_json::Value> {
    guarded(|| {
        let summary = histune_engine::summarize_measurement(&text, file_name.as_deref(), measurement.as_deref())?;
        serde_json::to_value(summary).map_err(|e| EngineError::new(ErrorCode::Internal, e.to_string()))
    })
}
