#![allow(dead_code)]

use std::sync::Arc;

use histune_engine::interpolation::InterpCode;
use histune_engine::ModelOptions;
use histune_gpu::synthetic::{self, Shape, SplitMix};
use histune_gpu::{BatchModel, DeviceRequest, GpuDevice};


/// The open device, or `None` (with the reason printed) when Vulkan offers no adapter at all.
/// Any other failure to open one is a test failure.
pub fn device() -> Option<Arc<GpuDevice>> {
    if histune_gpu::list_adapters().is_empty() {
        eprintln!("SKIPPED: no Vulkan adapter (install mesa-vulkan-drivers for lavapipe)");
        return None;
    }
    Some(Arc::new(GpuDevice::open(&DeviceRequest::new()).expect("an adapter is listed, so it must open")))
}

/// The shared fixtures folder, as the engine's tests find it: $HISTUNE_FIXTURES, else
/// `../shared/fixtures` beside the project root.
fn fixture_path() -> std::path::PathBuf {
    let dir = std::env::var_os("HISTUNE_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
    dir.join("pyhf-validation/cases.json")
}

/// Every pyhf validation case, compiled with the case's interpolation codes.
pub fn fixture_models() -> Vec<(String, BatchModel)> {
    let text = std::fs::read_to_string(fixture_path()).unwrap_or_else(|e| panic!("cannot read {}: {e} (set HISTUNE_FIXTURES)", fixture_path().display()));
    let cases: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
    let cases = cases.as_object().expect("fixture object");
    assert!(!cases.is_empty());
    cases
        .iter()
        .map(|(name, case)| {
            let ws = match &case["workspace"] {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let mut options = ModelOptions::default();
            if let Some(code) = case["modifier_settings"]["normsys"].as_str() {
                options.normsys_code = InterpCode::parse(code).unwrap();
            }
            if let Some(code) = case["modifier_settings"]["histosys"].as_str() {
                options.histosys_code = InterpCode::parse(code).unwrap();
            }
            (name.clone(), BatchModel::from_text(&ws, options).unwrap_or_else(|e| panic!("{name}: {e}")))
        })
        .collect()
}

/// Generated models covering every modifier and every interpolation code.
pub fn generated_models() -> Vec<(String, BatchModel)> {
    let shapes = [
        Shape { channels: 1, bins: 3, backgrounds: 1, shapefactor: false },
        Shape { channels: 2, bins: 10, backgrounds: 2, shapefactor: true },
        Shape { channels: 3, bins: 40, backgrounds: 3, shapefactor: false },
    ];
    let codes = [(InterpCode::Code4, InterpCode::Code4p), (InterpCode::Code1, InterpCode::Code0), (InterpCode::Code4, InterpCode::Code2)];
    let mut out = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        for &(normsys_code, histosys_code) in &codes {
            let ws = synthetic::workspace(*shape, 17 + i as u64);
            let options = ModelOptions { normsys_code, histosys_code, ..Default::default() };
            let name = format!("{}x{}x{} {}/{}", shape.channels, shape.bins, shape.backgrounds + 1, normsys_code.as_str(), histosys_code.as_str());
            out.push((name, BatchModel::from_text(&ws.to_string(), options).unwrap()));
        }
    }
    out
}

/// `n` parameter vectors: the suggested init, then points spread over [init − 1.5, init + 1.5]
/// within the bounds (so that every interpolation branch, |α| > 1 included, is visited).
pub fn points(model: &BatchModel, n: usize, seed: u64) -> Vec<f64> {
    let init = model.model.suggested_init();
    let bounds = model.model.suggested_bounds();
    let mut rng = SplitMix::new(seed);
    let mut out = init.clone();
    for _ in 1..n {
        for (i, &x) in init.iter().enumerate() {
            let (lo, hi) = bounds[i];
            let half = if x == 0.0 { 1.5 } else { 0.3 };
            let v = rng.range((x - half).max(lo + 1e-3 * (hi - lo)), (x + half).min(hi));
            out.push(v);
        }
    }
    out
}
