//! Binding of histune-gpu: the Vulkan adapters, the self-check behind `histune gpu`, the status the
//! app shows, and toys on a chosen device. Everything runs on the libuv pool: opening a Vulkan
//! device, building pipelines and dispatching take from milliseconds to seconds. A missing or
//! failing adapter never fails a call: the work runs on the CPU and the reason comes back as a note.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use histune_engine::interpolation::InterpCode;
use histune_engine::{EngineError, ModelOptions};
use histune_gpu::check::{self_check, throughput};
use histune_gpu::toys::{toy_batch_size, toys_cpu, toys_planned};
use histune_gpu::{list_adapters, BackendChoice, BatchModel, DeviceRequest, FallbackEvaluator, GpuDevice, Plan, Planner};
use histune_infer::ToyOptions;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use serde_json::{json, Value};

use crate::infer::{prepare, test_stat, to_json, InferenceOptions, JsonObject, ModelSource, Source};

/// The planner every call shares: the device is opened once per process and the measured
/// crossovers are kept. Locked only to plan, never while a batch runs.
pub(crate) fn planner() -> MutexGuard<'static, Planner> {
    static PLANNER: OnceLock<Mutex<Planner>> = OnceLock::new();
    PLANNER.get_or_init(|| Mutex::new(Planner::new(BackendChoice::Auto, &DeviceRequest::new()))).lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared planner's plan for a batch of `batch` items of `model` under `requested`, the
/// evaluator it chose (which falls back to the CPU itself) and the adapter's name.
pub(crate) fn planned(requested: BackendChoice, model: &BatchModel, batch: usize) -> (Plan, FallbackEvaluator<'_>, Option<String>) {
    let mut planner = planner();
    planner.choice = requested;
    let plan = planner.plan(model, batch);
    let evaluator = planner.evaluator(model, &plan);
    (plan, evaluator, planner.device().map(|d| d.adapter.name.clone()))
}

/// The last toy run's, ranking's or self-check's throughput, for the app's status line.
pub(crate) fn last_run() -> MutexGuard<'static, Option<Value>> {
    static LAST: Mutex<Option<Value>> = Mutex::new(None);
    LAST.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn choice(device: Option<&str>) -> Result<BackendChoice, EngineError> {
    match device.unwrap_or("auto") {
        "auto" => Ok(BackendChoice::Auto),
        "cpu" => Ok(BackendChoice::Cpu),
        "gpu" => Ok(BackendChoice::Gpu),
        other => Err(EngineError::bad_request(format!("unknown device '{other}'; use auto, cpu or gpu"))),
    }
}

type Job = Box<dyn FnOnce() -> Result<Value, EngineError> + Send>;

pub struct GpuTask {
    job: Option<Job>,
}

impl Task for GpuTask {
    type Output = Value;
    type JsValue = JsonObject;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let job = self.job.take().ok_or_else(|| napi::Error::from_reason("GPU task already ran"))?;
        crate::guarded(job)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(JsonObject(output))
    }
}

pub(crate) fn task(job: impl FnOnce() -> Result<Value, EngineError> + Send + 'static) -> AsyncTask<GpuTask> {
    AsyncTask::new(GpuTask { job: Some(Box::new(job)) })
}

/// Every Vulkan adapter wgpu finds (empty without a loader or driver).
#[napi(ts_return_type = "Promise<GpuAdapter[]>")]
pub fn gpu_adapters() -> AsyncTask<GpuTask> {
    task(|| to_json(list_adapters()))
}

/// `histune gpu`: adapters, the selected one, the GPU path against the CPU engine on a small
/// model (`max_rel_diff`, `ok`), fits per second and the planner's choices. `device` forces a side
/// ('auto' by default, as `HISTUNE_BACKEND`).
#[napi(ts_return_type = "Promise<GpuSelfCheck>")]
pub fn gpu_self_check(device: Option<String>) -> AsyncTask<GpuTask> {
    task(move || {
        let choice = match device.as_deref() {
            Some(d) => choice(Some(d))?,
            None => BackendChoice::from_env(),
        };
        let check = self_check(choice, &DeviceRequest::new());
        let report = check.report;
        let fits = &report["fits_per_second"];
        let (backend, rate) = match fits["gpu"].as_f64() {
            Some(r) => (if report["f64"].as_bool() == Some(true) { "gpu-f64" } else { "gpu-f32" }, Some(r)),
            None => ("cpu", fits["cpu"].as_f64()),
        };
        if let Some(rate) = rate {
            *last_run() = Some(json!({ "what": "self-check", "backend": backend, "fitsPerSecond": rate, "fits": fits["fits"] }));
        }
        Ok(report)
    })
}

