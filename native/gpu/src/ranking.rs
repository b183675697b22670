//! Impact ranking with the refits batched: histune-infer's `rank_impacts_with` makes the free fit,
//! its uncertainties and covariance on the CPU (one fit: the CPU is faster) and the warm starts;
//! here the 2–4 refits per nuisance parameter (held at θ̂ ± σ̂ and θ₀ ± Δθ) run as one lockstep
//! batch (`fit_batch`) on the planned evaluator, each from its warm start with the held parameter
//! fixed (the same `FitTask::fix_values` as the toys' conditional fits), all with the variable
//! scales of the exact Hessian diagonal at the free fit (`scales::curvature_scales`).
//!
//! As for the toys, the fits use batched variable scaling and no code0/code1 kink settling
//! (ENGINE_REQUESTS.md item 4), so impacts agree with the CPU ranking to the fits' tolerance, not
//! bit for bit.

use std::time::Instant;

use serde::Serialize;

use histune_engine::{Dataset, EngineError, FitResult, Model, Result};
use histune_infer::{impact_fit_count, rank_impacts_with, CpuImpacts, ImpactFit, ImpactFitter, Ranking, Setup};

use crate::batch::{BatchEvaluator, CpuBatch};
use crate::fit::{fit_batch, fit_batch_refined, BatchFitOptions, FitTask};
use crate::model::BatchModel;
use crate::planner::{pilot_rounds, Backend, BackendChoice, Crossover, FallbackEvaluator, FitCosts, FitEstimate, Plan, Planner};
use crate::scales::{curvature_scales, minimizer_with_scales};
use crate::shader::Precision;
use crate::toys::MAX_ACTIVE_FITS;

/// Where the refits ran, for the report and the app's status line.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankingDevice {
    pub requested: BackendChoice,
    /// "cpu", "gpu-f64" or "gpu-f32" (f32 fits are finished in f64 on the CPU).
    pub backend: String,
    pub adapter: Option<String>,
    pub reason: String,
    /// Fallbacks on the way (empty when the plan ran as made).
    pub notes: Vec<String>,
    /// Refits (the free fit is not counted: it always runs on the CPU).
    pub fits: usize,
    pub fit_seconds: f64,
    pub fits_per_second: f64,
    /// Batched evaluations (GPU dispatches) of the refits; 0 on the CPU path.
    pub rounds: usize,
    /// `auto` where the evaluations favour the GPU: the expected cost of the refits per back end
    /// (measured CPU fit, lockstep pilot rounds × measured round cost) that made the choice.
    pub estimate: Option<FitEstimate>,
}

/// Items per batched evaluation a ranking gives the planner: all its refits, up to the batch cap.
pub fn ranking_batch_size(model: &Model, setup: &Setup) -> usize {
    impact_fit_count(model, setup).clamp(1, MAX_ACTIVE_FITS)
}

/// `ImpactFitter` over a batch evaluator.
pub struct BatchedImpacts<'e, 'm> {
    pub model: &'m BatchModel,
    pub evaluator: &'e mut dyn BatchEvaluator,
    pub rounds: usize,
    pub fits: usize,
    pub fit_seconds: f64,
}

impl<'e, 'm> BatchedImpacts<'e, 'm> {
    pub fn new(model: &'m BatchModel, evaluator: &'e mut dyn BatchEvaluator) -> Self {
        BatchedImpacts { model, evaluator, rounds: 0, fits: 0, fit_seconds: 0.0 }
    }
}

impl ImpactFitter for BatchedImpacts<'_, '_> {
    fn refit(&mut self, model: &Model, setup: &Setup, data: &Dataset, bestfit: &[f64], fits: &[ImpactFit]) -> Result<Vec<FitResult>> {
        if !std::ptr::eq(model, &self.model.model) {
            return Err(EngineError::bad_request("a batched ranking must run on the model it was planned for"));
        }
        let started = Instant::now();
        let tasks = refit_tasks(fits);
        let precision = self.evaluator.precision();
        let options = refit_options(precision, model, setup, data, bestfit);
        let datasets = std::slice::from_ref(data);
        let report = match precision {
            Precision::F64 => fit_batch(self.evaluator, self.model, datasets, &tasks, &options)?,
            // f32 fits stop at the f32 noise floor; each is finished in f64 on the CPU.
            Precision::F32 => fit_batch_refined(self.evaluator, &mut CpuBatch::new(self.model), self.model, datasets, &tasks, &options)?,
        };
        self.rounds += report.rounds;
        self.fits += report.results.len();
        self.fit_seconds += started.elapsed().as_secs_f64();
        Ok(report.results)
    }
}

