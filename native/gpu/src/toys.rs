//! Toy-based hypothesis tests with the toy fits batched: histune-infer's `toys_with` generates the
//! toys (same seeds, same datasets as the CPU path) and fits the observed data on the CPU; here
//! every toy's free and conditional fit of both hypotheses runs in one lockstep batch
//! (`fit_batch`) on the planned evaluator. The test statistic is formed from the two fits exactly
//! as `histune_infer::teststat::evaluate` does.
//!
//! Differences to the CPU path: the fits share variable scales from one exact Hessian at the
//! inits (`scales::curvature_scales`; same minima to ~1e-9) and
//! do not settle on code0/code1 kinks (ENGINE_REQUESTS.md item 4), so statistics agree to the
//! fits' tolerance, not bit for bit; p-values agree within their Monte-Carlo error.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use histune_engine::{Dataset, EngineError, Fitter, Model, Result};
use histune_infer::{toys_with, CpuToys, Setup, TestStatistic, ToyFitter, ToyGenerator, ToyOptions, ToyResult, Tracker};

use crate::batch::{BatchEvaluator, CpuBatch};
use crate::fit::{fit_batch, fit_batch_refined, BatchFitOptions, FitTask};
use crate::model::BatchModel;
use crate::planner::{pilot_rounds, Backend, BackendChoice, Crossover, FallbackEvaluator, FitCosts, FitEstimate, Plan, Planner};
use crate::scales::{curvature_scales, minimizer_with_scales};
use crate::shader::Precision;

/// Where the toy fits ran, for the report and the app's status line.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToyDevice {
    pub requested: BackendChoice,
    /// "cpu", "gpu-f64" or "gpu-f32" (f32 fits are finished in f64 on the CPU).
    pub backend: String,
    pub adapter: Option<String>,
    pub reason: String,
    /// Fallbacks on the way (empty when the plan ran as made).
    pub notes: Vec<String>,
    pub toy_fits: usize,
    pub fit_seconds: f64,
    pub fits_per_second: f64,
    /// Batched evaluations (GPU dispatches) of the toy fits; 0 on the CPU path.
    pub rounds: usize,
    /// `auto` where the evaluations favour the GPU: the expected cost of the toy fits per back end
    /// (measured CPU fit, lockstep pilot rounds × measured round cost) that made the choice.
    pub estimate: Option<FitEstimate>,
}

/// Fits pending per lockstep batch at most (each is a small thread, see `BatchFitOptions`).
pub const MAX_ACTIVE_FITS: usize = 4096;

/// Items per batched evaluation a toy run of `n_toys` per hypothesis gives the planner.
pub fn toy_batch_size(n_toys: usize) -> usize {
    (4 * n_toys).min(MAX_ACTIVE_FITS)
}

/// `ToyFitter` over a batch evaluator.
pub struct BatchedToys<'e, 'm> {
    pub model: &'m BatchModel,
    pub evaluator: &'e mut dyn BatchEvaluator,
    pub rounds: usize,
    pub fits: usize,
    pub fit_seconds: f64,
}

impl<'e, 'm> BatchedToys<'e, 'm> {
    pub fn new(model: &'m BatchModel, evaluator: &'e mut dyn BatchEvaluator) -> Self {
        BatchedToys { model, evaluator, rounds: 0, fits: 0, fit_seconds: 0.0 }
    }
}

impl ToyFitter for BatchedToys<'_, '_> {
    fn fit_toys(&mut self, model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, n_toys: usize, toy: &ToyGenerator<'_>) -> Result<([Vec<f64>; 2], Tracker)> {
        if !std::ptr::eq(model, &self.model.model) {
            return Err(EngineError::bad_request("batched toys must run on the model they were planned for"));
        }
        let started = Instant::now();
        let datasets: Vec<Dataset> = (0..2 * n_toys).into_par_iter().map(|k| toy(k / n_toys, k % n_toys)).collect::<Result<_>>()?;
        let poi = model.poi_index();
        let tasks = toy_tasks(datasets.len(), poi, mu);
        let precision = self.evaluator.precision();
        let options = toy_fit_options(precision, model, setup, datasets.first());
        let report = match precision {
            Precision::F64 => fit_batch(self.evaluator, self.model, &datasets, &tasks, &options)?,
            // f32 fits stop at the f32 noise floor; each is finished in f64 on the CPU.
            Precision::F32 => fit_batch_refined(self.evaluator, &mut CpuBatch::new(self.model), self.model, &datasets, &tasks, &options)?,
        };
        let mut tracker = Tracker::default();
        let conditional_label = format!("fit with {} = {mu}", model.config().poi);
        let values: Vec<f64> = report
            .results
            .chunks(2)
            .map(|pair| {
                let (free, conditional) = (&pair[0], &pair[1]);
                tracker.record("free fit", free);
                tracker.record(&conditional_label, conditional);
                kind.from_fits(mu, free.bestfit[poi], conditional.twice_nll, free.twice_nll)
            })
            .collect();
        self.rounds += report.rounds;
        self.fits += report.results.len();
        self.fit_seconds += started.elapsed().as_secs_f64();
        let background = values[n_toys..].to_vec();
        let mut signal = values;
        signal.truncate(n_toys);
        Ok(([signal, background], tracker))
    }
}

