//! Candidate binnings of one structure evaluated and fitted in lockstep (`candidates.rs`),
//! against the CPU engine per model.

mod common;

use histune_engine::Dataset;
use histune_gpu::candidates::{discovery_batch, discovery_cpu, discovery_lockstep, group_by_structure, CpuCandidates};
use histune_gpu::precision::{f32_grad_bounds, f32_nll_bound};
use histune_gpu::shader::{self, Tables};
use histune_gpu::synthetic::{self, Shape};
use histune_gpu::{BackendChoice, BatchEvaluator, BatchModel, GpuBatch, Planner, Precision};
use serde_json::{json, Value};

const SHAPE: Shape = Shape { channels: 2, bins: 6, backgrounds: 2, shapefactor: false };

/// `n` workspaces of one structure: other yields, uncertainties and data per seed, as candidate
/// rebinnings of one workspace have.
fn candidate_workspaces(n: usize, seed: u64) -> Vec<Value> {
    (0..n).map(|i| synthetic::workspace(SHAPE, seed + i as u64)).collect()
}

/// Observations replaced by the nominal expectation at μ = 1 (the study's Asimov data).
fn asimov(mut ws: Value) -> Value {
    let model = BatchModel::from_text(&ws.to_string(), Default::default()).unwrap();
    let expected = model.model.expected_data(&model.model.suggested_init()).unwrap();
    let mut offset = 0;
    for obs in ws["observations"].as_array_mut().unwrap() {
        let n = obs["data"].as_array().unwrap().len();
        obs["data"] = json!(expected[offset..offset + n]);
        offset += n;
    }
    ws
}

fn compile(ws: &[Value]) -> Vec<BatchModel> {
    ws.iter().map(|w| BatchModel::from_text(&w.to_string(), Default::default()).unwrap()).collect()
}

/// Item i: candidate i % n at a spread point of that candidate.
fn items(models: &[&BatchModel], per_model: usize) -> (Vec<f64>, Vec<u32>) {
    let np = models[0].n_pars();
    let points: Vec<Vec<f64>> = models.iter().enumerate().map(|(i, m)| common::points(m, per_model, 40 + i as u64)).collect();
    let (mut pars, mut of) = (Vec::new(), Vec::new());
    for k in 0..per_model {
        for (d, p) in points.iter().enumerate() {
            pars.extend_from_slice(&p[k * np..(k + 1) * np]);
            of.push(d as u32);
        }
    }
    (pars, of)
}

fn evaluate(ev: &mut dyn BatchEvaluator, data: &[Dataset], pars: &[f64], of: &[u32], np: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut nll, mut grad) = (vec![0.0; of.len()], vec![0.0; of.len() * np]);
    ev.set_datasets(data).unwrap();
    ev.nll_and_grad(pars, of, &mut nll, &mut grad).unwrap();
    (nll, grad)
}

/// Each item on its own model's engine evaluator: the reference.
fn engine(models: &[&BatchModel], data: &[Dataset], pars: &[f64], of: &[u32]) -> (Vec<f64>, Vec<f64>) {
    let np = models[0].n_pars();
    let mut grad = vec![0.0; of.len() * np];
    let nll = of
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let m = &models[d as usize].model;
            m.evaluator().nll_and_grad(m, &pars[i * np..(i + 1) * np], &data[d as usize], &mut grad[i * np..(i + 1) * np])
        })
        .collect();
    (nll, grad)
}

#[test]
fn candidate_shader_validates_with_naga() {
    let models = compile(&candidate_workspaces(1, 3));
    let tables = Tables::new(&models[0].flat);
    let stride = tables.value.len() as u32;
    shader::validate(&shader::source_with_value_stride(&models[0].flat, &tables, Precision::F32, stride), false).unwrap();
    shader::validate(&shader::source_with_value_stride(&models[0].flat, &tables, Precision::F64, stride), true).unwrap();
}

#[test]
fn cpu_candidates_evaluate_each_item_on_its_own_model() {
    let models = compile(&candidate_workspaces(4, 5));
    let refs: Vec<&BatchModel> = models.iter().collect();
    let data: Vec<Dataset> = models.iter().map(|m| m.observed().clone()).collect();
    let (pars, of) = items(&refs, 3);
    let reference = engine(&refs, &data, &pars, &of);
    let got = evaluate(&mut CpuCandidates::new(&refs), &data, &pars, &of, refs[0].n_pars());
    assert_eq!(reference, got);
}

