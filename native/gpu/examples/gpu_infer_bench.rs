//! Toys and impact rankings through the CPU path and the GPU path in one run, on workspace files.
//! JSON on stdout, progress on stderr.
//!
//!   gpu_infer_bench --toys-workspace ws.json [--toys 10000] [--mu 1] [--seed 1]
//!                   [--ranking-workspaces a.json,b.json] [--precisions f64,f32]
//!                   [--gpu-budget-s 120] [--deadline-s 600] [--adapter NAME]
//!
//! Toys: q̃ at μ (pyhf's and nextstat's `hypotest_toys` default), `--toys` per hypothesis. The CPU
//! path (histune-infer: one engine fit per toy on all cores) runs the full count. The GPU path
//! (all toy fits in lockstep batches, `toys_on` with the GPU forced) first runs a pilot of 100
//! toys per hypothesis; when the full count would exceed `--gpu-budget-s`, it runs as many toys as
//! fit and reports `extrapolated: true` with `seconds_for_requested` = seconds × requested / run
//! (linear; marked, never mixed with measured figures).
//!
//! Rankings: `rank_impacts` on the CPU (refits on all cores) and `rank_on` with the GPU forced
//! (all refits in one lockstep batch), with the largest impact difference over σ(μ̂) and whether
//! the order is the same. Times are wall seconds of one call (the free fit included) and the
//! refits' own seconds.

use std::time::Instant;

use serde_json::{json, Value};

use histune_gpu::ranking::{rank_cpu, rank_on};
use histune_gpu::toys::{toys_cpu, toys_on};
use histune_gpu::{list_adapters, BackendChoice, BatchModel, DeviceRequest, GpuDevice, Planner, Precision};
use histune_infer::{Ranking, Setup, TestStatistic, ToyOptions};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().rposition(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
}

fn load(path: &str) -> Result<BatchModel, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    BatchModel::from_text(&text, Default::default()).map_err(|e| format!("{path}: {e}"))
}

fn precisions(device: &GpuDevice) -> Vec<Precision> {
    arg("--precisions", "f64,f32")
        .split(',')
        .filter_map(|p| match p {
            "f64" if device.has_f64() => Some(Precision::F64),
            "f32" => Some(Precision::F32),
            _ => None,
        })
        .collect()
}

