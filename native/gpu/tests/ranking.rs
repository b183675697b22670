//! Impact rankings with the refits in one lockstep batch against histune-infer's CPU ranking (one
//! engine fit per refit), on pyhf validation fixtures and generated models.

mod common;

use histune_gpu::ranking::{rank_on, ranking_batch_size};
use histune_gpu::synthetic::{self, Shape};
use histune_gpu::{Backend, BackendChoice, BatchModel, Planner, Precision};
use histune_infer::{impact_fit_count, rank_impacts, Ranking, Setup};

/// Models with nuisance parameters to rank: generated ones (every modifier) and the fixtures
/// whose CPU ranking works (a fixture without nuisance parameters, or without a Hessian at its
/// best fit, has nothing to compare).
fn models() -> Vec<(String, BatchModel, Ranking)> {
    let mut out = Vec::new();
    let generated = [
        Shape { channels: 1, bins: 3, backgrounds: 1, shapefactor: false },
        Shape { channels: 2, bins: 5, backgrounds: 2, shapefactor: true },
    ];
    let mut candidates: Vec<(String, BatchModel)> = generated
        .iter()
        .enumerate()
        .map(|(i, &shape)| {
            let ws = synthetic::workspace(shape, 40 + i as u64);
            (format!("generated {}x{}x{}", shape.channels, shape.bins, shape.backgrounds + 1), BatchModel::from_text(&ws.to_string(), Default::default()).unwrap())
        })
        .collect();
    candidates.extend(common::fixture_models());
    for (name, m) in candidates {
        let setup = Setup::new(&m.model);
        if impact_fit_count(&m.model, &setup) == 0 || setup.fixed[m.model.poi_index()] {
            continue;
        }
        if let Ok(cpu) = rank_impacts(&m.model, &setup, None, None) {
            out.push((name, m, cpu));
        }
    }
    assert!(out.len() >= 6, "too few models to rank: {}", out.len());
    out
}

/// Largest |GPU − CPU| shift over all impacts, relative to σ(μ̂) (the scale of the impacts).
fn max_shift_diff(cpu: &Ranking, gpu: &Ranking) -> f64 {
    assert_eq!(cpu.n_ranked, gpu.n_ranked);
    let mut worst: f64 = 0.0;
    for c in &cpu.impacts {
        let g = gpu.impacts.iter().find(|g| g.name == c.name).unwrap_or_else(|| panic!("{} missing from the GPU ranking", c.name));
        assert_eq!((c.bestfit, c.uncertainty, c.pull, c.constraint), (g.bestfit, g.uncertainty, g.pull, g.constraint), "{}: the free fit runs on the CPU in both", c.name);
        assert_eq!(c.prefit_up.is_some(), g.prefit_up.is_some());
        let pairs = [(c.postfit_up, g.postfit_up), (c.postfit_down, g.postfit_down), (c.prefit_up.unwrap_or(0.0), g.prefit_up.unwrap_or(0.0)), (c.prefit_down.unwrap_or(0.0), g.prefit_down.unwrap_or(0.0))];
        for (a, b) in pairs {
            worst = worst.max((a - b).abs() / cpu.mu_hat_uncertainty);
        }
    }
    worst
}

/// Same order, except among impacts whose totals lie within `tol`·σ(μ̂) of each other.
fn assert_same_order(cpu: &Ranking, gpu: &Ranking, tol: f64, what: &str) {
    let scale = tol * cpu.mu_hat_uncertainty;
    for (k, c) in cpu.impacts.iter().enumerate() {
        let g = &gpu.impacts[k];
        if g.name != c.name {
            let other = cpu.impacts.iter().find(|i| i.name == g.name).unwrap();
            assert!((other.total - c.total).abs() <= 2.0 * scale, "{what}: rank {k} is {} on the CPU but {} on the GPU (totals {} vs {})", c.name, g.name, c.total, other.total);
        }
    }
}

