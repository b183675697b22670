//! `auto` decides toys, rankings and candidate batches on the expected cost per fit: with injected costs of a fast GPU
//! (a lockstep round of the whole batch far cheaper than one CPU fit), a well-conditioned model
//! goes to the GPU and a model with strongly correlated nuisance parameters (the lockstep
//! minimiser needs many rounds per fit there) stays on the CPU. No adapter needed: the pilot runs
//! on the CPU evaluator.

mod common;

use serde_json::{json, Value};

use histune_engine::{Fitter, ModelOptions};
use histune_gpu::candidates::{candidate_batch_size, candidate_fit_estimate, discovery_auto, discovery_cpu, group_by_structure};
use histune_gpu::planner::{pilot_rounds, CostLine, Crossover, FitCosts, PilotRounds};
use histune_gpu::ranking::{rank_planned, ranking_batch_size, refit_estimate};
use histune_gpu::synthetic::{self, Shape, SplitMix};
use histune_gpu::toys::{toy_batch_size, toy_fit_estimate, toys_planned};
use histune_gpu::{Backend, BackendChoice, BatchFitOptions, BatchModel, FitTask, Plan, Planner, Precision};
use histune_infer::{rank_impacts, ImpactFit, Setup, TestStatistic, ToyOptions};

/// The structure of test/bench/synthetic_models.py (the 100-parameter benchmark model), small:
/// normsys and histosys tilts shared by three backgrounds, all on ttbar — nearly degenerate
/// normalisations, i.e. strongly correlated nuisance parameters.
fn correlated_workspace(n_bins: usize, n_normsys: usize, n_histosys: usize) -> Value {
    let mut rng = SplitMix::new(3);
    let x: Vec<f64> = (0..n_bins).map(|b| b as f64 / (n_bins - 1) as f64).collect();
    let mut samples = Vec::new();
    let mut total = vec![0.0; n_bins];
    for name in ["signal", "ttbar", "wjets", "fakes"] {
        let nominal: Vec<f64> = x
            .iter()
            .map(|&x| match name {
                "signal" => 4.0 * (-0.5 * ((x - 0.6) / 0.1f64).powi(2)).exp(),
                "ttbar" => 80.0 * (-2.0 * x).exp() + 2.0,
                "wjets" => 30.0 * (1.0 - 0.5 * x) + 1.0,
                _ => 10.0 * rng.range(0.5, 1.5),
            })
            .collect();
        let mut modifiers = Vec::new();
        if name == "signal" {
            modifiers.push(json!({"name": "mu", "type": "normfactor", "data": null}));
        } else {
            for k in 0..n_normsys {
                if name == "ttbar" || rng.uniform() < 0.5 {
                    modifiers.push(json!({"name": format!("norm_{k}"), "type": "normsys", "data": {"lo": rng.range(0.9, 0.98), "hi": rng.range(1.02, 1.1)}}));
                }
            }
            for k in 0..n_histosys {
                if name == "ttbar" || rng.uniform() < 0.5 {
                    let slope = rng.range(0.02, 0.08);
                    let tilt: Vec<f64> = x.iter().map(|&x| 1.0 + slope * (x - 0.5)).collect();
                    let lo: Vec<f64> = nominal.iter().zip(&tilt).map(|(n, t)| n / t).collect();
                    let hi: Vec<f64> = nominal.iter().zip(&tilt).map(|(n, t)| n * t).collect();
                    modifiers.push(json!({"name": format!("shape_{k}"), "type": "histosys", "data": {"lo_data": lo, "hi_data": hi}}));
                }
            }
        }
        for (t, n) in total.iter_mut().zip(&nominal) {
            *t += n;
        }
        samples.push(json!({"name": name, "data": nominal, "modifiers": modifiers}));
    }
    let observed: Vec<f64> = total.iter().map(|&t| (t * rng.range(0.9, 1.1) + 0.5).floor()).collect();
    json!({
        "channels": [{"name": "SR", "samples": samples}],
        "observations": [{"name": "SR", "data": observed}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    })
}

fn models() -> [(&'static str, BatchModel); 2] {
    let well = synthetic::workspace(Shape { channels: 2, bins: 10, backgrounds: 2, shapefactor: false }, 5);
    let correlated = correlated_workspace(200, 24, 12);
    [
        ("well-conditioned", BatchModel::from_text(&well.to_string(), ModelOptions::default()).unwrap()),
        ("correlated", BatchModel::from_text(&correlated.to_string(), ModelOptions::default()).unwrap()),
    ]
}

/// A fast GPU: a lockstep round of the whole batch costs as much as 1/100 of the CPU path's
/// fits, so the GPU wins where a fit takes fewer than 100 rounds per pass.
fn fast_gpu(fits: usize, batch: usize, refine_round_s: f64) -> FitCosts {
    let cpu_fit_s = 4e-3;
    FitCosts { fits, batch, cpu_fit_s, cpu_threads: 1, gpu_round_s: fits as f64 * cpu_fit_s / (fits.div_ceil(batch) as f64 * 100.5), refine_round_s }
}

#[test]
fn decision_compares_cost_per_fit() {
    let costs = FitCosts { fits: 1000, batch: 1000, cpu_fit_s: 2e-3, cpu_threads: 4, gpu_round_s: 1e-3, refine_round_s: 0.0 };
    // CPU: 1000 fits × 2 ms / 4 cores = 0.5 s; break-even at 500 rounds of 1 ms.
    assert!((costs.cpu_total_s() - 0.5).abs() < 1e-12);
    assert_eq!(costs.break_even_rounds(), 500);
    let fast = costs.decide(Some(PilotRounds { gpu: 40, refine: 0 }));
    assert!(fast.gpu && (fast.gpu_total_s.unwrap() - 0.04).abs() < 1e-12, "{fast:?}");
    assert!(fast.reason.contains("40 lockstep rounds") && fast.reason.ends_with("GPU chosen"), "{}", fast.reason);
    let slow = costs.decide(Some(PilotRounds { gpu: 900, refine: 0 }));
    assert!(!slow.gpu && slow.reason.ends_with("CPU chosen"), "{slow:?}");
    let capped = costs.decide(None);
    assert!(!capped.gpu && capped.gpu_total_s.is_none() && capped.reason.contains("more than 500 rounds"), "{capped:?}");
    // f32: the f64 refinement rounds run on the CPU at the CPU's round cost.
    let f32_costs = FitCosts { refine_round_s: 10e-3, ..costs };
    let refined = f32_costs.decide(Some(PilotRounds { gpu: 40, refine: 50 }));
    assert!(!refined.gpu && (refined.gpu_total_s.unwrap() - 0.54).abs() < 1e-12, "{refined:?}");
    // Two passes through a batch of 500 slots double the GPU's rounds.
    let queued = FitCosts { batch: 500, ..costs }.decide(Some(PilotRounds { gpu: 300, refine: 0 }));
    assert!(!queued.gpu && queued.break_even_rounds == 250, "{queued:?}");
}

#[test]
fn toys_go_to_a_fast_gpu_only_where_fits_take_few_rounds() {
    let mut rounds = Vec::new();
    for (name, m) in models() {
        let setup = Setup::new(&m.model);
        let first = synthetic::toys(&m.model, &setup.init, 1, 11).remove(0);
        let (n_toys, batch) = (500, 2000);
        for precision in [Precision::F64, Precision::F32] {
            let costs = fast_gpu(4 * n_toys, batch, 0.0);
            let estimate = toy_fit_estimate(&m, &setup, 1.0, &first, precision, costs);
            let json = serde_json::to_value(&estimate).unwrap();
            assert!(json["breakEvenRounds"].as_u64() == Some(100) && json["cpuFitS"].is_number() && json["reason"].is_string(), "{json}");
            let pilot = estimate.pilot_rounds.map(|r| r.gpu);
            eprintln!("{name} {precision:?}: pilot {pilot:?} → {}", estimate.reason);
            match name {
                "well-conditioned" => assert!(estimate.gpu, "{name} {precision:?}: {}", estimate.reason),
                _ => assert!(!estimate.gpu, "{name} {precision:?}: {}", estimate.reason),
            }
            if precision == Precision::F64 {
                rounds.push(pilot);
            }
        }
    }
    // Uncapped, the correlated model's fits take several times the rounds (the behaviour of the
    // 100-parameter benchmark model, ~900 rounds per fit).
    let all: Vec<usize> = models()
        .iter()
        .map(|(_, m)| {
            let setup = Setup::new(&m.model);
            let first = synthetic::toys(&m.model, &setup.init, 1, 11).remove(0);
            let tasks = [FitTask { dataset: 0, ..Default::default() }];
            let options = BatchFitOptions { init: Some(setup.init.clone()), ..Default::default() };
            pilot_rounds(m, &[first], &tasks, &options, Precision::F64, usize::MAX).unwrap().gpu
        })
        .collect();
    eprintln!("uncapped pilot rounds (well-conditioned, correlated): {all:?}");
    assert!(all[1] > 3 * all[0], "{all:?}");
    // The pilot is deterministic: same model, data and options → same rounds.
    let (name, m) = models().into_iter().next().unwrap();
    let setup = Setup::new(&m.model);
    let first = synthetic::toys(&m.model, &setup.init, 1, 11).remove(0);
    let again = toy_fit_estimate(&m, &setup, 1.0, &first, Precision::F64, fast_gpu(2000, 2000, 0.0));
    assert_eq!(again.pilot_rounds.map(|r| r.gpu), rounds[0], "{name}");
}

#[test]
fn rankings_go_to_a_fast_gpu_only_where_refits_take_few_rounds() {
    for (name, m) in models() {
        let setup = Setup::new(&m.model);
        let data = m.observed().clone();
        let free = Fitter::new(&m.model).fit(&data, &setup.free_fit()).unwrap();
        let poi = m.model.poi_index();
        let fits: Vec<ImpactFit> = (0..m.n_pars()).filter(|&i| i != poi && !setup.fixed[i]).take(4).map(|index| ImpactFit { index, value: free.bestfit[index] + 0.3, start: free.bestfit.clone() }).collect();
        let costs = fast_gpu(400, 400, 0.0);
        let estimate = refit_estimate(&m, &setup, &data, &free.bestfit, &fits, Precision::F64, costs);
        eprintln!("{name}: pilot {:?} → {}", estimate.pilot_rounds, estimate.reason);
        assert_eq!(estimate.gpu, name == "well-conditioned", "{name}: {}", estimate.reason);
    }
}

/// The whole `auto` path on the adapter at hand, after an evaluation crossover that favours the GPU
/// (forced here: on lavapipe the crossover favours the CPU): the device block records the per-fit
/// estimate, the run follows it, and the results are those of the CPU path.
#[test]
fn auto_runs_where_the_per_fit_estimate_says_and_reports_it() {
    let Some(device) = common::device() else { return };
    let ws = synthetic::workspace(Shape { channels: 1, bins: 4, backgrounds: 1, shapefactor: false }, 21);
    let m = BatchModel::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let setup = Setup::new(&m.model);
    let mut planner = Planner::with_device(BackendChoice::Auto, Some(device.clone()));
    planner.precision = Some(Precision::F32);
    let crossover = planner.measure(&m).unwrap();
    let plan = Plan { backend: Backend::Gpu(crossover.precision), reason: "evaluations favour the GPU (test)".into() };
    let adapter = Some(device.adapter.name.clone());

    let cpu = rank_impacts(&m.model, &setup, None, None).unwrap();
    let evaluator = planner.evaluator(&m, &plan);
    assert!(evaluator.costs.is_some());
    let (ranking, ran) = rank_planned(BackendChoice::Auto, &plan, evaluator, adapter.clone(), &m, &setup, None, None).unwrap();
    let estimate = ran.estimate.clone().expect("auto records its per-fit estimate");
    assert_eq!(ran.backend == "cpu", !estimate.gpu, "{ran:?}");
    assert!(ran.reason.contains("per fit:") && ran.reason.contains(&estimate.reason), "{}", ran.reason);
    assert_eq!(ran.fits, ranking_batch_size(&m.model, &setup));
    assert_eq!(estimate.costs.fits, ran.fits - 1, "the first refit is the CPU measurement");
    assert!(estimate.costs.cpu_fit_s > 0.0 && estimate.costs.gpu_round_s > 0.0 && estimate.costs.refine_round_s > 0.0);
    let json = serde_json::to_value(&ran).unwrap();
    assert!(json["estimate"]["breakEvenRounds"].is_u64() && json["estimate"]["gpuRoundS"].is_number(), "{json}");
    assert_eq!(ranking.n_ranked, cpu.n_ranked);
    assert!((ranking.mu_hat - cpu.mu_hat).abs() < 1e-9, "the free fit is the CPU's either way");
    let names = |r: &histune_infer::Ranking| {
        let mut n: Vec<String> = r.impacts.iter().map(|i| i.name.clone()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&ranking), names(&cpu));
    eprintln!("ranking on {}: {}", ran.backend, ran.reason);

    let options = ToyOptions { n_toys: 40, seed: 3, test_stat: TestStatistic::Q0 };
    let cpu = histune_infer::toys(&m.model, &setup, 0.0, &options, None).unwrap();
    let evaluator = planner.evaluator(&m, &plan);
    let (toys, ran) = toys_planned(BackendChoice::Auto, &plan, evaluator, adapter, &m, &setup, 0.0, &options, None).unwrap();
    let estimate = ran.estimate.clone().expect("auto records its per-fit estimate");
    assert_eq!(ran.backend == "cpu", !estimate.gpu, "{ran:?}");
    assert_eq!((estimate.costs.fits, estimate.costs.batch), (4 * 40, toy_batch_size(40)));
    assert_eq!(ran.toy_fits, 4 * 40);
    if !estimate.gpu {
        assert_eq!(toys.p0, cpu.p0, "the CPU path is the engine's toys");
    }
    eprintln!("toys on {}: {}", ran.backend, ran.reason);
}

#[test]
fn candidate_batches_go_to_a_fast_gpu_only_where_fits_take_few_rounds() {
    let n = 200;
    for (name, m) in models() {
        for precision in [Precision::F64, Precision::F32] {
            let estimate = candidate_fit_estimate(&m, precision, fast_gpu(2 * n, candidate_batch_size(n), 0.0));
            let json = serde_json::to_value(&estimate).unwrap();
            assert!(json["breakEvenRounds"].as_u64() == Some(100) && json["fits"].as_u64() == Some(400) && json["reason"].is_string(), "{json}");
            eprintln!("{name} {precision:?}: pilot {:?} → {}", estimate.pilot_rounds, estimate.reason);
            assert_eq!(estimate.gpu, name == "well-conditioned", "{name} {precision:?}: {}", estimate.reason);
            if estimate.gpu {
                assert!(estimate.pilot_rounds.is_some_and(|r| r.gpu < 100) && estimate.reason.ends_with("GPU chosen"), "{estimate:?}");
            } else {
                assert!(estimate.reason.ends_with("CPU chosen"), "{estimate:?}");
            }
        }
    }
}

/// `n` candidates of one structure: `ws` with its observations scaled per candidate (the data of
/// other binnings of one workspace differ; the structure does not).
fn candidates_of(ws: &Value, n: usize) -> Vec<BatchModel> {
    (0..n)
        .map(|k| {
            let mut ws = ws.clone();
            for obs in ws["observations"].as_array_mut().unwrap() {
                let data: Vec<f64> = obs["data"].as_array().unwrap().iter().map(|v| (v.as_f64().unwrap() * (1.0 + 0.03 * k as f64)).round()).collect();
                obs["data"] = json!(data);
            }
            BatchModel::from_text(&ws.to_string(), ModelOptions::default()).unwrap()
        })
        .collect()
}

/// Evaluation costs of a fast GPU for `n` candidates of `first`'s structure: a lockstep round of the
/// whole batch costs 1/120 of the CPU path (measured here), so the GPU wins below ~120 rounds a fit.
fn fast_gpu_crossover(first: &BatchModel, n: usize) -> Crossover {
    let z0 = (0..3)
        .map(|_| {
            let t = std::time::Instant::now();
            discovery_cpu(first).unwrap();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    let (fits, batch) = (2 * (n - 1), candidate_batch_size(n - 1));
    let cpu_path = fits as f64 * z0 / 2.0 / rayon::current_num_threads() as f64;
    let round = cpu_path / (fits.div_ceil(batch) as f64 * 120.0);
    let zero = CostLine { fixed_s: 0.0, per_item_s: 0.0 };
    Crossover { sample_bins: first.n_sample_bins(), n_pars: first.n_pars(), precision: Precision::F32, cpu: zero, gpu: CostLine { fixed_s: round, per_item_s: 0.0 }, batch: Some(1) }
}

/// The whole `auto` path of candidate batches on the adapter at hand, with the injected evaluation
/// costs of a fast GPU: well-conditioned candidates run in lockstep on the GPU, correlated ones on
/// the CPU (the per-trial results), each group recording its estimate; a lone candidate is its own
/// CPU measurement.
#[test]
fn auto_candidate_batches_run_where_the_per_fit_estimate_says() {
    let Some(device) = common::device() else { return };
    let well = synthetic::workspace(Shape { channels: 2, bins: 10, backgrounds: 2, shapefactor: false }, 5);
    let plan = Plan { backend: Backend::Gpu(Precision::F32), reason: "evaluations favour the GPU (test)".into() };
    for (name, ws) in [("well-conditioned", well), ("correlated", correlated_workspace(200, 24, 12))] {
        let models = candidates_of(&ws, 6);
        let refs: Vec<&BatchModel> = models.iter().collect();
        assert_eq!(group_by_structure(&refs.iter().map(|&m| Some(m)).collect::<Vec<_>>()).len(), 1);
        let costs = fast_gpu_crossover(&models[0], models.len());
        let (results, run) = discovery_auto(&plan, Some(device.clone()), &refs, &costs);
        let estimate = run.estimate.clone().expect("auto records its per-fit estimate");
        eprintln!("{name}: {} on {} ({} rounds)", run.reason, run.backend, run.rounds);
        assert_eq!(estimate.gpu, name == "well-conditioned", "{name}: {}", run.reason);
        assert_eq!(run.backend == "cpu", !estimate.gpu, "{run:?}");
        assert_eq!(run.rounds > 0, estimate.gpu, "{run:?}");
        assert!(run.reason.contains("; per fit: ") && run.reason.ends_with(&estimate.reason), "{}", run.reason);
        assert_eq!((estimate.costs.fits, estimate.costs.batch), (10, candidate_batch_size(5)), "the first candidate is the CPU measurement");
        assert_eq!((run.candidates, run.fits), (6, 12));
        let json = serde_json::to_value(&run).unwrap();
        assert!(json["estimate"]["breakEvenRounds"].is_u64() && json["estimate"]["gpuRoundS"].is_number(), "{json}");
        for (m, r) in models.iter().zip(&results) {
            let (cpu, r) = (discovery_cpu(m).unwrap().value, r.as_ref().unwrap().value);
            if estimate.gpu {
                assert!((cpu - r).abs() <= 1e-5 * cpu.abs().max(1.0), "{name}: q0 {r} vs {cpu}");
            } else {
                assert_eq!(cpu, r, "{name}: the CPU path is the per-trial path");
            }
        }
    }
    let lone = candidates_of(&correlated_workspace(200, 24, 12), 1);
    let (results, run) = discovery_auto(&plan, Some(device), &[&lone[0]], &fast_gpu_crossover(&lone[0], 2));
    assert!(run.estimate.is_none() && run.backend == "cpu" && run.reason.ends_with("one candidate to fit: CPU"), "{run:?}");
    assert_eq!(results[0].as_ref().unwrap().value, discovery_cpu(&lone[0]).unwrap().value);
}

/// The planner hands its measured costs to a candidate batch only under `auto` and a GPU plan.
#[test]
fn auto_costs_only_for_an_auto_gpu_plan() {
    let Some(device) = common::device() else { return };
    let ws = synthetic::workspace(Shape { channels: 1, bins: 4, backgrounds: 1, shapefactor: false }, 21);
    let m = BatchModel::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let mut planner = Planner::with_device(BackendChoice::Auto, Some(device));
    planner.precision = Some(Precision::F32);
    let crossover = planner.measure(&m).unwrap();
    let gpu = Plan { backend: Backend::Gpu(crossover.precision), reason: String::new() };
    let cpu = Plan { backend: Backend::Cpu, reason: String::new() };
    assert!(planner.auto_costs(&m, &gpu).is_some_and(|c| c.gpu == crossover.gpu));
    assert!(planner.auto_costs(&m, &cpu).is_none());
    planner.choice = BackendChoice::Gpu;
    assert!(planner.auto_costs(&m, &gpu).is_none(), "forced GPU is not second-guessed");
}
