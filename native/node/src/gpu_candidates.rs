//! Binding of histune-gpu's candidate batches: the discovery test statistic (q0 at μ = 0) of many
//! candidate binnings in one call, grouped by structure, each group on the planner's device
//! (lockstep batch on the GPU, or the per-trial CPU path on all cores). Runs on the libuv pool;
//! a candidate's failure is its own result, a missing or failing GPU a note.

use histune_gpu::candidates::{candidate_batch_size, discovery_auto, discovery_planned, group_by_structure, CandidateDevice};
use histune_gpu::BatchModel;
use histune_infer::{test_statistic, TestStatistic};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::gpu::{batch_model, choice, planner, task, GpuTask};
use crate::infer::{prepare, to_json, InferenceOptions, Source};

fn error_entry(e: impl std::fmt::Display) -> Value {
    json!({ "error": e.to_string() })
}

/// `inferTestStatistic(text, 0, { testStat: 'q0' })` for every workspace text, with the fits of
/// candidates of one structure (same channels, bins, samples, modifiers) batched on `device`:
/// 'cpu', 'gpu' or 'auto' (the planner's measured crossover for the model size and batch, then the
/// expected cost per fit: one engine Z0 timed against a lockstep pilot, in each group's `estimate`). Only
/// `measurement` and `interpcodes` of `options` apply. Resolves to `{ results, device }`: per text
/// the TestStatisticReport or `{ error }`, and where each group ran.
#[napi(ts_return_type = "Promise<CandidateDiscoveryBatch>")]
pub fn infer_discovery_batch(texts: Vec<String>, device: String, options: Option<InferenceOptions>) -> AsyncTask<GpuTask> {
    let options = options.unwrap_or_default();
    task(move || {
        let requested = choice(Some(&device))?;
        let options = InferenceOptions { measurement: options.measurement, interpcodes: options.interpcodes, ..Default::default() };
        let models: Vec<Option<BatchModel>> = texts.iter().map(|t| batch_model(t, &options).ok()).collect();
        let mut results: Vec<Value> = vec![Value::Null; texts.len()];
        // Texts without a GPU layout (or that do not compile): the per-trial path, which reports
        // the engine's own error.
        for (i, m) in models.iter().enumerate() {
            if m.is_none() {
                results[i] = prepare(Source::Text(texts[i].clone()), options.clone())
                    .and_then(|p| test_statistic(&p.model, &p.setup, TestStatistic::Q0, 0.0, None))
                    .and_then(to_json)
                    .unwrap_or_else(error_entry);
            }
        }
        let refs: Vec<Option<&BatchModel>> = models.iter().map(Option::as_ref).collect();
        let mut groups = Vec::new();
        let (mut adapter, mut note) = (None, None);
        for group in group_by_structure(&refs) {
            let members: Vec<&BatchModel> = group.iter().map(|&i| refs[i].expect("grouped models compiled")).collect();
            let (plan, device, costs) = {
                let mut planner = planner();
                planner.choice = requested;
                let plan = planner.plan(members[0], candidate_batch_size(members.len()));
                adapter = planner.device().map(|d| d.adapter.name.clone());
                note = planner.note.clone();
                let costs = planner.auto_costs(members[0], &plan);
                (plan, planner.device().cloned(), costs)
            };
            // `auto`: a group the evaluations send to the GPU is decided again per fit.
            let (out, run) = match costs {
                Some(costs) => discovery_auto(&plan, device, &members, &costs),
                None => discovery_planned(&plan, device, &members),
            };
            for (i, r) in group.into_iter().zip(out) {
                results[i] = r.and_then(to_json).unwrap_or_else(error_entry);
            }
            groups.push(run);
        }
        let device = CandidateDevice { requested, adapter, note, groups };
        Ok(json!({ "results": results, "device": to_json(device)? }))
    })
}
