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

use histune_engine::{Dataset, EngineError, Model, Result};
use histune_infer::{toys_with, CpuToys, Setup, TestStatistic, ToyFitter, ToyGenerator, ToyOptions, ToyResult, Tracker};

use crate::batch::{BatchEvaluator, CpuBatch};
use crate::fit::{fit_batch, fit_batch_refined, BatchFitOptions, FitTask};
use crate::model::BatchModel;
use crate::planner::{Backend, BackendChoice, FallbackEvaluator, Plan, Planner};
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
        // Per dataset: the free fit, then the fit with the POI held at μ (both from the inits).
        let tasks: Vec<FitTask> = (0..datasets.len() as u32)
            .flat_map(|d| [FitTask { dataset: d, ..Default::default() }, FitTask { dataset: d, fix_values: vec![(poi, mu)], ..Default::default() }])
            .collect();
        // Every fit starts at the inits on data like the first toy's: one set of scales for all.
        let precision = self.evaluator.precision();
        let options = BatchFitOptions {
            init: Some(setup.init.clone()),
            bounds: Some(setup.bounds.clone()),
            fixed: Some(setup.fixed.clone()),
            max_iterations: setup.max_iterations,
            minimizer: Some(minimizer_with_scales(precision, datasets.first().and_then(|d| curvature_scales(model, &setup.init, d)))),
            max_active: MAX_ACTIVE_FITS,
            ..Default::default()
        };
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
