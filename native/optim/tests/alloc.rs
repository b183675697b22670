//! `Minimizer::minimize_in_place` must not allocate once its workspace exists.

use histune_optim::{Minimizer, Options, Scaling};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn hot_path_is_allocation_free() {
    let n = 30;
    let inf = f64::INFINITY;
    let lower: Vec<f64> = (0..n)
        .map(|i| if i % 3 == 0 { 0.0 } else { -inf })
        .collect();
    let upper = vec![inf; n];
    let fixed: Vec<bool> = (0..n).map(|i| i == 7).collect();
    let mut f = |x: &[f64], g: &mut [f64]| {
        let mut v = 0.0;
        for i in 0..x.len() {
            let c = (i as f64 * 0.37).sin();
            v += (1.0 + i as f64) * (x[i] - c).powi(2) + 0.1 * x[i].powi(4);
            g[i] = 2.0 * (1.0 + i as f64) * (x[i] - c) + 0.4 * x[i].powi(3);
        }
        v
    };
    let x0 = vec![0.5; n];
    for scaling in [
        Scaling::None,
        Scaling::AutoDiagonal,
        Scaling::Manual(vec![0.5; n]),
    ] {
        let mut mz = Minimizer::new(
            n,
            Options {
                scaling,
                always_polish: true,
                ..Options::default()
            },
        );
        let mut x = x0.clone();
        let first = mz.minimize_in_place(&mut f, &mut x, &lower, &upper, &fixed);
        assert!(first.converged, "{first:?}");
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut x = x0.clone();
        let before_run = ALLOCATIONS.load(Ordering::Relaxed);
        let second = mz.minimize_in_place(&mut f, &mut x, &lower, &upper, &fixed);
        let after = ALLOCATIONS.load(Ordering::Relaxed);
        assert!(second.converged);
        assert_eq!(first.f, second.f);
        assert_eq!(
            after - before_run,
            0,
            "minimize_in_place allocated ({} before clone)",
            before_run - before
        );
    }
}
