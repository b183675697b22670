//! Discovery significance of many candidate binnings of one structure at once: a study that
//! evaluates several proposals together (parallel trials with TPE's constant liar) scores them
//! in one lockstep batch instead of one fit pair each.
//!
//! Candidates of one structure (same channels, bins per channel, samples and modifiers; other
//! yields, data and uncertainties) share one shader: `GpuBatch::for_candidates` uploads their
//! value tables side by side and item d of a dispatch reads candidate d's yields and data. Per
//! candidate the free fit and the fit with the POI held at 0 run as two tasks of one
//! `fit_batch_of_models`, and q0 is formed from them as `histune_infer::test_statistic` does
//! (Z0 = √q0, the binning objective). The CPU path is `test_statistic` itself per candidate on all
//! cores, so a CPU plan gives exactly the per-trial results.
//!
//! A candidate that cannot be fitted (it does not compile, its POI is fixed, 0 lies outside the
//! POI bounds) gets its own error and leaves the others alone. A GPU that cannot build the
//! pipeline or fails during the batch hands the whole group to the CPU path, with a note.

use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use histune_engine::{Dataset, EngineError, FitResult, Result};
use histune_infer::diagnostics::metrics;
use histune_infer::{test_statistic, Setup, TestStatistic, TestStatisticResult, Tracker};

use crate::batch::{BatchEvaluator, GpuBatch};
use crate::device::{GpuDevice, GpuError};
use crate::fit::{fit_batch_of_models, fit_batch_refined_of_models, BatchFitOptions, FitTask};
use crate::model::BatchModel;
use crate::planner::{Backend, BackendChoice, Plan, Planner};
use crate::shader::{self, Precision, Tables};
use crate::toys::MAX_ACTIVE_FITS;

/// The engine on all cores for candidates of one structure: item i is evaluated on
/// `models[dataset_of[i]]` with that model's own data (the f64 refinement of f32 fits).
pub struct CpuCandidates<'m> {
    models: Vec<&'m BatchModel>,
    datasets: Vec<Dataset>,
}

impl<'m> CpuCandidates<'m> {
    pub fn new(models: &[&'m BatchModel]) -> CpuCandidates<'m> {
        CpuCandidates { models: models.to_vec(), datasets: Vec::new() }
    }
}

impl BatchEvaluator for CpuCandidates<'_> {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> std::result::Result<(), GpuError> {
        if datasets.len() != self.models.len() {
            return Err(GpuError::Execution(format!("{} candidate models need one dataset each, got {}", self.models.len(), datasets.len())));
        }
        self.datasets = datasets.to_vec();
        Ok(())
    }

    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> std::result::Result<(), GpuError> {
        let Some(first) = self.models.first() else {
            return Err(GpuError::Execution("no candidate models".into()));
        };
        let n_pars = first.n_pars();
        let n = dataset_of.len();
        if pars.len() != n * n_pars || nll.len() != n || grad.len() != n * n_pars {
            return Err(GpuError::Execution(format!("batch of {n} items of {n_pars} parameters has mismatched buffers")));
        }
        if let Some(&d) = dataset_of.iter().find(|&&d| d as usize >= self.datasets.len()) {
            return Err(GpuError::Execution(format!("dataset index {d} out of range ({} datasets)", self.datasets.len())));
        }
        let (models, datasets) = (&self.models, &self.datasets);
        // One structure, so one evaluator's scratch sizes fit every candidate.
        nll.par_iter_mut()
            .zip(grad.par_chunks_mut(n_pars))
            .zip(pars.par_chunks(n_pars).zip(dataset_of.par_iter()))
            .for_each_init(
                || first.model.evaluator(),
                |ev, ((v, g), (p, &d))| {
                    let m = &models[d as usize].model;
                    *v = ev.nll_and_grad(m, p, &datasets[d as usize], g)
                },
            );
        Ok(())
    }

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn precision(&self) -> Precision {
        Precision::F64
    }
}

/// What `GpuBatch::for_candidates` needs equal: the generated shader (sizes, table offsets,
/// interpolation codes) and the index tables.
fn structure_key(model: &BatchModel) -> (String, Vec<u32>) {
    let tables = Tables::new(&model.flat);
    (shader::source(&model.flat, &tables, Precision::F32), tables.index)
}