fn refit_tasks(fits: &[ImpactFit]) -> Vec<FitTask> {
    fits.iter().map(|f| FitTask { dataset: 0, init: Some(f.start.clone()), fix_values: vec![(f.index, f.value)] }).collect()
}

/// The refits lie within ±1σ of the free fit: one set of scales serves them all.
fn refit_options(precision: Precision, model: &Model, setup: &Setup, data: &Dataset, bestfit: &[f64]) -> BatchFitOptions {
    BatchFitOptions {
        minimizer: Some(minimizer_with_scales(precision, curvature_scales(model, bestfit, data))),
        bounds: Some(setup.bounds.clone()),
        fixed: Some(setup.fixed.clone()),
        max_iterations: setup.max_iterations,
        max_active: MAX_ACTIVE_FITS,
        ..Default::default()
    }
}

/// The expected cost of `fits` on each back end, from `costs` (measured) and a lockstep pilot of
/// the first of them on the CPU evaluator, capped at break-even, with the options the batch uses.
pub fn refit_estimate(model: &BatchModel, setup: &Setup, data: &Dataset, bestfit: &[f64], fits: &[ImpactFit], precision: Precision, costs: FitCosts) -> FitEstimate {
    let options = refit_options(precision, &model.model, setup, data, bestfit);
    let pilot = pilot_rounds(model, std::slice::from_ref(data), &refit_tasks(&fits[..fits.len().min(1)]), &options, precision, costs.break_even_rounds());
    costs.decide(pilot)
}

/// `auto` after an evaluation crossover that favours the GPU: the first refit runs on the CPU
/// engine (timed, and kept), a lockstep pilot of the next one runs on the CPU evaluator, and the
/// remaining refits go where they are expected to cost less (`FitCosts::decide`).
struct AutoImpacts<'e, 'm> {
    batched: BatchedImpacts<'e, 'm>,
    cpu: TimedCpuImpacts,
    costs: Crossover,
    estimate: Option<FitEstimate>,
}

impl ImpactFitter for AutoImpacts<'_, '_> {
    fn refit(&mut self, model: &Model, setup: &Setup, data: &Dataset, bestfit: &[f64], fits: &[ImpactFit]) -> Result<Vec<FitResult>> {
        if let Some(estimate) = &self.estimate {
            return if estimate.gpu { self.batched.refit(model, setup, data, bestfit, fits) } else { self.cpu.refit(model, setup, data, bestfit, fits) };
        }
        if fits.len() < 2 {
            return self.cpu.refit(model, setup, data, bestfit, fits);
        }
        let (first, rest) = fits.split_at(1);
        let mut results = self.cpu.refit(model, setup, data, bestfit, first)?;
        let batch = rest.len().min(MAX_ACTIVE_FITS);
        let costs = self.costs.fit_costs(rest.len(), batch, self.cpu.seconds);
        self.estimate = Some(refit_estimate(self.batched.model, setup, data, bestfit, rest, self.batched.evaluator.precision(), costs));
        results.extend(self.refit(model, setup, data, bestfit, rest)?);
        Ok(results)
    }
}

/// `CpuImpacts`, timed.
struct TimedCpuImpacts {
    seconds: f64,
    fits: usize,
}

impl ImpactFitter for TimedCpuImpacts {
    fn refit(&mut self, model: &Model, setup: &Setup, data: &Dataset, bestfit: &[f64], fits: &[ImpactFit]) -> Result<Vec<FitResult>> {
        let started = Instant::now();
        let out = CpuImpacts.refit(model, setup, data, bestfit, fits)?;
        self.seconds += started.elapsed().as_secs_f64();
        self.fits += out.len();
        Ok(out)
    }
}

