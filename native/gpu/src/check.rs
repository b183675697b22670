//! The `histune gpu` self-check: list adapters, select one, compare the GPU path with the CPU
//! engine on a small generated model (NLL, gradient, batched fits), and report the planner's
//! decisions, as one JSON value.

use std::time::Instant;

use serde_json::{json, Value};

use histune_engine::{Dataset, FitOptions, Fitter};

use std::sync::Arc;

use crate::batch::{BatchEvaluator, CpuBatch, GpuBatch};
use crate::device::{list_adapters, DeviceRequest, GpuDevice};
use crate::fit::{fit_batch, fit_batch_refined, FitTask};
use crate::model::BatchModel;
use crate::planner::{BackendChoice, Planner};
use crate::precision::{f32_grad_bounds, f32_nll_bound};
use crate::shader::Precision;
use crate::synthetic::{self, Shape, SplitMix};

/// Outcome of `self_check`: `ok` is false only when a GPU result is outside its documented bound
/// (or the GPU path fails); no GPU at all is `ok` with `"fallback": "cpu"`.
pub struct SelfCheck {
    pub ok: bool,
    pub report: Value,
}

fn points(m: &BatchModel, n: usize) -> Vec<f64> {
    let init = m.model.suggested_init();
    let bounds = m.model.suggested_bounds();
    let mut rng = SplitMix::new(42);
    (0..n)
        .flat_map(|i| {
            init.iter().zip(&bounds).map(|(&x, &(lo, hi))| if i == 0 { x } else { rng.range((x - 1.2).max(lo + 1e-3), (x + 1.2).min(hi)) }).collect::<Vec<_>>()
        })
        .collect()
}

fn evaluate(ev: &mut dyn BatchEvaluator, data: &[Dataset], pars: &[f64], n_pars: usize) -> Result<(Vec<f64>, Vec<f64>), String> {
    let n = pars.len() / n_pars;
    let items: Vec<u32> = (0..n).map(|i| (i % data.len()) as u32).collect();
    let (mut nll, mut grad) = (vec![0.0; n], vec![0.0; pars.len()]);
    ev.set_datasets(data).map_err(|e| e.to_string())?;
    ev.nll_and_grad(pars, &items, &mut nll, &mut grad).map_err(|e| e.to_string())?;
    Ok((nll, grad))
}

