//! Impact ranking with its refits on a chosen device (histune-gpu's `ranking`), on the libuv pool
//! like the other GPU calls: the planner shared with them decides CPU or GPU from the measured
//! crossover for this model and the ranking's batch of refits; a missing or failing adapter runs
//! the refits on the CPU with a note.

use histune_engine::EngineError;
use histune_gpu::ranking::{rank_cpu, rank_planned, ranking_batch_size};
use histune_gpu::BackendChoice;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::gpu::{batch_model, choice, last_run, planned, task, with_device, GpuTask};
use crate::infer::{prepare, to_json, InferenceOptions, ModelSource, Source};

/// `inferRanking` with the refits (2–4 per nuisance parameter, the parameter held at ±1σ post-fit
/// and pre-fit) on `device`: 'cpu' (one engine fit per refit on all cores), 'gpu' (one lockstep
/// batch on the GPU) or 'auto' (the planner's measured crossover). The free fit and its
/// uncertainties run on the CPU either way. The GPU path needs workspace text (it lays the model
/// out again); a compiled Model runs on the CPU with a note. The result carries `device`.
#[napi(ts_return_type = "Promise<RankingReport & { device: RankingDevice }>")]
pub fn infer_ranking_on(model: ModelSource<'_>, device: String, options: Option<InferenceOptions>) -> AsyncTask<GpuTask> {
    let options = options.unwrap_or_default();
    let source = Source::of(model);
    task(move || {
        let requested = choice(Some(&device))?;
        let text = match &source {
            Source::Text(text) => Some(text.clone()),
            Source::Compiled(_) => None,
        };
        let p = prepare(source, options)?;
        let top_n = p.options.top_n.map(|n| n as usize);
        let cpu_only = |reason: String| -> Result<Value, EngineError> {
            let (ranking, device) = rank_cpu(requested, reason, &p.model, &p.setup, top_n, p.data.as_deref())?;
            let device = to_json(device)?;
            record_ranking(&device);
            Ok(with_device(to_json(ranking)?, device))
        };
        if requested == BackendChoice::Cpu {
            return cpu_only("CPU forced".into());
        }
        let Some(text) = text else {
            return cpu_only("the GPU path needs workspace text; a compiled Model runs on the CPU".into());
        };
        let batch_model = batch_model(&text, &p.options)?;
        let (plan, evaluator, adapter) = planned(requested, &batch_model, ranking_batch_size(&batch_model.model, &p.setup));
        let (ranking, device) = rank_planned(requested, &plan, evaluator, adapter, &batch_model, &p.setup, top_n, p.data.as_deref())?;
        let device = to_json(device)?;
        record_ranking(&device);
        Ok(with_device(to_json(ranking)?, device))
    })
}

fn record_ranking(device: &Value) {
    *last_run() = Some(json!({ "what": "ranking", "backend": device["backend"], "fitsPerSecond": device["fitsPerSecond"], "fits": device["fits"] }));
}
