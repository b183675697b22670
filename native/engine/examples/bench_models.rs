//! Timings inside Rust, one JSON line per workspace file: compile, NLL + gradient at the suggested
//! init (Evaluator, no allocation), one full fit from the suggested init (no uncertainties), and
//! the process's peak RSS so far (VmHWM; run one file per process to attribute it to one model).
//!     cargo run --release -p histune-engine --example bench_models -- a.json [b.json …]
use std::time::{Duration, Instant};

use histune_engine::{FitOptions, Fitter, Model, ModelOptions};

/// Median seconds per call: the loop count grows until one round takes `min_round`, then 5 rounds.
fn median_per_call(min_round: Duration, max_inner: u64, mut f: impl FnMut()) -> f64 {
    f();
    let mut inner = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        if t.elapsed() >= min_round || inner >= max_inner {
            break;
        }
        inner *= 2;
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed().as_secs_f64() / inner as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: bench_models WORKSPACE.json …");
        std::process::exit(2);
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let t = Instant::now();
        let model = Model::from_text(&text, ModelOptions::default()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let compile_s = t.elapsed().as_secs_f64();
        let data = model.observed().clone();
        let init = model.suggested_init();
        let mut evaluator = model.evaluator();
        let mut grad = vec![0.0; model.n_pars()];
        let nll_grad_s = median_per_call(Duration::from_millis(20), 1 << 22, || {
            std::hint::black_box(evaluator.nll_and_grad(&model, std::hint::black_box(&init), &data, &mut grad));
        });
        let nll_s = median_per_call(Duration::from_millis(20), 1 << 22, || {
            std::hint::black_box(evaluator.nll(&model, std::hint::black_box(&init), &data));
        });
        let options = FitOptions::default();
        let mut fitter = Fitter::new(&model);
        let result = fitter.fit(&data, &options).unwrap_or_else(|e| panic!("{path}: fit failed: {e}"));
        let fit_s = median_per_call(Duration::from_millis(50), 1 << 16, || {
            std::hint::black_box(fitter.fit(&data, &options).expect("the same fit succeeded before"));
        });
        let line = serde_json::json!({
            "file": path,
            "nPars": model.n_pars(),
            "nBins": model.n_main(),
            "compileMs": compile_s * 1e3,
            "nllUs": nll_s * 1e6,
            "nllGradUs": nll_grad_s * 1e6,
            "fitMs": fit_s * 1e3,
            "twiceNll": result.twice_nll,
            "converged": result.converged,
            "status": result.status,
            "iterations": result.iterations,
            "functionCalls": result.function_calls,
            "peakRssKb": peak_rss_kb(),
        });
        println!("{line}");
    }
}
