//! An impact ranking with the Vulkan loader pointed at no driver: planned for the GPU, it runs on
//! the CPU with a note and gives the CPU ranking. (Own test binary: the environment is set before
//! anything loads Vulkan.)

use histune_gpu::ranking::rank_on;
use histune_gpu::synthetic::{self, Shape};
use histune_gpu::{list_adapters, BackendChoice, BatchModel, DeviceRequest, Planner};
use histune_infer::{rank_impacts, Setup};

#[test]
fn without_a_vulkan_driver_the_ranking_runs_on_the_cpu() {
    // SAFETY: the only test in this binary, run before any other thread reads the environment.
    std::env::set_var("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    std::env::set_var("VK_DRIVER_FILES", "/nonexistent/icd.json");
    assert!(list_adapters().is_empty(), "the loader still found a driver: {:?}", list_adapters());
    let ws = synthetic::workspace(Shape { channels: 2, bins: 3, backgrounds: 1, shapefactor: false }, 5);
    let m = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let setup = Setup::new(&m.model);
    let reference = rank_impacts(&m.model, &setup, None, None).unwrap();
    for choice in [BackendChoice::Gpu, BackendChoice::Auto] {
        let mut planner = Planner::new(choice, &DeviceRequest::new());
        let (r, ran) = rank_on(&mut planner, &m, &setup, None, None).unwrap();
        assert_eq!(ran.backend, "cpu");
        assert!(ran.reason.contains("no GPU adapter"), "{}", ran.reason);
        assert_eq!(serde_json::to_value(&r.impacts).unwrap(), serde_json::to_value(&reference.impacts).unwrap());
    }
}