fn main() {
    let started = Instant::now();
    let deadline: f64 = arg("--deadline-s", "600").parse().unwrap_or(600.0);
    let gpu_budget: f64 = arg("--gpu-budget-s", "120").parse().unwrap_or(120.0);
    let mut request = DeviceRequest::new();
    let adapter = arg("--adapter", "");
    if !adapter.is_empty() {
        request.adapter_name = Some(adapter);
    }
    let device = GpuDevice::open(&request).map(std::sync::Arc::new);
    let mut notes = Vec::new();
    if let Err(e) = &device {
        notes.push(format!("{e}: GPU runs skipped"));
    }

    let toys_path = arg("--toys-workspace", "");
    let toys = if toys_path.is_empty() {
        Value::Null
    } else {
        let n: usize = arg("--toys", "10000").parse().unwrap_or(10_000);
        let mu: f64 = arg("--mu", "1").parse().unwrap_or(1.0);
        let seed: u64 = arg("--seed", "1").parse().unwrap_or(1);
        match load(&toys_path) {
            Ok(m) => toy_runs(&toys_path, &m, device.as_ref().ok(), n, mu, seed, gpu_budget, || started.elapsed().as_secs_f64() < deadline),
            Err(e) => json!({"error": e}),
        }
    };

    let mut rankings = Vec::new();
    for path in arg("--ranking-workspaces", "").split(',').filter(|p| !p.is_empty()) {
        if started.elapsed().as_secs_f64() >= deadline {
            notes.push(format!("deadline: ranking of {path} skipped"));
            continue;
        }
        rankings.push(match load(path) {
            Ok(m) => ranking_runs(path, &m, device.as_ref().ok()),
            Err(e) => json!({"workspace": path, "error": e}),
        });
    }

    let out = json!({
        "machine": {
            "cpu_threads": rayon::current_num_threads(),
            "adapters": list_adapters(),
            "selected": device.as_ref().ok().map(|d| d.adapter.clone()),
        },
        "elapsed_s": started.elapsed().as_secs_f64(),
        "toys": toys,
        "rankings": rankings,
        "notes": notes,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
}

#[allow(clippy::too_many_arguments)]
fn toy_runs(path: &str, m: &BatchModel, device: Option<&std::sync::Arc<GpuDevice>>, n: usize, mu: f64, seed: u64, gpu_budget: f64, in_time: impl Fn() -> bool) -> Value {
    let setup = Setup::new(&m.model);
    let options = |n_toys| ToyOptions { n_toys, seed, test_stat: TestStatistic::QmuTilde };
    eprintln!("toys: cpu {n} per hypothesis");
    let t = Instant::now();
    let cpu = match toys_cpu(BackendChoice::Cpu, "benchmark".into(), &m.model, &setup, mu, &options(n), None) {
        Ok((r, d)) => json!({
            "toys_per_hypothesis": n, "seconds": t.elapsed().as_secs_f64(), "fit_seconds": d.fit_seconds, "fits": d.toy_fits,
            "fits_per_s": d.fits_per_second, "cls": r.cls, "cls_error": r.cls_error, "clsb": r.clsb, "clb": r.clb, "converged": r.diagnostics.converged,
        }),
        Err(e) => json!({"error": e.to_string()}),
    };
    eprintln!("{cpu}");
    let mut gpu = Vec::new();
    if let Some(d) = device {
        for precision in precisions(d) {
            if !in_time() {
                gpu.push(json!({"precision": precision, "skipped": "deadline"}));
                continue;
            }
            let mut planner = Planner::with_device(BackendChoice::Gpu, Some(d.clone()));
            planner.precision = Some(precision);
            let mut run = |k: usize| {
                let t = Instant::now();
                toys_on(&mut planner, m, &setup, mu, &options(k), None).map(|(r, dev)| (r, dev, t.elapsed().as_secs_f64()))
            };
            let pilot = n.min(100);
            eprintln!("toys: gpu {precision:?} pilot {pilot}");
            let entry = match run(pilot) {
                Err(e) => json!({"precision": precision, "error": e.to_string()}),
                Ok(pilot_run) => {
                    let per_toy = pilot_run.2 / pilot as f64;
                    let k = if per_toy * n as f64 <= gpu_budget { n } else { ((gpu_budget / per_toy) as usize).clamp(pilot, n) };
                    let measured = if k == pilot {
                        Ok(pilot_run)
                    } else {
                        eprintln!("toys: gpu {precision:?} {k} per hypothesis");
                        run(k)
                    };
                    match measured {
                        Err(e) => json!({"precision": precision, "error": e.to_string()}),
                        Ok((r, dev, seconds)) => json!({
                            "precision": precision, "toys_per_hypothesis": k, "requested_per_hypothesis": n, "extrapolated": k < n,
                            "seconds": seconds, "seconds_for_requested": seconds * n as f64 / k as f64,
                            "fit_seconds": dev.fit_seconds, "fits": dev.toy_fits, "fits_per_s": dev.fits_per_second, "rounds": dev.rounds,
                            "backend": dev.backend, "notes": dev.notes,
                            "cls": r.cls, "cls_error": r.cls_error, "clsb": r.clsb, "clb": r.clb, "converged": r.diagnostics.converged,
                        }),
                    }
                }
            };
            eprintln!("{entry}");
            gpu.push(entry);
        }
    }
    json!({"workspace": path, "n_pars": m.n_pars(), "sample_bins": m.n_sample_bins(), "mu": mu, "test_stat": "qtilde", "seed": seed, "requested_per_hypothesis": n, "cpu": cpu, "gpu": gpu})
}

/// Largest |shift difference| over σ(μ̂), and whether the names come in the same order.
fn compare(cpu: &Ranking, gpu: &Ranking) -> (f64, bool) {
    let mut worst: f64 = 0.0;
    for c in &cpu.impacts {
        if let Some(g) = gpu.impacts.iter().find(|g| g.name == c.name) {
            for (a, b) in [(c.postfit_up, g.postfit_up), (c.postfit_down, g.postfit_down), (c.prefit_up.unwrap_or(0.0), g.prefit_up.unwrap_or(0.0)), (c.prefit_down.unwrap_or(0.0), g.prefit_down.unwrap_or(0.0))] {
                worst = worst.max((a - b).abs() / cpu.mu_hat_uncertainty);
            }
        } else {
            worst = f64::INFINITY;
        }
    }
    (worst, cpu.impacts.iter().map(|i| &i.name).eq(gpu.impacts.iter().map(|i| &i.name)))
}

fn ranking_runs(path: &str, m: &BatchModel, device: Option<&std::sync::Arc<GpuDevice>>) -> Value {
    let setup = Setup::new(&m.model);
    eprintln!("ranking {path}: cpu");
    let t = Instant::now();
    let cpu = rank_cpu(BackendChoice::Cpu, "benchmark".into(), &m.model, &setup, None, None);
    let cpu_s = t.elapsed().as_secs_f64();
    let (cpu_ranking, cpu_json) = match cpu {
        Ok((r, d)) => {
            let v = json!({"seconds": cpu_s, "refit_seconds": d.fit_seconds, "refits": d.fits, "fits_per_s": d.fits_per_second, "converged": r.diagnostics.converged});
            (Some(r), v)
        }
        Err(e) => (None, json!({"error": e.to_string()})),
    };
    eprintln!("{cpu_json}");
    let mut gpu = Vec::new();
    if let (Some(d), Some(reference)) = (device, &cpu_ranking) {
        for precision in precisions(d) {
            eprintln!("ranking {path}: gpu {precision:?}");
            let mut planner = Planner::with_device(BackendChoice::Gpu, Some(d.clone()));
            planner.precision = Some(precision);
            let t = Instant::now();
            let entry = match rank_on(&mut planner, m, &setup, None, None) {
                Ok((r, dev)) => {
                    let (diff, same_order) = compare(reference, &r);
                    json!({
                        "precision": precision, "seconds": t.elapsed().as_secs_f64(), "refit_seconds": dev.fit_seconds, "refits": dev.fits,
                        "fits_per_s": dev.fits_per_second, "rounds": dev.rounds, "backend": dev.backend, "notes": dev.notes,
                        "max_shift_diff_over_sigma_mu": diff, "same_order": same_order, "converged": r.diagnostics.converged,
                    })
                }
                Err(e) => json!({"precision": precision, "error": e.to_string()}),
            };
            eprintln!("{entry}");
            gpu.push(entry);
        }
    }
    json!({"workspace": path, "n_pars": m.n_pars(), "sample_bins": m.n_sample_bins(), "ranked": cpu_ranking.as_ref().map(|r| r.n_ranked), "cpu": cpu_json, "gpu": gpu})
}
