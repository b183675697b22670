//! napi-rs binding of histune-engine. Errors cross as JSON in the message
//! (`{"code","message","path","line","column"}`), which index.cjs turns into properties; panics are
//! caught and reported as E_INTERNAL so they never take the host process down.

mod gpu;
mod gpu_candidates;
mod gpu_ranking;
mod infer;
mod model;
mod ntuple;
mod parzen;
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

/// Apply a JSON Patch (RFC 6902, JSON text) to workspace text; returns the patched workspace text.
#[napi]
pub fn apply_patch(text: String, patch_text: String) -> napi::Result<String> {
    guarded(|| histune_engine::apply_patch_text(&text, &patch_text))
}

/// Verify a pyhf patchset against workspace text (its digests) and apply the patch `name`;
/// returns the patched workspace text.
#[napi]
pub fn apply_patchset(text: String, patchset_text: String, name: String) -> napi::Result<String> {
    guarded(|| histune_engine::apply_patchset_text(&text, &patchset_text, &name))
}

/// pyhf's `utils.digest` of workspace text (algorithm 'sha256', the default, or 'md5').
#[napi]
pub fn workspace_digest(text: String, algorithm: Option<String>) -> napi::Result<String> {
    guarded(|| {
        let value = histune_engine::patch::parse_json(&text, "workspace")?;
        histune_engine::workspace_digest(&value, algorithm.as_deref().unwrap_or("sha256"))
    })
}

/// The metadata of a pyhf patchset and the name and values of each patch.
#[napi(ts_return_type = "PatchSetInfo")]
pub fn describe_patchset(patchset_text: String) -> napi::Result<serde_json::Value> {
    guarded(|| {
        let set = histune_engine::PatchSet::parse(&patchset_text)?;
        Ok(serde_json::json!({
            "description": set.description,
            "labels": set.labels,
            "digests": set.digests.iter().map(|(a, d)| (a.clone(), serde_json::Value::String(d.clone()))).collect::<serde_json::Map<_, _>>(),
            "references": set.references,
            "version": set.version,
            "patches": set.patches.iter().map(|p| serde_json::json!({"name": p.name, "values": p.values, "operations": p.patch.len()})).collect::<Vec<_>>(),
        }))
    })
}