/// Run the self-check (about a second on a GPU, a few on lavapipe).
pub fn self_check(choice: BackendChoice, request: &DeviceRequest) -> SelfCheck {
    let started = Instant::now();
    let adapters = list_adapters();
    let mut planner = Planner::new(choice, request);
    let m = match check_model() {
        Ok(m) => m,
        Err(e) => return SelfCheck { ok: false, report: json!({"adapters": adapters, "ok": false, "error": format!("check model: {e}")}) },
    };
    let np = m.n_pars();
    let mut data = vec![m.observed().clone()];
    data.extend(synthetic::toys(&m.model, &m.model.suggested_init(), 3, 1));
    let pars = points(&m, 64);
    let (cpu_nll, cpu_grad) = match evaluate(&mut CpuBatch::new(&m), &data, &pars, np) {
        Ok(r) => r,
        Err(e) => return SelfCheck { ok: false, report: json!({"adapters": adapters, "ok": false, "error": format!("CPU evaluation: {e}")}) },
    };

    let mut checks = Vec::new();
    let mut ok = true;
    let mut max_rel_diff = Value::Null;
    if let Some(device) = planner.device().cloned() {
        let precisions: Vec<Precision> = if device.has_f64() { vec![Precision::F64, Precision::F32] } else { vec![Precision::F32] };
        let mut fitter = Fitter::new(&m.model);
        let engine: Vec<f64> = data.iter().map(|d| fitter.fit(d, &FitOptions::default()).map(|r| r.nll).unwrap_or(f64::NAN)).collect();
        // The same lockstep fits on the CPU engine's evaluator: what the GPU fits must reproduce.
        // (The engine's `Fitter` may take another minimiser path to another local minimum; its
        // NLL is reported, not required.)
        let all: Vec<FitTask> = (0..data.len()).map(|d| FitTask { dataset: d as u32, ..Default::default() }).collect();
        let reference: Vec<f64> = match fit_batch(&mut CpuBatch::new(&m), &m, &data, &all, &Default::default()) {
            Ok(r) => r.results.iter().map(|r| r.nll).collect(),
            Err(e) => return SelfCheck { ok: false, report: json!({"adapters": adapters, "ok": false, "error": format!("CPU fits: {e}")}) },
        };
        for precision in precisions {
            let check = (|| -> Result<Value, String> {
                let mut gpu = GpuBatch::new(device.clone(), &m, precision).map_err(|e| e.to_string())?;
                let t = Instant::now();
                let (nll, grad) = evaluate(&mut gpu, &data, &pars, np)?;
                let eval_s = t.elapsed().as_secs_f64();
                let rel = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).abs() / x.abs().max(1.0)).fold(0.0, f64::max);
                let (rel_nll, rel_grad) = (rel(&cpu_nll, &nll), rel(&cpu_grad, &grad));
                let mut over_bound: f64 = 0.0;
                for i in 0..nll.len() {
                    let p = &pars[i * np..(i + 1) * np];
                    let d = &data[i % data.len()];
                    over_bound = over_bound.max((cpu_nll[i] - nll[i]).abs() / f32_nll_bound(&m.flat, p, d));
                    for (k, b) in f32_grad_bounds(&m.flat, p, d).iter().enumerate() {
                        over_bound = over_bound.max((cpu_grad[i * np + k] - grad[i * np + k]).abs() / (b + 1e-12 * cpu_grad[i * np + k].abs()));
                    }
                }
                let tasks: Vec<FitTask> = (0..data.len()).map(|d| FitTask { dataset: d as u32, ..Default::default() }).collect();
                // f32 fits stop at the f32 noise floor; they are finished in f64 on the CPU.
                let fits = match precision {
                    Precision::F64 => fit_batch(&mut gpu, &m, &data, &tasks, &Default::default()),
                    Precision::F32 => fit_batch_refined(&mut gpu, &mut CpuBatch::new(&m), &m, &data, &tasks, &Default::default()),
                }
                .map_err(|e| e.to_string())?;
                let fit_diff = fits.results.iter().zip(&reference).map(|(r, e)| (r.nll - e).abs()).fold(0.0, f64::max);
                let vs_engine = fits.results.iter().zip(&engine).map(|(r, e)| r.nll - e).fold(f64::NEG_INFINITY, f64::max);
                let all_converged = fits.results.iter().all(|r| r.converged);
                let passed = all_converged
                    && fit_diff <= 1e-8
                    && match precision {
                        Precision::F64 => rel_nll <= 1e-10 && rel_grad <= 1e-10,
                        Precision::F32 => over_bound <= 1.0,
                    };
                Ok(json!({
                    "precision": precision,
                    "items": nll.len(),
                    "max_rel_diff_nll": rel_nll,
                    "max_rel_diff_grad": rel_grad,
                    "max_error_over_f32_bound": (precision == Precision::F32).then_some(over_bound),
                    "fits": fits.results.len(),
                    "fits_finished_in": if precision == Precision::F32 { "cpu-f64" } else { "gpu-f64" },
                    "fits_converged": fits.results.iter().filter(|r| r.converged).count(),
                    "fits_max_abs_diff_nll": fit_diff,
                    "fits_max_nll_above_engine_fitter": vs_engine,
                    "fit_rounds": fits.rounds,
                    "eval_seconds": eval_s,
                    "ok": passed,
                }))
            })();
            match check {
                Ok(v) => {
                    ok &= v["ok"].as_bool().unwrap_or(false);
                    if max_rel_diff.is_null() {
                        max_rel_diff = json!(v["max_rel_diff_nll"].as_f64().unwrap_or(0.0).max(v["max_rel_diff_grad"].as_f64().unwrap_or(0.0)));
                    }
                    checks.push(v);
                }
                Err(e) => {
                    ok = false;
                    checks.push(json!({"precision": precision, "error": e, "ok": false}));
                }
            }
        }
    }
    let throughput = fit_throughput(&m, planner.device().cloned());
    let plans: Vec<Value> = [1usize, 100, 10_000]
        .iter()
        .map(|&b| {
            let p = planner.plan(&m, b);
            json!({"batch": b, "backend": p.backend, "reason": p.reason})
        })
        .collect();
    let selected = planner.device().map(|d| d.adapter.clone());
    let out = json!({
        "adapters": adapters,
        "selected": selected,
        "f64": planner.device().map(|d| d.has_f64()).unwrap_or(false),
        "backend_choice": choice,
        "fallback": planner.device().is_none().then_some("cpu"),
        "note": planner.note,
        "model": {"n_pars": np, "n_main": m.model.n_main(), "sample_bins": m.n_sample_bins()},
        "max_rel_diff": max_rel_diff,
        "fits_per_second": throughput,
        "checks": checks,
        "plans": plans,
        "crossovers": planner.crossovers(),
        "ok": ok,
        "elapsed_s": started.elapsed().as_secs_f64(),
    });
    SelfCheck { ok, report: out }
}

