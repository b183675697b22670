//! Throughput of toy fits (and of bare NLL+gradient evaluations) on the CPU (rayon, all cores,
//! one engine `Fitter` per fit) and on the GPU (lockstep batched fits), across batch sizes and
//! model sizes. JSON on stdout, progress on stderr.
//!
//!   gpu_bench [--models small,medium,large] [--batches 1,10,100,1000,10000]
//!             [--precisions f64,f32] [--budget-s 60] [--deadline-s 600] [--adapter NAME]
//!             [--toys 200] [--toy-models small,medium]
//!             [--candidates 2,8,32,128] [--candidate-models small,medium]
//!
//! `seconds` and `fits_per_s` time the fits alone (GPU: pipeline creation and dataset upload
//! included); `evals_per_s` is one batched NLL+gradient call of `batch` points.
//! A cell whose estimated time (from the previous batch size) exceeds the per-cell budget, or would
//! end after the overall deadline, is skipped and marked so; nothing is extrapolated into the
//! results. Backends: "cpu" (rayon, one engine fit per toy), "gpu-f64", "gpu-f32" (f32 to its
//! noise floor, fits end unconverged), "gpu-f32+f64" (f32 then f64 refinement on the GPU).
//!
//! Also per model: `crossovers` — the smallest measured batch at which each GPU back end's fits/s
//! reach the CPU's (null: never among the measured batches) and the planner's own crossover from
//! its evaluation timing (`Planner::measure`); and with `--toys N` (default 200, 0 to skip) a
//! toy-based discovery test (q0, N toys per hypothesis, same seed) through the CPU path
//! (histune-infer, one engine fit per toy on all cores) and the GPU path (lockstep batches), with
//! both p0 values.
//!
//! `candidates`: Z0 (q0 at μ = 0, free and conditional fit) of M candidate binnings of one
//! structure (generated workspaces of one shape, other yields and data per seed), for each M of
//! `--candidates` (0 to skip): `cpu` is the per-trial path (histune-infer's `test_statistic` per
//! candidate on all cores), `gpu-f64`/`gpu-f32` one lockstep batch of all candidates
//! (`candidates::discovery_planned`; f32 fits finished in f64 on the CPU), pipeline creation and
//! upload included, with the largest |Δq0| against the CPU.

use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Value};

use histune_engine::{FitOptions, Fitter};
use histune_gpu::candidates::{discovery_cpu, discovery_planned};
use histune_gpu::synthetic::{self, Shape};
use histune_gpu::toys::{toys_cpu, toys_on};
use histune_gpu::{
    fit_batch, fit_batch_refined, list_adapters, Backend, BackendChoice, BatchEvaluator, BatchModel, CpuBatch, DeviceRequest, FitTask, GpuBatch, GpuDevice, Plan, Planner, Precision,
};
use histune_infer::{Setup, TestStatistic, ToyOptions};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().rposition(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
}

fn shape(name: &str) -> Option<Shape> {
    match name {
        "small" => Some(Shape { channels: 1, bins: 10, backgrounds: 1, shapefactor: false }),
        "medium" => Some(Shape { channels: 4, bins: 25, backgrounds: 3, shapefactor: false }),
        "large" => Some(Shape { channels: 8, bins: 100, backgrounds: 5, shapefactor: false }),
        _ => None,
    }
}

/// Evaluations of `batch` points, best of three.
fn eval_rate(ev: &mut dyn BatchEvaluator, m: &BatchModel, batch: usize) -> Result<f64, String> {
    let init = m.model.suggested_init();
    let pars: Vec<f64> = (0..batch).flat_map(|_| init.iter().copied()).collect();
    let items = vec![0u32; batch];
    let (mut nll, mut grad) = (vec![0.0; batch], vec![0.0; pars.len()]);
    ev.set_datasets(&[m.observed().clone()]).map_err(|e| e.to_string())?;
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        ev.nll_and_grad(&pars, &items, &mut nll, &mut grad).map_err(|e| e.to_string())?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(batch as f64 / best)
}

