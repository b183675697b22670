//! Toy-based hypothesis tests through the batched path against histune-infer's CPU toys, same
//! seeds (so the same toy datasets).

mod common;

use histune_gpu::synthetic::{self, Shape};
use histune_gpu::toys::toys_on;
use histune_gpu::{Backend, BackendChoice, BatchModel, Planner, Precision};
use histune_infer::{Setup, TestStatistic, ToyOptions, ToyResult};

fn model() -> BatchModel {
    let ws = synthetic::workspace(Shape { channels: 2, bins: 5, backgrounds: 1, shapefactor: false }, 33);
    BatchModel::from_text(&ws.to_string(), Default::default()).unwrap()
}

/// Monte-Carlo standard error of a toy p-value.
fn mc_error(p: f64, n: usize) -> f64 {
    (p.max(1.0 / n as f64) * (1.0 - p).max(1.0 / n as f64) / n as f64).sqrt()
}

fn compare(cpu: &ToyResult, gpu: &ToyResult, what: &str) {
    let n = cpu.n_toys;
    assert_eq!(cpu.observed, gpu.observed, "{what}: the observed statistic is fitted on the CPU in both paths");
    // Same toys: each statistic agrees to the fits' tolerance, apart from rare different minima.
    let pairs = cpu.signal_teststats.iter().zip(&gpu.signal_teststats).chain(cpu.background_teststats.iter().zip(&gpu.background_teststats));
    let (mut close, mut total) = (0, 0);
    for (a, b) in pairs {
        total += 1;
        if (a - b).abs() <= 1e-5 * a.abs().max(1.0) {
            close += 1;
        }
    }
    assert!(close as f64 >= 0.99 * total as f64, "{what}: only {close} of {total} toy statistics agree to 1e-5");
    for (name, a, b) in [("CLs+b", cpu.clsb, gpu.clsb), ("CLb", cpu.clb, gpu.clb), ("CLs", cpu.cls, gpu.cls)] {
        assert!((a - b).abs() <= 2.0 * mc_error(a, n), "{what}: {name} {a} (CPU) vs {b} (GPU), MC error {}", mc_error(a, n));
    }
    assert!(gpu.diagnostics.converged, "{what}: {:?}", gpu.diagnostics.warnings);
}

#[test]
fn gpu_toys_agree_with_the_cpu_toys_for_the_same_seeds() {
    let Some(device) = common::device() else { return };
    let m = model();
    let setup = Setup::new(&m.model);
    for (kind, mu, n_toys) in [(TestStatistic::Q0, 0.0, 150), (TestStatistic::QmuTilde, 1.0, 100)] {
        let options = ToyOptions { n_toys, seed: 7, test_stat: kind };
        let cpu = histune_infer::toys(&m.model, &setup, mu, &options, None).unwrap();
        for precision in [Precision::F64, Precision::F32] {
            if precision == Precision::F64 && !device.has_f64() {
                continue;
            }
            let mut planner = Planner::with_device(BackendChoice::Gpu, Some(device.clone()));
            planner.precision = Some(precision);
            let (gpu, ran) = toys_on(&mut planner, &m, &setup, mu, &options, None).unwrap();
            assert_eq!(ran.backend, format!("gpu-{}", if precision == Precision::F64 { "f64" } else { "f32" }), "{ran:?}");
            assert!(ran.notes.is_empty(), "{:?}", ran.notes);
            assert_eq!(ran.toy_fits, 4 * n_toys);
            assert!(ran.rounds > 0 && ran.fits_per_second > 0.0);
            compare(&cpu, &gpu, &format!("{} {precision:?}", kind.as_str()));
            if kind == TestStatistic::Q0 {
                assert_eq!(gpu.p0, Some(gpu.clsb));
                assert!(gpu.z0.is_some());
            }
        }
    }
}

#[test]
fn forced_cpu_and_missing_gpu_run_the_engine_toys_unchanged() {
    let m = model();
    let setup = Setup::new(&m.model);
    let options = ToyOptions { n_toys: 40, seed: 3, test_stat: TestStatistic::Q0 };
    let reference = histune_infer::toys(&m.model, &setup, 0.0, &options, None).unwrap();
    for mut planner in [Planner::with_device(BackendChoice::Cpu, common::device()), Planner::with_device(BackendChoice::Gpu, None)] {
        let (r, ran) = toys_on(&mut planner, &m, &setup, 0.0, &options, None).unwrap();
        assert_eq!(ran.backend, "cpu");
        assert_eq!(r.signal_teststats, reference.signal_teststats);
        assert_eq!(r.background_teststats, reference.background_teststats);
        assert_eq!(r.p0, reference.p0);
    }
    // With no device the plan says why.
    let mut planner = Planner::with_device(BackendChoice::Gpu, None);
    let plan = planner.plan(&m, 1000);
    assert_eq!(plan.backend, Backend::Cpu);
    assert!(plan.reason.contains("no GPU"), "{}", plan.reason);
}

#[test]
fn batched_toys_reject_a_bad_request_like_the_cpu() {
    let m = model();
    let setup = Setup::new(&m.model);
    let mut planner = Planner::with_device(BackendChoice::Gpu, common::device());
    let zero = ToyOptions { n_toys: 0, seed: 0, test_stat: TestStatistic::Q0 };
    assert!(toys_on(&mut planner, &m, &setup, 0.0, &zero, None).unwrap_err().message.contains("at least 1"));
    let outside = ToyOptions { n_toys: 5, seed: 0, test_stat: TestStatistic::QmuTilde };
    assert!(toys_on(&mut planner, &m, &setup, 99.0, &outside, None).unwrap_err().message.contains("outside the bounds"));
}