/// Indices of `models` grouped by structure (first appearance order); `None` entries (models that
/// did not compile) are left out.
pub fn group_by_structure(models: &[Option<&BatchModel>]) -> Vec<Vec<usize>> {
    let mut keys: Vec<(String, Vec<u32>)> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let Some(m) = m else { continue };
        let key = structure_key(m);
        match keys.iter().position(|k| *k == key) {
            Some(g) => groups[g].push(i),
            None => {
                keys.push(key);
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// How one group of candidates ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRun {
    pub candidates: usize,
    /// "cpu", "gpu-f64" or "gpu-f32" (f32 fits are finished in f64 on the CPU).
    pub backend: String,
    pub reason: String,
    /// Fallbacks on the way (empty when the plan ran as made).
    pub notes: Vec<String>,
    pub fits: usize,
    pub fit_seconds: f64,
    /// Batched evaluations (GPU dispatches); 0 on the CPU path.
    pub rounds: usize,
}

/// q0 at μ = 0 of one model, exactly as the per-trial path computes it.
pub fn discovery_cpu(model: &BatchModel) -> Result<TestStatisticResult> {
    test_statistic(&model.model, &Setup::new(&model.model), TestStatistic::Q0, 0.0, None)
}

fn on_cpu(models: &[&BatchModel]) -> Vec<Result<TestStatisticResult>> {
    models.par_iter().map(|m| discovery_cpu(m)).collect()
}

/// The checks `test_statistic` makes before fitting.
fn check_setup(model: &BatchModel) -> Result<()> {
    let setup = Setup::new(&model.model);
    setup.free_poi(&model.model)?;
    setup.check_poi_value(&model.model, 0.0)
}

fn result_of(model: &BatchModel, free: &FitResult, conditional: &FitResult, started: Instant) -> TestStatisticResult {
    let poi = model.model.poi_index();
    let mu_hat = free.bestfit[poi];
    let value = TestStatistic::Q0.from_fits(0.0, mu_hat, conditional.twice_nll, free.twice_nll);
    let mut tracker = Tracker::default();
    tracker.record("free fit", free);
    tracker.record(format_args!("fit with {} = 0", model.model.config().poi), conditional);
    let m = metrics([("value", value), ("mu_hat", mu_hat), ("twice_nll_free", free.twice_nll), ("twice_nll_conditional", conditional.twice_nll)]);
    TestStatisticResult {
        test_stat: TestStatistic::Q0,
        mu: 0.0,
        value,
        mu_hat,
        free_fit: free.into(),
        conditional_fit: conditional.into(),
        diagnostics: tracker.finish(started, Some(free.nll), Some(mu_hat), None, m),
    }
}

/// Free and conditional (μ = 0) fits of every model in one lockstep batch on `evaluator` (f32
/// fits finished in f64 on the CPU). All models must pass `check_setup`.
pub fn discovery_lockstep(evaluator: &mut dyn BatchEvaluator, models: &[&BatchModel]) -> Result<(Vec<TestStatisticResult>, usize)> {
    let started = Instant::now();
    let Some(first) = models.first() else { return Ok((Vec::new(), 0)) };
    let poi = first.model.poi_index();
    let datasets: Vec<Dataset> = models.iter().map(|m| m.observed().clone()).collect();
    let tasks: Vec<FitTask> = (0..models.len() as u32)
        .flat_map(|d| [FitTask { dataset: d, ..Default::default() }, FitTask { dataset: d, fix_values: vec![(poi, 0.0)], ..Default::default() }])
        .collect();
    let task_models: Vec<&BatchModel> = models.iter().flat_map(|&m| [m, m]).collect();
    let options = BatchFitOptions { max_active: MAX_ACTIVE_FITS, ..Default::default() };
    let report = match evaluator.precision() {
        Precision::F64 => fit_batch_of_models(evaluator, &task_models, &datasets, &tasks, &options)?,
        Precision::F32 => fit_batch_refined_of_models(evaluator, &mut CpuCandidates::new(models), &task_models, &datasets, &tasks, &options)?,
    };
    let results = report.results.chunks(2).zip(models).map(|(pair, m)| result_of(m, &pair[0], &pair[1], started)).collect();
    Ok((results, report.rounds))
}

/// Z0 fits of one group of candidates of one structure on the back end `plan` chose. A GPU that
/// fails hands the group to the CPU path (noted in the run); a candidate's own failure is its result.
pub fn discovery_planned(plan: &Plan, device: Option<Arc<GpuDevice>>, models: &[&BatchModel]) -> (Vec<Result<TestStatisticResult>>, GroupRun) {
    let started = Instant::now();
    let mut run = GroupRun { candidates: models.len(), backend: "cpu".into(), reason: plan.reason.clone(), notes: Vec::new(), fits: 0, fit_seconds: 0.0, rounds: 0 };
    let checks: Vec<Result<()>> = models.iter().map(|m| check_setup(m)).collect();
    let fit: Vec<&BatchModel> = models.iter().zip(&checks).filter(|(_, c)| c.is_ok()).map(|(&m, _)| m).collect();
    let gpu = match (plan.backend, device) {
        (Backend::Gpu(precision), Some(device)) if !fit.is_empty() => Some((precision, device)),
        (Backend::Gpu(_), None) => {
            run.notes.push("no GPU device; running on the CPU".into());
            None
        }
        _ => None,
    };
    let batched = gpu.and_then(|(precision, device)| {
        let outcome = GpuBatch::for_candidates(device, &fit, precision)
            .map_err(|e| EngineError::bad_request(e.to_string()))
            .and_then(|mut evaluator| discovery_lockstep(&mut evaluator, &fit).map(|r| (r, evaluator.name())));
        match outcome {
            Ok(((results, rounds), name)) => {
                run.backend = name.into();
                run.rounds = rounds;
                Some(results)
            }
            Err(e) => {
                run.notes.push(format!("{e}; running on the CPU"));
                None
            }
        }
    });
    let results = match batched {
        Some(fitted) => {
            let mut fitted = fitted.into_iter();
            checks.into_iter().map(|c| c.map(|()| fitted.next().expect("one result per fitted candidate"))).collect()
        }
        None => on_cpu(models),
    };
    run.fits = results.iter().filter(|r| r.is_ok()).count() * 2;
    run.fit_seconds = started.elapsed().as_secs_f64();
    (results, run)
}

/// Where a candidate batch ran, for the caller's report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateDevice {
    pub requested: BackendChoice,
    pub adapter: Option<String>,
    /// Why there is no GPU, when there is none.
    pub note: Option<String>,
    pub groups: Vec<GroupRun>,
}

/// Items per batched evaluation a group of `n` candidates gives the planner (two fits each).
pub fn candidate_batch_size(n: usize) -> usize {
    (2 * n).min(MAX_ACTIVE_FITS)
}

/// Plan and run every structure group of `models` in one call (tests, benchmarks): `planner`
/// decides per group from `candidate_batch_size`. `None` models are reported as not compiled.
pub fn discovery_batch(planner: &mut Planner, models: &[Option<&BatchModel>]) -> (Vec<Result<TestStatisticResult>>, CandidateDevice) {
    let mut results: Vec<Option<Result<TestStatisticResult>>> = models
        .iter()
        .map(|m| match m {
            Some(_) => None,
            None => Some(Err(EngineError::bad_request("the candidate did not compile"))),
        })
        .collect();
    let mut groups = Vec::new();
    for group in group_by_structure(models) {
        let members: Vec<&BatchModel> = group.iter().map(|&i| models[i].expect("grouped models compiled")).collect();
        let plan = planner.plan(members[0], candidate_batch_size(members.len()));
        let (out, run) = discovery_planned(&plan, planner.device().cloned(), &members);
        for (i, r) in group.into_iter().zip(out) {
            results[i] = Some(r);
        }
        groups.push(run);
    }
    let device = CandidateDevice { requested: planner.choice, adapter: planner.device().map(|d| d.adapter.name.clone()), note: planner.note.clone(), groups };
    (results.into_iter().map(|r| r.expect("every candidate has a result")).collect(), device)
}
