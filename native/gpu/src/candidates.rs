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
//! Under `auto`, a group the evaluation crossover sends to the GPU is then decided per fit
//! (`discovery_auto`, as toys and rankings are): the lockstep minimiser may need far more rounds
//! per fit than the engine's Newton fits on a model with correlated nuisance parameters.
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
use crate::planner::{pilot_rounds, Backend, BackendChoice, Crossover, FitCosts, FitEstimate, Plan, Planner};
use crate::scales::minimizer_with_scales;
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
    /// `auto` where the evaluations favour the GPU: the expected cost of the group's fits per back
    /// end (first candidate's engine Z0 timed, lockstep pilot rounds × measured round cost).
    pub estimate: Option<FitEstimate>,
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

/// Per candidate: the free fit, then the fit with the POI held at 0 (both from the inits).
fn discovery_tasks(n_candidates: usize, poi: usize) -> Vec<FitTask> {
    (0..n_candidates as u32).flat_map(|d| [FitTask { dataset: d, ..Default::default() }, FitTask { dataset: d, fix_values: vec![(poi, 0.0)], ..Default::default() }]).collect()
}

/// The options of a candidate batch (the minimiser `fit_batch` picks for `precision`, stated so
/// that the pilot on the CPU evaluator uses the same).
fn discovery_options(precision: Precision) -> BatchFitOptions {
    BatchFitOptions { max_active: MAX_ACTIVE_FITS, minimizer: Some(minimizer_with_scales(precision, None)), ..Default::default() }
}

/// Free and conditional (μ = 0) fits of every model in one lockstep batch on `evaluator` (f32
/// fits finished in f64 on the CPU). All models must pass `check_setup`.
pub fn discovery_lockstep(evaluator: &mut dyn BatchEvaluator, models: &[&BatchModel]) -> Result<(Vec<TestStatisticResult>, usize)> {
    let started = Instant::now();
    let Some(first) = models.first() else { return Ok((Vec::new(), 0)) };
    let datasets: Vec<Dataset> = models.iter().map(|m| m.observed().clone()).collect();
    let tasks = discovery_tasks(models.len(), first.model.poi_index());
    let task_models: Vec<&BatchModel> = models.iter().flat_map(|&m| [m, m]).collect();
    let options = discovery_options(evaluator.precision());
    let report = match evaluator.precision() {
        Precision::F64 => fit_batch_of_models(evaluator, &task_models, &datasets, &tasks, &options)?,
        Precision::F32 => fit_batch_refined_of_models(evaluator, &mut CpuCandidates::new(models), &task_models, &datasets, &tasks, &options)?,
    };
    let results = report.results.chunks(2).zip(models).map(|(pair, m)| result_of(m, &pair[0], &pair[1], started)).collect();
    Ok((results, report.rounds))
}

/// The expected cost of Z0 fits of a group's candidates on each back end, from `costs` (measured)
/// and a lockstep pilot of `first`'s free and conditional fit on the CPU evaluator, capped at
/// break-even, with the options the batch uses.
pub fn candidate_fit_estimate(first: &BatchModel, precision: Precision, costs: FitCosts) -> FitEstimate {
    let tasks = discovery_tasks(1, first.model.poi_index());
    costs.decide(pilot_rounds(first, std::slice::from_ref(first.observed()), &tasks, &discovery_options(precision), precision, costs.break_even_rounds()))
}

/// Z0 fits of one group of candidates of one structure on the back end `plan` chose. A GPU that
/// fails hands the group to the CPU path (noted in the run); a candidate's own failure is its result.
pub fn discovery_planned(plan: &Plan, device: Option<Arc<GpuDevice>>, models: &[&BatchModel]) -> (Vec<Result<TestStatisticResult>>, GroupRun) {
    discover(plan, device, models, None)
}

/// `discovery_planned` under `auto`, with `costs` the planner's measured evaluation costs for this
/// structure: when `plan` is the GPU, the first candidate's Z0 runs on the CPU engine (timed, and
/// kept), a lockstep pilot of its two fits runs on the CPU evaluator, and the other candidates go
/// where their fits are expected to cost less (`FitCosts::decide`, recorded in `GroupRun::estimate`).
pub fn discovery_auto(plan: &Plan, device: Option<Arc<GpuDevice>>, models: &[&BatchModel], costs: &Crossover) -> (Vec<Result<TestStatisticResult>>, GroupRun) {
    discover(plan, device, models, Some(costs))
}