fn main() {
    let models: Vec<String> = arg("--models", "small,medium,large").split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    let batches: Vec<usize> = arg("--batches", "1,10,100,1000,10000").split(',').filter_map(|s| s.parse().ok()).collect();
    let precisions: Vec<String> = arg("--precisions", "f64,f32").split(',').map(str::to_string).collect();
    let budget: f64 = arg("--budget-s", "60").parse().unwrap_or(60.0);
    let deadline: f64 = arg("--deadline-s", "600").parse().unwrap_or(600.0);
    let started = Instant::now();
    let mut request = DeviceRequest::new();
    let adapter = arg("--adapter", "");
    if !adapter.is_empty() {
        request.adapter_name = Some(adapter);
    }
    let device = GpuDevice::open(&request).map(std::sync::Arc::new);
    let mut notes = Vec::new();
    if let Err(e) = &device {
        notes.push(format!("{e}: GPU columns skipped"));
    }
    let n_toys: usize = arg("--toys", "200").parse().unwrap_or(200);
    // Toys of the large model take minutes on a few CPU cores: only where asked.
    let toy_models: Vec<String> = arg("--toy-models", "small,medium").split(',').map(str::to_string).collect();
    let candidate_sizes: Vec<usize> = arg("--candidates", "2,8,32,128").split(',').filter_map(|s| s.parse().ok()).filter(|&n| n > 0).collect();
    let candidate_models: Vec<String> = arg("--candidate-models", "small,medium").split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    // Candidate batches first: they are short, and the model loop may run into the deadline.
    let mut candidate_runs = Vec::new();
    for name in &candidate_models {
        match shape(name) {
            Some(shape) if !candidate_sizes.is_empty() => {
                candidate_runs.extend(candidate_rows(name, shape, &candidate_sizes, device.as_ref().ok().cloned(), &precisions, deadline, started));
            }
            Some(_) => {}
            None => notes.push(format!("unknown candidate model size '{name}'")),
        }
    }
    let mut results = Vec::new();
    let mut model_info = Vec::new();
    let mut crossovers = Vec::new();
    let mut toy_runs = Vec::new();
    for name in &models {
        let Some(shape) = shape(name) else {
            notes.push(format!("unknown model size '{name}'"));
            continue;
        };
        let ws = synthetic::workspace(shape, 11);
        let m = BatchModel::from_text(&ws.to_string(), Default::default()).expect("generated model");
        model_info.push(json!({"name": name, "n_pars": m.n_pars(), "n_main": m.model.n_main(), "sample_bins": m.n_sample_bins()}));
        let max_batch = *batches.iter().max().unwrap_or(&1);
        let toys = synthetic::toys(&m.model, &m.model.suggested_init(), max_batch, 3);
        let mut backends: Vec<String> = vec!["cpu".into()];
        if let Ok(d) = &device {
            for p in &precisions {
                match p.as_str() {
                    "f64" if d.has_f64() => backends.push("gpu-f64".into()),
                    "f32" => {
                        backends.push("gpu-f32".into());
                        if d.has_f64() {
                            backends.push("gpu-f32+f64".into());
                        }
                    }
                    _ => {}
                }
            }
        }
        for backend in &backends {
            let mut last: Option<(usize, f64)> = None;
            for &b in &batches {
                let cell = |extra: Value| {
                    let mut v = json!({"model": name, "batch": b, "backend": backend});
                    v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
                    v
                };
                let estimate = last.map(|(pb, ps)| ps * b as f64 / pb as f64).unwrap_or(0.0);
                if estimate > budget {
                    results.push(cell(json!({"skipped": format!("estimated {estimate:.0} s > budget {budget} s")})));
                    continue;
                }
                let elapsed = started.elapsed().as_secs_f64();
                if elapsed + estimate > deadline {
                    results.push(cell(json!({"skipped": format!("deadline: {elapsed:.0} s elapsed, cell estimated {estimate:.0} s, deadline {deadline} s")})));
                    continue;
                }
                let data = &toys[..b];
                let tasks: Vec<FitTask> = (0..b).map(|d| FitTask { dataset: d as u32, ..Default::default() }).collect();
                eprintln!("{name} {backend} batch {b}");
                let outcome: Result<(usize, f64, Value), String> = match backend.as_str() {
                    "cpu" => {
                        let t = Instant::now();
                        let fits: Vec<bool> = data
                            .par_iter()
                            .map_init(|| Fitter::new(&m.model), |f, d| f.fit(d, &FitOptions::default()).map(|r| r.converged).unwrap_or(false))
                            .collect();
                        let seconds = t.elapsed().as_secs_f64();
                        let eval = eval_rate(&mut CpuBatch::new(&m), &m, b);
                        Ok((fits.iter().filter(|&&c| c).count(), seconds, json!({"evals_per_s": eval.ok()})))
                    }
                    gpu => {
                        let d = device.as_ref().expect("GPU backends only with a device").clone();
                        let precision = if gpu == "gpu-f64" { Precision::F64 } else { Precision::F32 };
                        (|| {
                            let t = Instant::now();
                            let mut ev = GpuBatch::new(d.clone(), &m, precision).map_err(|e| e.to_string())?;
                            let report = if gpu == "gpu-f32+f64" {
                                let mut refine = GpuBatch::new(d.clone(), &m, Precision::F64).map_err(|e| e.to_string())?;
                                fit_batch_refined(&mut ev, &mut refine, &m, data, &tasks, &Default::default())
                            } else {
                                fit_batch(&mut ev, &m, data, &tasks, &Default::default())
                            }
                            .map_err(|e| e.to_string())?;
                            let seconds = t.elapsed().as_secs_f64();
                            let eval = eval_rate(&mut ev, &m, b).ok();
                            Ok((
                                report.results.iter().filter(|r| r.converged).count(),
                                seconds,
                                json!({"evals_per_s": eval, "rounds": report.rounds, "evaluations": report.evaluations}),
                            ))
                        })()
                    }
                };
                match outcome {
                    Ok((converged, seconds, extra)) => {
                        let mut v = cell(json!({"seconds": seconds, "fits_per_s": b as f64 / seconds, "converged": converged}));
                        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
                        // Also on stderr, so a run killed from outside keeps what it measured.
                        eprintln!("{v}");
                        results.push(v);
                        last = Some((b, seconds));
                    }
                    Err(e) => {
                        results.push(cell(json!({"error": e})));
                        break;
                    }
                }
            }
        }
        crossovers.push(crossover(name, &results, &backends));
        if let Ok(d) = &device {
            let mut planner = Planner::with_device(BackendChoice::Auto, Some(d.clone()));
            let mut measured = Vec::new();
            for precision in if d.has_f64() { vec![Precision::F64, Precision::F32] } else { vec![Precision::F32] } {
                planner.precision = Some(precision);
                measured.push(match planner.measure(&m) {
                    Ok(c) => json!(c),
                    Err(e) => json!({"precision": precision, "error": e.to_string()}),
                });
            }
            crossovers.push(json!({"model": name, "planner": measured}));
        }
        if n_toys > 0 && toy_models.contains(name) && started.elapsed().as_secs_f64() < deadline {
            toy_runs.push(toy_run(name, &m, device.as_ref().ok().cloned(), n_toys));
        }
    }
    let out = json!({
        "machine": {
            "cpu_threads": rayon::current_num_threads(),
            "adapters": list_adapters(),
            "selected": device.as_ref().ok().map(|d| d.adapter.clone()),
        },
        "budget_s_per_cell": budget,
        "deadline_s": deadline,
        "elapsed_s": started.elapsed().as_secs_f64(),
        "models": model_info,
        "results": results,
        "crossovers": crossovers,
        "toys": toy_runs,
        "candidates": candidate_runs,
        "notes": notes,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
}

/// Smallest measured batch where each GPU back end's fits/s reach the CPU's at the same batch.
fn crossover(model: &str, results: &[Value], backends: &[String]) -> Value {
    let rate = |backend: &str, batch: u64| {
        results.iter().find(|r| r["model"] == model && r["backend"] == backend && r["batch"] == batch).and_then(|r| r["fits_per_s"].as_f64())
    };
    let batches: Vec<u64> = {
        let mut b: Vec<u64> = results.iter().filter(|r| r["model"] == model).filter_map(|r| r["batch"].as_u64()).collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    let per_backend: serde_json::Map<String, Value> = backends
        .iter()
        .filter(|b| b.as_str() != "cpu" && b.as_str() != "gpu-f32")
        .map(|b| {
            let at = batches.iter().find(|&&n| matches!((rate(b, n), rate("cpu", n)), (Some(g), Some(c)) if g >= c));
            let ratios: Vec<Value> = batches.iter().map(|&n| json!({"batch": n, "gpu_over_cpu": rate(b, n).zip(rate("cpu", n)).map(|(g, c)| g / c)})).collect();
            (b.clone(), json!({"batch": at, "ratios": ratios}))
        })
        .collect();
    json!({"model": model, "measured_fits": per_backend})
}

/// A toy-based discovery test (q0, `n` toys per hypothesis) on the CPU path and the GPU path.
fn toy_run(model: &str, m: &BatchModel, device: Option<std::sync::Arc<GpuDevice>>, n: usize) -> Value {
    let setup = Setup::new(&m.model);
    let options = ToyOptions { n_toys: n, seed: 1, test_stat: TestStatistic::Q0 };
    eprintln!("{model} toys {n} cpu");
    let t = Instant::now();
    let cpu = toys_cpu(BackendChoice::Cpu, "benchmark".into(), &m.model, &setup, 0.0, &options, None);
    let cpu_s = t.elapsed().as_secs_f64();
    let summary = |r: Result<(histune_infer::ToyResult, histune_gpu::toys::ToyDevice), histune_engine::EngineError>, seconds: f64| match r {
        Ok((r, d)) => json!({"seconds": seconds, "p0": r.p0, "p0_error": r.p0_error, "converged": r.diagnostics.converged, "device": d}),
        Err(e) => json!({"error": e.to_string()}),
    };
    let gpu = device.map(|d| {
        eprintln!("{model} toys {n} gpu");
        let mut planner = Planner::with_device(BackendChoice::Gpu, Some(d));
        let t = Instant::now();
        let r = toys_on(&mut planner, m, &setup, 0.0, &options, None);
        summary(r, t.elapsed().as_secs_f64())
    });
    json!({"model": model, "test_stat": "q0", "n_toys": n, "seed": 1, "cpu": summary(cpu, cpu_s), "gpu": gpu})
}

/// Z0 of `sizes` candidate batches of one structure: the per-trial CPU path vs one lockstep batch
/// per GPU precision. Sizes that would start after the deadline are marked skipped.
fn candidate_rows(name: &str, shape: Shape, sizes: &[usize], device: Option<std::sync::Arc<GpuDevice>>, precisions: &[String], deadline: f64, started: Instant) -> Vec<Value> {
    let max = sizes.iter().copied().max().unwrap_or(0);
    let models: Vec<BatchModel> =
        (0..max).map(|i| BatchModel::from_text(&synthetic::workspace(shape, 1000 + i as u64).to_string(), Default::default()).expect("generated model")).collect();
    let mut gpu_precisions = Vec::new();
    if let Some(d) = &device {
        if precisions.iter().any(|p| p == "f64") && d.has_f64() {
            gpu_precisions.push(Precision::F64);
        }
        if precisions.iter().any(|p| p == "f32") {
            gpu_precisions.push(Precision::F32);
        }
    }
    let mut rows = Vec::new();
    for &m in sizes {
        if started.elapsed().as_secs_f64() > deadline {
            rows.push(json!({"model": name, "candidates": m, "skipped": "deadline"}));
            continue;
        }
        let refs: Vec<&BatchModel> = models[..m].iter().collect();
        eprintln!("{name} candidates {m} cpu");
        let t = Instant::now();
        let cpu: Vec<f64> = refs.par_iter().map(|c| discovery_cpu(c).map(|r| r.value).unwrap_or(f64::NAN)).collect();
        let cpu_s = t.elapsed().as_secs_f64();
        let row = json!({"model": name, "candidates": m, "backend": "cpu", "seconds": cpu_s, "candidates_per_s": m as f64 / cpu_s, "fits_per_s": 2.0 * m as f64 / cpu_s});
        eprintln!("{row}");
        rows.push(row);
        for &precision in &gpu_precisions {
            eprintln!("{name} candidates {m} gpu {precision:?}");
            let plan = Plan { backend: Backend::Gpu(precision), reason: "benchmark".into() };
            let t = Instant::now();
            let (out, run) = discovery_planned(&plan, device.clone(), &refs);
            let seconds = t.elapsed().as_secs_f64();
            let worst = out.iter().zip(&cpu).map(|(r, c)| r.as_ref().map_or(f64::NAN, |r| (r.value - c).abs())).fold(0.0, f64::max);
            // Lockstep L-BFGS-B and the engine's Newton-first fits can end in different local minima.
            let differing = out.iter().zip(&cpu).filter(|(r, c)| r.as_ref().map_or(true, |r| (r.value - **c).abs() > 1e-5 * c.abs().max(1.0))).count();
            let row = json!({
                "model": name, "candidates": m, "backend": run.backend, "seconds": seconds,
                "candidates_per_s": m as f64 / seconds, "fits_per_s": 2.0 * m as f64 / seconds,
                "gpu_over_cpu": cpu_s / seconds, "rounds": run.rounds, "max_abs_dq0_vs_cpu": worst, "differing_over_1e-5": differing, "notes": run.notes,
            });
            eprintln!("{row}");
            rows.push(row);
        }
    }
    rows
}