#[test]
fn gpu_rankings_agree_with_the_cpu_ranking() {
    let Some(device) = common::device() else { return };
    for (name, m, cpu) in models() {
        let setup = Setup::new(&m.model);
        for precision in [Precision::F64, Precision::F32] {
            if precision == Precision::F64 && !device.has_f64() {
                continue;
            }
            let mut planner = Planner::with_device(BackendChoice::Gpu, Some(device.clone()));
            planner.precision = Some(precision);
            let (gpu, ran) = rank_on(&mut planner, &m, &setup, None, None).unwrap();
            let what = format!("{name} {precision:?}");
            assert_eq!(ran.backend, format!("gpu-{}", if precision == Precision::F64 { "f64" } else { "f32" }), "{what}: {ran:?}");
            assert!(ran.notes.is_empty(), "{what}: {:?}", ran.notes);
            assert_eq!(ran.fits, impact_fit_count(&m.model, &setup), "{what}");
            assert!(ran.rounds > 0 && ran.fits_per_second > 0.0);
            assert_eq!((cpu.mu_hat, cpu.mu_hat_uncertainty), (gpu.mu_hat, gpu.mu_hat_uncertainty), "{what}");
            let diff = max_shift_diff(&cpu, &gpu);
            eprintln!("{what}: {} ranked, max |Δshift|/σμ = {diff:.2e}, rounds {}", cpu.n_ranked, ran.rounds);
            // Both are converged minima: measured ≤ 3e-10 σ(μ̂) in f64 and, since f32 fits are
            // finished in f64 (fit_batch_refined), ≤ 5e-10 in f32 on lavapipe.
            let bound = if precision == Precision::F64 { 1e-7 } else { 1e-6 };
            assert!(diff <= bound, "{what}: impacts differ by {diff:e} σ(μ̂)");
            assert_same_order(&cpu, &gpu, bound, &what);
            assert_eq!(gpu.diagnostics.converged, cpu.diagnostics.converged, "{what}: {:?}", gpu.diagnostics.warnings);
        }
    }
}

#[test]
fn forced_cpu_and_a_missing_gpu_give_the_cpu_ranking_unchanged() {
    let ws = synthetic::workspace(Shape { channels: 2, bins: 4, backgrounds: 1, shapefactor: false }, 9);
    let m = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let setup = Setup::new(&m.model);
    let reference = rank_impacts(&m.model, &setup, Some(3), None).unwrap();
    for mut planner in [Planner::with_device(BackendChoice::Cpu, common::device()), Planner::with_device(BackendChoice::Gpu, None)] {
        let (r, ran) = rank_on(&mut planner, &m, &setup, Some(3), None).unwrap();
        assert_eq!(ran.backend, "cpu");
        assert_eq!(ran.rounds, 0);
        assert_eq!(ran.fits, impact_fit_count(&m.model, &setup));
        assert_eq!(serde_json::to_value(&r.impacts).unwrap(), serde_json::to_value(&reference.impacts).unwrap());
        assert_eq!(r.n_ranked, reference.n_ranked);
    }
    let mut planner = Planner::with_device(BackendChoice::Gpu, None);
    let plan = planner.plan(&m, ranking_batch_size(&m.model, &setup));
    assert_eq!(plan.backend, Backend::Cpu);
    assert!(plan.reason.contains("no GPU"), "{}", plan.reason);
}

#[test]
fn batched_rankings_reject_a_bad_request_like_the_cpu() {
    let ws = synthetic::workspace(Shape { channels: 1, bins: 3, backgrounds: 1, shapefactor: false }, 2);
    let m = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let mut setup = Setup::new(&m.model);
    setup.fixed[m.model.poi_index()] = true;
    let mut planner = Planner::with_device(BackendChoice::Gpu, common::device());
    let err = rank_on(&mut planner, &m, &setup, None, None).unwrap_err();
    assert!(err.message.contains("is fixed"), "{}", err.message);
    assert_eq!(err.message, rank_impacts(&m.model, &setup, None, None).unwrap_err().message);
    let setup = Setup::new(&m.model);
    let err = rank_on(&mut planner, &m, &setup, None, Some(&[1.0])).unwrap_err();
    assert_eq!(err.message, rank_impacts(&m.model, &setup, None, Some(&[1.0])).unwrap_err().message);
}
