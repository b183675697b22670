//! Batched NLL and gradient against the CPU f64 engine.

mod common;

use histune_gpu::precision::{f32_grad_bounds, f32_nll_bound};
use histune_gpu::synthetic;
use histune_gpu::{BatchEvaluator, BatchModel, CpuBatch, GpuBatch, Precision};

struct Case {
    name: String,
    model: BatchModel,
}

fn cases() -> Vec<Case> {
    common::fixture_models().into_iter().chain(common::generated_models()).map(|(name, model)| Case { name, model }).collect()
}

/// Observed data plus two toys; items cycle through them.
fn datasets(model: &BatchModel) -> Vec<histune_engine::Dataset> {
    let mut d = vec![model.observed().clone()];
    d.extend(synthetic::toys(&model.model, &model.model.suggested_init(), 2, 99));
    d
}

fn run(ev: &mut dyn BatchEvaluator, model: &BatchModel, data: &[histune_engine::Dataset], pars: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let n = pars.len() / model.n_pars();
    let items: Vec<u32> = (0..n).map(|i| (i % data.len()) as u32).collect();
    let (mut nll, mut grad) = (vec![0.0; n], vec![0.0; n * model.n_pars()]);
    ev.set_datasets(data).unwrap();
    ev.nll_and_grad(pars, &items, &mut nll, &mut grad).unwrap();
    (nll, grad, items)
}

#[test]
fn f64_path_matches_the_engine_to_1e10() {
    let Some(device) = common::device() else { return };
    if !device.has_f64() {
        eprintln!("SKIPPED f64 comparison: {} has no SHADER_F64", device.adapter.name);
        return;
    }
    let mut worst: f64 = 0.0;
    for case in cases() {
        let m = &case.model;
        let data = datasets(m);
        let pars = common::points(m, 24, 5);
        let (nll0, grad0, _) = run(&mut CpuBatch::new(m), m, &data, &pars);
        let mut gpu = GpuBatch::new(device.clone(), m, Precision::F64).unwrap();
        let (nll1, grad1, _) = run(&mut gpu, m, &data, &pars);
        for i in 0..nll0.len() {
            let rel = (nll0[i] - nll1[i]).abs() / nll0[i].abs().max(1.0);
            assert!(rel <= 1e-10, "{} item {i}: NLL {} (CPU) vs {} (GPU f64)", case.name, nll0[i], nll1[i]);
            worst = worst.max(rel);
        }
        for (k, (a, b)) in grad0.iter().zip(&grad1).enumerate() {
            let rel = (a - b).abs() / a.abs().max(1.0);
            assert!(rel <= 1e-10, "{} gradient entry {k}: {a} (CPU) vs {b} (GPU f64)", case.name);
            worst = worst.max(rel);
        }
    }
    eprintln!("f64 path: largest relative difference {worst:.2e}");
}

#[test]
fn f32_path_stays_within_its_documented_bound() {
    let Some(device) = common::device() else { return };
    let (mut worst_nll, mut worst_grad): (f64, f64) = (0.0, 0.0);
    for case in cases() {
        let m = &case.model;
        let data = datasets(m);
        let pars = common::points(m, 12, 7);
        let (nll0, grad0, items) = run(&mut CpuBatch::new(m), m, &data, &pars);
        let mut gpu = GpuBatch::new(device.clone(), m, Precision::F32).unwrap();
        let (nll1, grad1, _) = run(&mut gpu, m, &data, &pars);
        let np = m.n_pars();
        for i in 0..nll0.len() {
            let p = &pars[i * np..(i + 1) * np];
            let d = &data[items[i] as usize];
            let bound = f32_nll_bound(&m.flat, p, d);
            let err = (nll0[i] - nll1[i]).abs();
            assert!(err <= bound, "{} item {i}: NLL {} (f64) vs {} (f32), error {err:.3e} > bound {bound:.3e}", case.name, nll0[i], nll1[i]);
            worst_nll = worst_nll.max(err / bound);
            for (k, b) in f32_grad_bounds(&m.flat, p, d).iter().enumerate() {
                let (a, g) = (grad0[i * np + k], grad1[i * np + k]);
                let allowed = b + 1e-12 * a.abs();
                assert!((a - g).abs() <= allowed, "{} item {i} ∂{k}: {a} (f64) vs {g} (f32), bound {allowed:.3e}", case.name);
                worst_grad = worst_grad.max((a - g).abs() / allowed);
            }
        }
    }
    eprintln!("f32 path: largest error / bound: NLL {worst_nll:.3}, gradient {worst_grad:.3}");
}