fn discover(plan: &Plan, device: Option<Arc<GpuDevice>>, models: &[&BatchModel], per_fit: Option<&Crossover>) -> (Vec<Result<TestStatisticResult>>, GroupRun) {
    let started = Instant::now();
    let mut run = GroupRun { candidates: models.len(), backend: "cpu".into(), reason: plan.reason.clone(), notes: Vec::new(), fits: 0, fit_seconds: 0.0, rounds: 0, estimate: None };
    let checks: Vec<Result<()>> = models.iter().map(|m| check_setup(m)).collect();
    let fit: Vec<&BatchModel> = models.iter().zip(&checks).filter(|(_, c)| c.is_ok()).map(|(&m, _)| m).collect();
    let mut gpu = match (plan.backend, device) {
        (Backend::Gpu(precision), Some(device)) if !fit.is_empty() => Some((precision, device)),
        (Backend::Gpu(_), None) => {
            run.notes.push("no GPU device; running on the CPU".into());
            None
        }
        _ => None,
    };
    // `auto`: the first fitted candidate's CPU result, kept (index in `models`).
    let mut measured: Option<(usize, Result<TestStatisticResult>)> = None;
    if let (Some((precision, _)), Some(costs)) = (&gpu, per_fit) {
        let precision = *precision;
        let first = checks.iter().position(|c| c.is_ok()).expect("a fitted candidate");
        let t = Instant::now();
        measured = Some((first, discovery_cpu(models[first])));
        let rest = fit.len() - 1;
        if rest == 0 {
            run.reason = format!("{}; one candidate to fit: CPU", plan.reason);
            gpu = None;
        } else {
            // Two fits per Z0, on one core.
            let costs = costs.fit_costs(2 * rest, candidate_batch_size(rest), t.elapsed().as_secs_f64() / 2.0);
            let estimate = candidate_fit_estimate(models[first], precision, costs);
            run.reason = format!("{}; per fit: {}", plan.reason, estimate.reason);
            if !estimate.gpu {
                gpu = None;
            }
            run.estimate = Some(estimate);
        }
    }
    let lockstep: Vec<&BatchModel> = if measured.is_some() { fit[1..].to_vec() } else { fit.clone() };
    let batched = gpu.and_then(|(precision, device)| {
        let outcome = GpuBatch::for_candidates(device, &lockstep, precision)
            .map_err(|e| EngineError::bad_request(e.to_string()))
            .and_then(|mut evaluator| discovery_lockstep(&mut evaluator, &lockstep).map(|r| (r, evaluator.name())));
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
    let mut results: Vec<Option<Result<TestStatisticResult>>> = match batched {
        Some(fitted) => {
            let mut fitted = fitted.into_iter();
            let skip = measured.as_ref().map(|(i, _)| *i);
            checks.into_iter().enumerate().map(|(i, c)| if Some(i) == skip { None } else { Some(c.map(|()| fitted.next().expect("one result per fitted candidate"))) }).collect()
        }
        None => match &measured {
            None => on_cpu(models).into_iter().map(Some).collect(),
            Some((skip, _)) => models.par_iter().enumerate().map(|(i, m)| if i == *skip { None } else { Some(discovery_cpu(m)) }).collect(),
        },
    };
    if let Some((i, r)) = measured {
        results[i] = Some(r);
    }
    let results: Vec<Result<TestStatisticResult>> = results.into_iter().map(|r| r.expect("every candidate has a result")).collect();
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
        let (out, run) = match planner.auto_costs(members[0], &plan) {
            Some(costs) => discovery_auto(&plan, planner.device().cloned(), &members, &costs),
            None => discovery_planned(&plan, planner.device().cloned(), &members),
        };
        for (i, r) in group.into_iter().zip(out) {
            results[i] = Some(r);
        }
        groups.push(run);
    }
    let device = CandidateDevice { requested: planner.choice, adapter: planner.device().map(|d| d.adapter.name.clone()), note: planner.note.clone(), groups };
    (results.into_iter().map(|r| r.expect("every candidate has a result")).collect(), device)
}