/// Per dataset: the free fit, then the fit with the POI held at μ (both from the inits).
fn toy_tasks(n_datasets: usize, poi: usize, mu: f64) -> Vec<FitTask> {
    (0..n_datasets as u32).flat_map(|d| [FitTask { dataset: d, ..Default::default() }, FitTask { dataset: d, fix_values: vec![(poi, mu)], ..Default::default() }]).collect()
}

/// Every fit starts at the inits on data like the first toy's: one set of scales for all.
fn toy_fit_options(precision: Precision, model: &Model, setup: &Setup, first: Option<&Dataset>) -> BatchFitOptions {
    BatchFitOptions {
        init: Some(setup.init.clone()),
        bounds: Some(setup.bounds.clone()),
        fixed: Some(setup.fixed.clone()),
        max_iterations: setup.max_iterations,
        minimizer: Some(minimizer_with_scales(precision, first.and_then(|d| curvature_scales(model, &setup.init, d)))),
        max_active: MAX_ACTIVE_FITS,
        ..Default::default()
    }
}

/// The expected cost of a toy run's fits on each back end, from `costs` (measured) and a lockstep
/// pilot of the free and conditional fit of `first` (a toy) on the CPU evaluator, capped at
/// break-even, with the options the batch would use.
pub fn toy_fit_estimate(model: &BatchModel, setup: &Setup, mu: f64, first: &Dataset, precision: Precision, costs: FitCosts) -> FitEstimate {
    let options = toy_fit_options(precision, &model.model, setup, Some(first));
    let tasks = toy_tasks(1, model.model.poi_index(), mu);
    costs.decide(pilot_rounds(model, std::slice::from_ref(first), &tasks, &options, precision, costs.break_even_rounds()))
}

/// `auto` after an evaluation crossover that favours the GPU: the first toy's free fit runs once on
/// the CPU engine (timed; one extra fit), its free and conditional fits once as a lockstep pilot on
/// the CPU evaluator, and all toy fits go where they are expected to cost less (`FitCosts::decide`).
struct AutoToys<'e, 'm> {
    batched: BatchedToys<'e, 'm>,
    cpu: TimedCpuToys,
    costs: Crossover,
    estimate: Option<FitEstimate>,
}

impl ToyFitter for AutoToys<'_, '_> {
    fn fit_toys(&mut self, model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, n_toys: usize, toy: &ToyGenerator<'_>) -> Result<([Vec<f64>; 2], Tracker)> {
        if self.estimate.is_none() && n_toys > 0 {
            let first = toy(0, 0)?;
            let started = Instant::now();
            Fitter::new(model).fit(&first, &setup.free_fit())?;
            let costs = self.costs.fit_costs(4 * n_toys, toy_batch_size(n_toys), started.elapsed().as_secs_f64());
            self.estimate = Some(toy_fit_estimate(self.batched.model, setup, mu, &first, self.batched.evaluator.precision(), costs));
        }
        match &self.estimate {
            Some(e) if e.gpu => self.batched.fit_toys(model, setup, kind, mu, n_toys, toy),
            _ => self.cpu.fit_toys(model, setup, kind, mu, n_toys, toy),
        }
    }
}

/// `CpuToys`, timed.
struct TimedCpuToys {
    seconds: f64,
    fits: usize,
}

impl ToyFitter for TimedCpuToys {
    fn fit_toys(&mut self, model: &Model, setup: &Setup, kind: TestStatistic, mu: f64, n_toys: usize, toy: &ToyGenerator<'_>) -> Result<([Vec<f64>; 2], Tracker)> {
        let started = Instant::now();
        let out = CpuToys.fit_toys(model, setup, kind, mu, n_toys, toy)?;
        self.seconds += started.elapsed().as_secs_f64();
        self.fits += out.1.fits;
        Ok(out)
    }
}