#[test]
fn structures_group_by_bins_per_channel() {
    let mut ws = candidate_workspaces(3, 7);
    ws.push(synthetic::workspace(Shape { bins: 7, ..SHAPE }, 9));
    ws.push(synthetic::workspace(SHAPE, 11));
    let models = compile(&ws);
    let refs: Vec<Option<&BatchModel>> = models.iter().map(Some).chain([None]).collect();
    assert_eq!(group_by_structure(&refs), vec![vec![0, 1, 2, 4], vec![3]]);
}

#[test]
fn candidate_nll_and_grad_match_the_engine_per_model() {
    let Some(device) = common::device() else { return };
    let models = compile(&candidate_workspaces(6, 21));
    let refs: Vec<&BatchModel> = models.iter().collect();
    let np = refs[0].n_pars();
    let data: Vec<Dataset> = models.iter().map(|m| m.observed().clone()).collect();
    let (pars, of) = items(&refs, 8);
    let (nll0, grad0) = engine(&refs, &data, &pars, &of);
    if device.has_f64() {
        let mut gpu = GpuBatch::for_candidates(device.clone(), &refs, Precision::F64).unwrap();
        let (nll1, grad1) = evaluate(&mut gpu, &data, &pars, &of, np);
        for i in 0..nll0.len() {
            let rel = (nll0[i] - nll1[i]).abs() / nll0[i].abs().max(1.0);
            assert!(rel <= 1e-10, "item {i} (candidate {}): NLL {} (engine) vs {} (GPU f64)", of[i], nll0[i], nll1[i]);
        }
        for (k, (a, b)) in grad0.iter().zip(&grad1).enumerate() {
            assert!((a - b).abs() <= 1e-10 * a.abs().max(1.0), "gradient entry {k}: {a} (engine) vs {b} (GPU f64)");
        }
    } else {
        eprintln!("SKIPPED f64 comparison: {} has no SHADER_F64", device.adapter.name);
    }
    let mut gpu = GpuBatch::for_candidates(device.clone(), &refs, Precision::F32).unwrap();
    let (nll1, grad1) = evaluate(&mut gpu, &data, &pars, &of, np);
    for i in 0..nll0.len() {
        let (p, d) = (&pars[i * np..(i + 1) * np], of[i] as usize);
        let bound = f32_nll_bound(&refs[d].flat, p, &data[d]);
        assert!((nll0[i] - nll1[i]).abs() <= bound, "item {i}: NLL {} (engine) vs {} (GPU f32), bound {bound:.3e}", nll0[i], nll1[i]);
        let bounds = f32_grad_bounds(&refs[d].flat, p, &data[d]);
        for k in 0..np {
            let err = (grad0[i * np + k] - grad1[i * np + k]).abs();
            // The bound's Jacobian comes from finite differences; allow its own rounding.
            assert!(err <= bounds[k] + 1e-9 * grad0[i * np + k].abs().max(1.0), "item {i} ∂{k}: error {err:.3e} > bound {:.3e}", bounds[k]);
        }
    }
}

#[test]
fn candidates_of_another_structure_are_refused() {
    let Some(device) = common::device() else { return };
    let models = compile(&[synthetic::workspace(SHAPE, 1), synthetic::workspace(Shape { bins: 5, ..SHAPE }, 2)]);
    let refs: Vec<&BatchModel> = models.iter().collect();
    let err = GpuBatch::for_candidates(device, &refs, Precision::F32).err().expect("different structures");
    assert!(err.to_string().contains("another structure"), "{err}");
}

/// |Δq0| allowed between the lockstep fits and the engine's own `Fitter` (another minimiser
/// path to the same minimum, see toys.rs).
fn q0_tolerance(q0: f64) -> f64 {
    1e-5 * q0.abs().max(1.0)
}

