//! Evaluating the NLL and its gradient allocates nothing once the evaluator exists.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use histune_engine::{Model, ModelOptions};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Only allocations of the measuring thread count (the test harness allocates on its own).
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if MEASURING.with(|m| m.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn nll_gradient_and_hessian_do_not_allocate() {
    let ws = serde_json::json!({
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [3.0, 5.0], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": null},
                {"name": "th", "type": "normsys", "data": {"lo": 0.9, "hi": 1.1}}]},
            {"name": "bkg", "data": [30.0, 20.0], "modifiers": [
                {"name": "jes", "type": "histosys", "data": {"lo_data": [28.0, 19.0], "hi_data": [33.0, 21.0]}},
                {"name": "stat", "type": "staterror", "data": [2.0, 1.5]},
                {"name": "bb", "type": "shapesys", "data": [3.0, 2.0]},
                {"name": "sf", "type": "shapefactor", "data": null}]}
        ]}],
        "observations": [{"name": "SR", "data": [35.0, 24.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0"
    });
    let model = Model::from_text(&ws.to_string(), ModelOptions::default()).unwrap();
    let mut ev = model.evaluator();
    let pars = model.suggested_init();
    let mut grad = vec![0.0; model.n_pars()];
    let mut hess = vec![0.0; model.n_pars() * model.n_pars()];
    let data = model.observed();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    MEASURING.with(|m| m.set(true));
    let mut sum = 0.0;
    for _ in 0..1000 {
        sum += ev.nll(&model, &pars, data);
        sum += ev.nll_and_grad(&model, &pars, data, &mut grad);
        sum += ev.nll_grad_hessian(&model, &pars, data, &mut grad, &mut hess);
    }
    MEASURING.with(|m| m.set(false));
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(sum.is_finite());
    assert_eq!(after - before, 0, "{} allocations in 3000 evaluations", after - before);
}
