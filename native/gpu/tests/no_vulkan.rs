//! With the Vulkan loader pointed at no driver there is no adapter; nothing may crash.
//! (Own test binary: the environment is set before anything loads Vulkan.)

use histune_gpu::synthetic::{self, Shape};
use histune_gpu::{fit_batch, list_adapters, Backend, BackendChoice, BatchModel, DeviceRequest, FitTask, Planner};

#[test]
fn without_a_vulkan_driver_everything_runs_on_the_cpu() {
    // SAFETY: the only test in this binary, run before any other thread reads the environment.
    std::env::set_var("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    std::env::set_var("VK_DRIVER_FILES", "/nonexistent/icd.json");
    assert!(list_adapters().is_empty(), "the loader still found a driver: {:?}", list_adapters());
    let ws = synthetic::workspace(Shape { channels: 1, bins: 4, backgrounds: 1, shapefactor: false }, 4);
    let m = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let mut planner = Planner::new(BackendChoice::Gpu, &DeviceRequest::new());
    assert!(planner.note.as_deref().unwrap_or("").contains("no GPU adapter"), "{:?}", planner.note);
    let plan = planner.plan(&m, 1000);
    assert_eq!(plan.backend, Backend::Cpu);
    let mut ev = planner.evaluator(&m, &plan);
    let report = fit_batch(&mut ev, &m, &[m.observed().clone()], &[FitTask::default(), FitTask::default()], &Default::default()).unwrap();
    assert!(report.results.iter().all(|r| r.converged));
    assert_eq!(report.results[0].bestfit, report.results[1].bestfit);
}