/// `histune_infer::rank_impacts` itself (one engine fit per refit on all cores), refits timed.
pub fn rank_cpu(requested: BackendChoice, reason: String, model: &Model, setup: &Setup, top_n: Option<usize>, data: Option<&[f64]>) -> Result<(Ranking, RankingDevice)> {
    let mut timed = TimedCpuImpacts { seconds: 0.0, fits: 0 };
    let ranking = rank_impacts_with(&mut timed, model, setup, top_n, data)?;
    let device = RankingDevice {
        requested,
        backend: "cpu".into(),
        adapter: None,
        reason,
        notes: Vec::new(),
        fits: timed.fits,
        fit_seconds: timed.seconds,
        fits_per_second: timed.fits as f64 / timed.seconds.max(1e-9),
        rounds: 0,
        estimate: None,
    };
    Ok((ranking, device))
}

/// The ranking of `histune_infer::rank_impacts` with its refits on the back end `plan` chose: the
/// engine per refit on all cores for `Backend::Cpu`, else one lockstep batch on `evaluator`
/// (which falls back to the CPU itself).
#[allow(clippy::too_many_arguments)]
pub fn rank_planned(
    requested: BackendChoice,
    plan: &Plan,
    mut evaluator: FallbackEvaluator<'_>,
    adapter: Option<String>,
    model: &BatchModel,
    setup: &Setup,
    top_n: Option<usize>,
    data: Option<&[f64]>,
) -> Result<(Ranking, RankingDevice)> {
    if plan.backend == Backend::Cpu {
        return rank_cpu(requested, plan.reason.clone(), &model.model, setup, top_n, data);
    }
    if let (BackendChoice::Auto, Some(costs)) = (requested, evaluator.costs.clone()) {
        return rank_auto(plan, evaluator, costs, adapter, model, setup, top_n, data);
    }
    let mut batched = BatchedImpacts::new(model, &mut evaluator);
    let ranking = rank_impacts_with(&mut batched, &model.model, setup, top_n, data)?;
    let (fits, seconds, rounds) = (batched.fits, batched.fit_seconds, batched.rounds);
    let backend = evaluator.name().to_string();
    let device = RankingDevice {
        requested,
        adapter: if backend == "cpu" { None } else { adapter },
        backend,
        reason: plan.reason.clone(),
        notes: evaluator.notes.clone(),
        fits,
        fit_seconds: seconds,
        fits_per_second: fits as f64 / seconds.max(1e-9),
        rounds,
        estimate: None,
    };
    Ok((ranking, device))
}

#[allow(clippy::too_many_arguments)]
fn rank_auto(
    plan: &Plan,
    mut evaluator: FallbackEvaluator<'_>,
    costs: Crossover,
    adapter: Option<String>,
    model: &BatchModel,
    setup: &Setup,
    top_n: Option<usize>,
    data: Option<&[f64]>,
) -> Result<(Ranking, RankingDevice)> {
    let mut auto = AutoImpacts { batched: BatchedImpacts::new(model, &mut evaluator), cpu: TimedCpuImpacts { seconds: 0.0, fits: 0 }, costs, estimate: None };
    let ranking = rank_impacts_with(&mut auto, &model.model, setup, top_n, data)?;
    let AutoImpacts { batched, cpu, estimate, .. } = auto;
    let (fits, seconds, rounds) = (batched.fits + cpu.fits, batched.fit_seconds + cpu.seconds, batched.rounds);
    let on_gpu = estimate.as_ref().is_some_and(|e| e.gpu);
    let backend = if on_gpu { evaluator.name().to_string() } else { "cpu".to_string() };
    let reason = match &estimate {
        Some(e) => format!("{}; per fit: {}", plan.reason, e.reason),
        None => format!("{}; too few refits to compare per fit: CPU", plan.reason),
    };
    let device = RankingDevice {
        requested: BackendChoice::Auto,
        adapter: if backend == "cpu" { None } else { adapter },
        backend,
        reason,
        notes: evaluator.notes.clone(),
        fits,
        fit_seconds: seconds,
        fits_per_second: fits as f64 / seconds.max(1e-9),
        rounds,
        estimate,
    };
    Ok((ranking, device))
}

/// Plan and run in one call (tests, benchmarks): `planner` decides from `ranking_batch_size`.
pub fn rank_on(planner: &mut Planner, model: &BatchModel, setup: &Setup, top_n: Option<usize>, data: Option<&[f64]>) -> Result<(Ranking, RankingDevice)> {
    let plan = planner.plan(model, ranking_batch_size(&model.model, setup));
    let evaluator = planner.evaluator(model, &plan);
    let adapter = planner.device().map(|d| d.adapter.name.clone());
    rank_planned(planner.choice, &plan, evaluator, adapter, model, setup, top_n, data)
}
