//! Wall times of inference calls inside Rust (no Node, no JSON at call time), printed as one JSON
//! object, for test/bench/infer_vs_references.py:
//!
//!     cargo run --release -p histune-infer --example infer_timing -- ws.json [--ranking] [--toys N] [--min-seconds S]
//!
//! Times (median and minimum of rounds, each round repeating the call until it lasts `--min-seconds / 5`):
//! compiling the workspace text; Z0 from two fits (q0 at μ = 0: free and μ = 0 fits); q̃ CLs at
//! μ = 1 with the expected band (the asymptotic calculator: five fits); the full discovery result
//! (observed and expected Z0); and, when asked, the impact ranking and N toys per hypothesis (q̃, μ = 1).
use std::time::Instant;

use histune_engine::{Model, ModelOptions};
use histune_infer::{discovery, hypotest, rank_impacts, test_statistic, toys, Setup, TestStatistic, ToyOptions};
use serde_json::json;

/// (median, minimum) seconds per call of `f`, over 5 rounds of at least `min_seconds / 5` each.
fn per_call(min_seconds: f64, mut f: impl FnMut()) -> (f64, f64) {
    let round = min_seconds / 5.0;
    let mut inner = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        if t.elapsed().as_secs_f64() >= round || inner >= 1 << 20 {
            break;
        }
        inner *= 2;
    }
    let mut samples: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed().as_secs_f64() / inner as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (samples[2], samples[0])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("usage: infer_timing ws.json [--ranking] [--toys N] [--min-seconds S]");
    let flag = |name: &str| args.iter().position(|a| a == name);
    let value = |name: &str| flag(name).map(|i| args[i + 1].parse::<f64>().expect("a number"));
    let min_seconds = value("--min-seconds").unwrap_or(0.5);
    let text = std::fs::read_to_string(path).expect("a readable workspace");

    let (compile_s, _) = per_call(min_seconds, || {
        Model::from_text(&text, ModelOptions::default()).expect("a valid workspace");
    });
    let model = Model::from_text(&text, ModelOptions::default()).unwrap();
    let setup = Setup::new(&model);

    if let Some(seconds) = value("--profile-z0") {
        // Only Z0, in a loop, for a profiler.
        let t = Instant::now();
        let mut calls = 0u64;
        while t.elapsed().as_secs_f64() < seconds {
            test_statistic(&model, &setup, TestStatistic::Q0, 0.0, None).unwrap();
            calls += 1;
        }
        println!("{}", json!({"z0S": t.elapsed().as_secs_f64() / calls as f64, "calls": calls}));
        return;
    }
    let mut evaluator = model.evaluator();
    let (init, mut grad) = (setup.init.clone(), vec![0.0; model.n_pars()]);
    let (nll_and_grad_s, _) = per_call(min_seconds, || {
        evaluator.nll_and_grad(&model, &init, model.observed(), &mut grad);
    });

    let q0 = test_statistic(&model, &setup, TestStatistic::Q0, 0.0, None).unwrap();
    let (z0_s, z0_min_s) = per_call(min_seconds, || {
        test_statistic(&model, &setup, TestStatistic::Q0, 0.0, None).unwrap();
    });
    let h = hypotest(&model, &setup, TestStatistic::QmuTilde, 1.0, None).unwrap();
    let (hypotest_s, hypotest_min_s) = per_call(min_seconds, || {
        hypotest(&model, &setup, TestStatistic::QmuTilde, 1.0, None).unwrap();
    });
    let d = discovery(&model, &setup, None).unwrap();
    let (discovery_s, _) = per_call(min_seconds, || {
        discovery(&model, &setup, None).unwrap();
    });

    let mut out = json!({
        "workspace": path,
        "nPars": model.n_pars(),
        "nMain": model.n_main(),
        "threads": rayon::current_num_threads(),
        "compileS": compile_s,
        "z0S": z0_s,
        "z0MinS": z0_min_s,
        "z0": q0.value.sqrt(),
        "z0Fits": q0.diagnostics.fits,
        "z0FunctionCalls": q0.diagnostics.function_calls,
        "z0Iterations": q0.diagnostics.iterations,
        "nllAndGradS": nll_and_grad_s,
        "muHat": q0.mu_hat,
        "hypotestS": hypotest_s,
        "hypotestMinS": hypotest_min_s,
        "cls": h.cls,
        "clsExpected": h.cls_expected,
        "hypotestFits": h.diagnostics.fits,
        "converged": h.diagnostics.converged && q0.diagnostics.converged,
        "discoveryS": discovery_s,
        "z0Expected": d.z0_expected,
    });
    if flag("--ranking").is_some() {
        let t = Instant::now();
        let r = rank_impacts(&model, &setup, None, None).unwrap();
        out["rankingS"] = json!(t.elapsed().as_secs_f64());
        out["rankingFits"] = json!(r.diagnostics.fits);
        out["rankingFunctionCalls"] = json!(r.diagnostics.function_calls);
        out["rankingIterations"] = json!(r.diagnostics.iterations);
        out["rankingConverged"] = json!(r.diagnostics.converged);
        out["rankedParameters"] = json!(r.impacts.len());
    }
    if let Some(n) = value("--toys") {
        let options = ToyOptions { n_toys: n as usize, seed: 1, test_stat: TestStatistic::QmuTilde };
        let t = Instant::now();
        let r = toys(&model, &setup, 1.0, &options, None).unwrap();
        out["toysS"] = json!(t.elapsed().as_secs_f64());
        out["toysPerHypothesis"] = json!(n as usize);
        out["toysCls"] = json!(r.cls);
        out["toysClsError"] = json!(r.cls_error);
        out["toysFits"] = json!(r.diagnostics.fits);
        out["toysConverged"] = json!(r.diagnostics.converged);
    }
    println!("{out}");
}