fn check_z0(models: &[BatchModel], precision: Precision) {
    let Some(device) = common::device() else { return };
    if precision == Precision::F64 && !device.has_f64() {
        eprintln!("SKIPPED f64 fits: {} has no SHADER_F64", device.adapter.name);
        return;
    }
    let refs: Vec<&BatchModel> = models.iter().collect();
    let mut gpu = GpuBatch::for_candidates(device, &refs, precision).unwrap();
    let (results, rounds) = discovery_lockstep(&mut gpu, &refs).unwrap();
    assert!(rounds > 0);
    let mut worst: f64 = 0.0;
    for (i, (m, r)) in refs.iter().zip(&results).enumerate() {
        let cpu = discovery_cpu(m).unwrap();
        let diff = (cpu.value - r.value).abs();
        worst = worst.max(diff);
        assert!(diff <= q0_tolerance(cpu.value), "{precision:?} candidate {i}: q0 {} (engine) vs {} (lockstep)", cpu.value, r.value);
        assert!((cpu.mu_hat - r.mu_hat).abs() <= 1e-3 * cpu.mu_hat.abs().max(1.0), "candidate {i}: μ̂ {} vs {}", cpu.mu_hat, r.mu_hat);
        assert!(r.free_fit.converged && r.conditional_fit.converged, "candidate {i}: {:?}", r.diagnostics.warnings);
    }
    eprintln!("{precision:?}: {} candidates, {rounds} rounds, largest |Δq0| {worst:.2e}", results.len());
}

#[test]
fn z0_of_candidates_matches_the_engine_f64() {
    check_z0(&compile(&candidate_workspaces(8, 50).into_iter().map(asimov).collect::<Vec<_>>()), Precision::F64);
}

#[test]
fn z0_of_candidates_matches_the_engine_f32_refined() {
    check_z0(&compile(&candidate_workspaces(8, 60)), Precision::F32);
}

/// A planner forced onto the GPU, or onto the CPU when there is no adapter.
fn gpu_planner() -> Planner {
    Planner::with_device(BackendChoice::Gpu, common::device())
}

#[test]
fn a_failing_candidate_fails_alone() {
    let mut ws = candidate_workspaces(5, 70);
    // Candidate 1: POI bounded away from 0 (q0 is undefined); candidate 3: POI fixed.
    ws[1]["measurements"][0]["config"]["parameters"][1]["bounds"] = json!([[0.5, 10.0]]);
    ws[3]["measurements"][0]["config"]["parameters"][1]["fixed"] = json!(true);
    // Candidate 4: another structure (one bin fewer per channel), in its own group.
    ws[4] = synthetic::workspace(Shape { bins: 5, ..SHAPE }, 74);
    let models = compile(&ws);
    let mut refs: Vec<Option<&BatchModel>> = models.iter().map(Some).collect();
    refs.push(None);
    let mut planner = gpu_planner();
    let (results, device) = discovery_batch(&mut planner, &refs);
    assert_eq!(results.len(), 6);
    assert!(results[1].as_ref().unwrap_err().to_string().contains("outside the bounds"), "{:?}", results[1].as_ref().err());
    assert!(results[3].as_ref().unwrap_err().to_string().contains("is fixed"), "{:?}", results[3].as_ref().err());
    assert!(results[5].is_err());
    for i in [0, 2, 4] {
        let r = results[i].as_ref().unwrap();
        let cpu = discovery_cpu(&models[i]).unwrap();
        assert!((cpu.value - r.value).abs() <= q0_tolerance(cpu.value), "candidate {i}: q0 {} vs {}", cpu.value, r.value);
    }
    assert_eq!(device.groups.len(), 2, "{device:?}");
    assert_eq!(device.groups.iter().map(|g| g.candidates).collect::<Vec<_>>(), vec![4, 1]);
    if planner.device().is_some() {
        assert!(device.groups.iter().all(|g| g.backend.starts_with("gpu")), "{device:?}");
    }
}

#[test]
fn without_an_adapter_the_cpu_gives_the_per_trial_results() {
    let models = compile(&candidate_workspaces(4, 80));
    let refs: Vec<Option<&BatchModel>> = models.iter().map(Some).collect();
    let mut planner = Planner::with_device(BackendChoice::Gpu, None);
    let (results, device) = discovery_batch(&mut planner, &refs);
    assert!(device.note.as_deref().unwrap_or("").contains("no GPU"), "{device:?}");
    assert_eq!(device.groups[0].backend, "cpu");
    for (m, r) in models.iter().zip(&results) {
        // The CPU plan runs the per-trial path itself: identical values.
        assert_eq!(discovery_cpu(m).unwrap().value, r.as_ref().unwrap().value);
    }
}
