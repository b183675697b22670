//! The planner never fails for want of a GPU: it runs on the CPU and says why.

mod common;

use histune_gpu::synthetic::{self, Shape};
use histune_gpu::{fit_batch, Backend, BackendChoice, BatchEvaluator, BatchModel, CpuBatch, DeviceRequest, GpuDevice, Planner, Precision};

fn model() -> BatchModel {
    let ws = synthetic::workspace(Shape { channels: 1, bins: 5, backgrounds: 1, shapefactor: false }, 2);
    BatchModel::from_text(&ws.to_string(), Default::default()).unwrap()
}

fn cpu_reference(m: &BatchModel, pars: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = pars.len() / m.n_pars();
    let (mut nll, mut grad) = (vec![0.0; n], vec![0.0; pars.len()]);
    let mut cpu = CpuBatch::new(m);
    cpu.set_datasets(&[m.observed().clone()]).unwrap();
    cpu.nll_and_grad(pars, &vec![0; n], &mut nll, &mut grad).unwrap();
    (nll, grad)
}

#[test]
fn a_forced_missing_adapter_falls_back_to_the_cpu_with_a_note() {
    let m = model();
    let request = DeviceRequest { adapter_name: Some("no-such-adapter-anywhere".into()), want_f64: true };
    assert!(matches!(GpuDevice::open(&request), Err(histune_gpu::GpuError::NoAdapter(_))));
    for choice in [BackendChoice::Auto, BackendChoice::Gpu] {
        let mut planner = Planner::new(choice, &request);
        assert!(planner.device().is_none());
        let note = planner.note.clone().expect("a note says why");
        assert!(note.contains("no-such-adapter-anywhere") || note.contains("no adapter") || note.contains("Vulkan"), "{note}");
        let plan = planner.plan(&m, 10_000);
        assert_eq!(plan.backend, Backend::Cpu);
        let mut ev = planner.evaluator(&m, &plan);
        assert_eq!(ev.backend(), Backend::Cpu);
        let pars = common::points(&m, 4, 1);
        let n = 4;
        let (mut nll, mut grad) = (vec![0.0; n], vec![0.0; pars.len()]);
        ev.set_datasets(&[m.observed().clone()]).unwrap();
        ev.nll_and_grad(&pars, &[0; 4], &mut nll, &mut grad).unwrap();
        assert_eq!((nll, grad), cpu_reference(&m, &pars));
        let tasks = vec![histune_gpu::FitTask::default(); 3];
        let report = fit_batch(&mut ev, &m, &[m.observed().clone()], &tasks, &Default::default()).unwrap();
        assert!(report.results.iter().all(|r| r.converged));
    }
}

#[test]
fn a_gpu_plan_whose_pipeline_cannot_be_built_runs_on_the_cpu() {
    let Some(_) = common::device() else { return };
    let m = model();
    // A device opened without SHADER_F64 cannot build the f64 pipeline.
    let device = GpuDevice::open(&DeviceRequest { adapter_name: None, want_f64: false }).unwrap();
    assert!(!device.has_f64());
    let mut planner = Planner::with_device(BackendChoice::Gpu, Some(std::sync::Arc::new(device)));
    let plan = histune_gpu::Plan { backend: Backend::Gpu(Precision::F64), reason: "test".into() };
    let mut ev = planner.evaluator(&m, &plan);
    assert_eq!(ev.backend(), Backend::Cpu);
    assert!(ev.notes.iter().any(|n| n.contains("SHADER_F64")), "{:?}", ev.notes);
    let pars = common::points(&m, 3, 2);
    let (mut nll, mut grad) = (vec![0.0; 3], vec![0.0; pars.len()]);
    ev.set_datasets(&[m.observed().clone()]).unwrap();
    ev.nll_and_grad(&pars, &[0; 3], &mut nll, &mut grad).unwrap();
    assert_eq!((nll, grad), cpu_reference(&m, &pars));
}

#[test]
fn forcing_either_backend_is_obeyed_and_auto_measures_a_crossover() {
    let Some(device) = common::device() else { return };
    let m = model();
    let mut cpu = Planner::with_device(BackendChoice::Cpu, Some(device.clone()));
    assert_eq!(cpu.plan(&m, 1_000_000).backend, Backend::Cpu);
    let mut gpu = Planner::with_device(BackendChoice::Gpu, Some(device.clone()));
    assert!(matches!(gpu.plan(&m, 1).backend, Backend::Gpu(_)));
    let mut auto = Planner::with_device(BackendChoice::Auto, Some(device));
    let plan = auto.plan(&m, 100);
    let crossover = auto.crossovers().first().expect("auto measured a crossover").clone();
    assert_eq!(crossover.sample_bins, m.n_sample_bins());
    assert!(crossover.cpu.per_item_s > 0.0 || crossover.cpu.fixed_s > 0.0);
    match crossover.batch {
        Some(b) => assert_eq!(matches!(plan.backend, Backend::Gpu(_)), 100 >= b, "{plan:?} {crossover:?}"),
        None => assert_eq!(plan.backend, Backend::Cpu),
    }
    // The measurement is reused.
    auto.plan(&m, 5);
    assert_eq!(auto.crossovers().len(), 1);
}

#[test]
fn the_self_check_reports_the_gpu_or_the_fallback() {
    let forced_cpu = histune_gpu::check::self_check(BackendChoice::Cpu, &DeviceRequest::new());
    assert!(forced_cpu.ok);
    assert_eq!(forced_cpu.report["fallback"], "cpu");
    assert_eq!(forced_cpu.report["checks"].as_array().unwrap().len(), 0);
    let Some(device) = common::device() else { return };
    let check = histune_gpu::check::self_check(BackendChoice::Auto, &DeviceRequest::new());
    assert!(check.ok, "{}", check.report);
    assert_eq!(check.report["selected"]["name"], device.adapter.name.as_str());
    let checks = check.report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), if device.has_f64() { 2 } else { 1 });
    assert!(checks.iter().all(|c| c["ok"] == true && c["fits_converged"] == c["fits"]));
    assert!(check.report["max_rel_diff"].as_f64().unwrap() <= if device.has_f64() { 1e-10 } else { 1e-5 });
}