/// An f32 evaluation of −logpdf without the per-bin reference loses about 2^-24·Σ n·ln ν; the
/// deviance form must be far better than that near the best fit, or it is not doing its job.
#[test]
fn f32_reference_form_beats_direct_summation_near_the_minimum() {
    let Some(device) = common::device() else { return };
    let ws = synthetic::workspace(synthetic::Shape { channels: 2, bins: 50, backgrounds: 2, shapefactor: false }, 3);
    let m = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let fit = m.model.fit(m.observed(), &Default::default()).unwrap();
    let (nll0, _, _) = run(&mut CpuBatch::new(&m), &m, &[m.observed().clone()], &fit.bestfit);
    let mut gpu = GpuBatch::new(device, &m, Precision::F32).unwrap();
    let (nll1, _, _) = run(&mut gpu, &m, &[m.observed().clone()], &fit.bestfit);
    let nu = m.flat.rates(&fit.bestfit);
    let direct_scale: f64 = nu.iter().zip(m.observed().main()).map(|(&v, &n)| v + n * v.ln().abs()).sum::<f64>() * histune_gpu::precision::F32_EPSILON;
    let err = (nll0[0] - nll1[0]).abs();
    assert!(err < 0.1 * direct_scale, "f32 error {err:.3e} is not well below the direct-summation scale {direct_scale:.3e}");
}

#[test]
fn results_are_reproducible_and_independent_of_batch_layout() {
    let Some(device) = common::device() else { return };
    let (_, m) = common::generated_models().into_iter().nth(4).unwrap();
    let data = datasets(&m);
    let pars = common::points(&m, 23, 11);
    let np = m.n_pars();
    for precision in [Precision::F32, Precision::F64] {
        if precision == Precision::F64 && !device.has_f64() {
            continue;
        }
        let mut gpu = GpuBatch::new(device.clone(), &m, precision).unwrap();
        let (nll_a, grad_a, items) = run(&mut gpu, &m, &data, &pars);
        let (nll_b, grad_b, _) = run(&mut gpu, &m, &data, &pars);
        assert_eq!(nll_a, nll_b, "{precision:?}: repeated batch differs");
        assert_eq!(grad_a, grad_b);
        // Several small dispatches instead of one, and one item on its own.
        gpu.set_max_items_per_dispatch(5);
        let (nll_c, grad_c, _) = run(&mut gpu, &m, &data, &pars);
        assert_eq!(nll_a, nll_c, "{precision:?}: chunked batch differs");
        assert_eq!(grad_a, grad_c);
        let i = 17;
        let (mut one, mut g_one) = (vec![0.0; 1], vec![0.0; np]);
        gpu.nll_and_grad(&pars[i * np..(i + 1) * np], &items[i..i + 1], &mut one, &mut g_one).unwrap();
        assert_eq!(one[0], nll_a[i]);
        assert_eq!(&g_one[..], &grad_a[i * np..(i + 1) * np]);
    }
}

#[test]
fn zero_and_negative_rates_give_the_engines_infinity_and_nan() {
    let Some(device) = common::device() else { return };
    let (_, m) = common::generated_models().into_iter().next().unwrap();
    let lumi = m.model.par_names().iter().position(|n| n == "lumi").unwrap();
    let mut zero = m.model.suggested_init();
    zero[lumi] = 0.0;
    let mut negative = zero.clone();
    negative[lumi] = -0.5;
    let pars: Vec<f64> = zero.iter().chain(&negative).copied().collect();
    let data = [m.observed().clone()];
    let (cpu, _, _) = run(&mut CpuBatch::new(&m), &m, &data, &pars);
    assert_eq!(cpu[0], f64::INFINITY);
    assert!(cpu[1].is_nan());
    for precision in [Precision::F32, Precision::F64] {
        if precision == Precision::F64 && !device.has_f64() {
            continue;
        }
        let (gpu, _, _) = run(&mut GpuBatch::new(device.clone(), &m, precision).unwrap(), &m, &data, &pars);
        assert_eq!(gpu[0], f64::INFINITY, "{precision:?}");
        assert!(gpu[1].is_nan(), "{precision:?}");
    }
}

#[test]
fn bad_batch_shapes_are_errors() {
    let Some(device) = common::device() else { return };
    let (_, m) = common::generated_models().into_iter().next().unwrap();
    let mut gpu = GpuBatch::new(device, &m, Precision::F32).unwrap();
    gpu.set_datasets(&[m.observed().clone()]).unwrap();
    let np = m.n_pars();
    let (mut nll, mut grad) = (vec![0.0; 2], vec![0.0; 2 * np]);
    let pars = vec![1.0; 2 * np];
    assert!(gpu.nll_and_grad(&pars, &[0, 1], &mut nll, &mut grad).is_err(), "dataset 1 does not exist");
    assert!(gpu.nll_and_grad(&pars[1..], &[0, 0], &mut nll, &mut grad).is_err(), "too few parameters");
}