/// The self-check's model: 2 channels × 8 bins, every modifier type.
fn check_model() -> Result<BatchModel, String> {
    let ws = synthetic::workspace(Shape { channels: 2, bins: 8, backgrounds: 2, shapefactor: false }, 7);
    BatchModel::from_text(&ws.to_string(), Default::default()).map_err(|e| e.to_string())
}

/// Only the self-check's fits/s (`{fits, cpu, gpu}`), for a status line: a fraction of a second.
pub fn throughput(device: Option<Arc<GpuDevice>>) -> Value {
    match check_model() {
        Ok(m) => fit_throughput(&m, device),
        Err(e) => json!({ "error": e }),
    }
}

/// Toy fits in this many lockstep fits per back end for the self-check's fits/s.
const THROUGHPUT_FITS: usize = 64;

/// Fits per second of `THROUGHPUT_FITS` toy fits of the check model, on the CPU (lockstep over the
/// engine on all cores) and on the GPU (f64 where offered, else f32 finished in f64 on the CPU).
/// A small model and batch: below the crossover on most machines, so a floor, not a benchmark.
fn fit_throughput(m: &BatchModel, device: Option<Arc<GpuDevice>>) -> Value {
    let toys = synthetic::toys(&m.model, &m.model.suggested_init(), THROUGHPUT_FITS, 11);
    let tasks: Vec<FitTask> = (0..toys.len()).map(|d| FitTask { dataset: d as u32, ..Default::default() }).collect();
    let rate = |run: &mut dyn FnMut() -> Result<usize, String>| -> Value {
        let t = Instant::now();
        match run() {
            Ok(n) => json!(n as f64 / t.elapsed().as_secs_f64().max(1e-9)),
            Err(e) => json!({ "error": e }),
        }
    };
    let cpu = rate(&mut || fit_batch(&mut CpuBatch::new(m), m, &toys, &tasks, &Default::default()).map(|r| r.results.len()).map_err(|e| e.to_string()));
    let gpu = device.map(|device| {
        let precision = if device.has_f64() { Precision::F64 } else { Precision::F32 };
        let mut gpu = match GpuBatch::new(device.clone(), m, precision) {
            Ok(g) => g,
            Err(e) => return json!({ "error": e.to_string() }),
        };
        // Pipeline creation is outside the timed part; the first dispatch is inside.
        rate(&mut || {
            let report = match precision {
                Precision::F64 => fit_batch(&mut gpu, m, &toys, &tasks, &Default::default()),
                Precision::F32 => fit_batch_refined(&mut gpu, &mut CpuBatch::new(m), m, &toys, &tasks, &Default::default()),
            };
            report.map(|r| r.results.len()).map_err(|e| e.to_string())
        })
    });
    json!({ "fits": THROUGHPUT_FITS, "cpu": cpu, "gpu": gpu })
}