/// `histune_infer::toys` itself (the engine per toy on all cores), with the toy fits timed.
#[allow(clippy::too_many_arguments)]
pub fn toys_cpu(requested: BackendChoice, reason: String, model: &Model, setup: &Setup, mu: f64, options: &ToyOptions, data: Option<&[f64]>) -> Result<(ToyResult, ToyDevice)> {
    let mut timed = TimedCpuToys { seconds: 0.0, fits: 0 };
    let result = toys_with(&mut timed, model, setup, mu, options, data)?;
    let device = ToyDevice {
        requested,
        backend: "cpu".into(),
        adapter: None,
        reason,
        notes: Vec::new(),
        toy_fits: timed.fits,
        fit_seconds: timed.seconds,
        fits_per_second: timed.fits as f64 / timed.seconds.max(1e-9),
        rounds: 0,
        estimate: None,
    };
    Ok((result, device))
}

/// The toys of `histune_infer::toys` on the back end `plan` chose: the engine per toy on all cores
/// for `Backend::Cpu`, else lockstep batches on `evaluator` (which falls back to the CPU itself).
#[allow(clippy::too_many_arguments)]
pub fn toys_planned(
    requested: BackendChoice,
    plan: &Plan,
    mut evaluator: FallbackEvaluator<'_>,
    adapter: Option<String>,
    model: &BatchModel,
    setup: &Setup,
    mu: f64,
    options: &ToyOptions,
    data: Option<&[f64]>,
) -> Result<(ToyResult, ToyDevice)> {
    if plan.backend == Backend::Cpu {
        return toys_cpu(requested, plan.reason.clone(), &model.model, setup, mu, options, data);
    }
    if let (BackendChoice::Auto, Some(costs)) = (requested, evaluator.costs.clone()) {
        return toys_auto(plan, evaluator, costs, adapter, model, setup, mu, options, data);
    }
    let mut batched = BatchedToys::new(model, &mut evaluator);
    let result = toys_with(&mut batched, &model.model, setup, mu, options, data)?;
    let (fits, seconds, rounds) = (batched.fits, batched.fit_seconds, batched.rounds);
    let backend = evaluator.name().to_string();
    let device = ToyDevice {
        requested,
        adapter: if backend == "cpu" { None } else { adapter },
        backend,
        reason: plan.reason.clone(),
        notes: evaluator.notes.clone(),
        toy_fits: fits,
        fit_seconds: seconds,
        fits_per_second: fits as f64 / seconds.max(1e-9),
        rounds,
        estimate: None,
    };
    Ok((result, device))
}

#[allow(clippy::too_many_arguments)]
fn toys_auto(
    plan: &Plan,
    mut evaluator: FallbackEvaluator<'_>,
    costs: Crossover,
    adapter: Option<String>,
    model: &BatchModel,
    setup: &Setup,
    mu: f64,
    options: &ToyOptions,
    data: Option<&[f64]>,
) -> Result<(ToyResult, ToyDevice)> {
    let mut auto = AutoToys { batched: BatchedToys::new(model, &mut evaluator), cpu: TimedCpuToys { seconds: 0.0, fits: 0 }, costs, estimate: None };
    let result = toys_with(&mut auto, &model.model, setup, mu, options, data)?;
    let AutoToys { batched, cpu, estimate, .. } = auto;
    let (fits, seconds, rounds) = (batched.fits + cpu.fits, batched.fit_seconds + cpu.seconds, batched.rounds);
    let on_gpu = estimate.as_ref().is_some_and(|e| e.gpu);
    let backend = if on_gpu { evaluator.name().to_string() } else { "cpu".to_string() };
    let reason = match &estimate {
        Some(e) => format!("{}; per fit: {}", plan.reason, e.reason),
        None => format!("{}; no toys to compare per fit: CPU", plan.reason),
    };
    let device = ToyDevice {
        requested: BackendChoice::Auto,
        adapter: if backend == "cpu" { None } else { adapter },
        backend,
        reason,
        notes: evaluator.notes.clone(),
        toy_fits: fits,
        fit_seconds: seconds,
        fits_per_second: fits as f64 / seconds.max(1e-9),
        rounds,
        estimate,
    };
    Ok((result, device))
}

/// Plan and run in one call (tests, examples): `planner` decides from `toy_batch_size(n_toys)`.
pub fn toys_on(planner: &mut Planner, model: &BatchModel, setup: &Setup, mu: f64, options: &ToyOptions, data: Option<&[f64]>) -> Result<(ToyResult, ToyDevice)> {
    let plan = planner.plan(model, toy_batch_size(options.n_toys));
    let evaluator = planner.evaluator(model, &plan);
    let adapter = planner.device().map(|d| d.adapter.name.clone());
    toys_planned(planner.choice, &plan, evaluator, adapter, model, setup, mu, options, data)
}