/// Fits/s of the adapter in use (else of the CPU) on the self-check's model, for the status line.
fn calibrate(device: Option<Arc<GpuDevice>>) -> Option<Value> {
    let f64 = device.as_ref().map(|d| d.has_f64());
    let rates = throughput(device);
    let (backend, rate) = match (f64, rates["gpu"].as_f64()) {
        (Some(true), Some(r)) => ("gpu-f64", r),
        (Some(false), Some(r)) => ("gpu-f32", r),
        _ => ("cpu", rates["cpu"].as_f64()?),
    };
    Some(json!({ "what": "calibration", "backend": backend, "fitsPerSecond": rate, "fits": rates["fits"] }))
}

/// What the app shows: the adapter in use (name, backend, f64) or why there is none, and the
/// throughput of the last toy run or self-check in this process (a short calibration on the
/// self-check's model the first time, when nothing has run yet).
#[napi(ts_return_type = "Promise<GpuStatus>")]
pub fn gpu_status() -> AsyncTask<GpuTask> {
    task(|| {
        let adapters = list_adapters();
        let device = planner().device().cloned();
        if last_run().is_none() {
            let measured = calibrate(device.clone());
            last_run().get_or_insert_with(|| measured.unwrap_or(Value::Null));
        }
        let planner = planner();
        let selected = planner.device().map(|d| {
            json!({
                "name": d.adapter.name,
                "backend": d.adapter.backend,
                "deviceType": d.adapter.device_type,
                "driver": d.adapter.driver,
                "f64": d.has_f64(),
            })
        });
        Ok(json!({
            "adapters": adapters.iter().map(|a| json!({"name": a.name, "backend": a.backend, "deviceType": a.device_type, "f64": a.f64})).collect::<Vec<_>>(),
            "selected": selected,
            "note": planner.note,
            "lastRun": last_run().clone().filter(|v| !v.is_null()),
        }))
    })
}

/// Pseudo-experiments as `inferToys`, with the toy fits on `device`: 'cpu' (the engine per toy on
/// all cores), 'gpu' (lockstep batches on the GPU) or 'auto' (the planner's measured crossover for
/// this model and batch). The GPU path needs workspace text (it lays the model out again); a
/// compiled Model runs on the CPU with a note. The result carries `device`: what ran, and why.
#[napi(ts_return_type = "Promise<ToysReport & { device: ToyDevice }>")]
pub fn infer_toys_on(model: ModelSource<'_>, mu: f64, device: String, options: Option<InferenceOptions>) -> AsyncTask<GpuTask> {
    let options = options.unwrap_or_default();
    let source = Source::of(model);
    task(move || {
        let requested = choice(Some(&device))?;
        let text = match &source {
            Source::Text(text) => Some(text.clone()),
            Source::Compiled(_) => None,
        };
        let p = prepare(source, options)?;
        let seed = p.options.seed.unwrap_or(0);
        if seed < 0 {
            return Err(EngineError::bad_request(format!("the seed must be a non-negative integer, got {seed}")));
        }
        let toy_options = ToyOptions { n_toys: p.options.n_toys.unwrap_or(1000) as usize, seed: seed as u64, test_stat: test_stat(&p.options)? };
        let cpu_only = |reason: String| -> Result<Value, EngineError> {
            let (result, device) = toys_cpu(requested, reason, &p.model, &p.setup, mu, &toy_options, p.data.as_deref())?;
            let device = to_json(device)?;
            record_toys(&device);
            Ok(with_device(to_json(result)?, device))
        };
        if requested == BackendChoice::Cpu {
            return cpu_only("CPU forced".into());
        }
        let Some(text) = text else {
            return cpu_only("the GPU path needs workspace text; a compiled Model runs on the CPU".into());
        };
        let batch_model = batch_model(&text, &p.options)?;
        let (plan, evaluator, adapter) = planned(requested, &batch_model, toy_batch_size(toy_options.n_toys));
        let (result, device) = toys_planned(requested, &plan, evaluator, adapter, &batch_model, &p.setup, mu, &toy_options, p.data.as_deref())?;
        let device = to_json(device)?;
        record_toys(&device);
        Ok(with_device(to_json(result)?, device))
    })
}

/// The same model once more, with its flat layout for the GPU (`prepare` compiled the first).
pub(crate) fn batch_model(text: &str, options: &InferenceOptions) -> Result<BatchModel, EngineError> {
    let codes = options.interpcodes.clone().unwrap_or_default();
    let code = |s: &Option<String>, default| s.as_deref().map(InterpCode::parse).transpose().map(|c| c.unwrap_or(default));
    let model_options = ModelOptions {
        measurement: options.measurement.clone(),
        normsys_code: code(&codes.normsys, InterpCode::Code4)?,
        histosys_code: code(&codes.histosys, InterpCode::Code4p)?,
    };
    BatchModel::from_text(text, model_options)
}

fn record_toys(device: &Value) {
    *last_run() = Some(json!({ "what": "toys", "backend": device["backend"], "fitsPerSecond": device["fitsPerSecond"], "fits": device["toyFits"] }));
}

pub(crate) fn with_device(mut report: Value, device: Value) -> Value {
    if let Value::Object(map) = &mut report {
        map.insert("device".into(), device);
    }
    report
}
