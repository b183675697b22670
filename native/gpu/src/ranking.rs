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
use crate::planner::{Backend, BackendChoice, FallbackEvaluator, Plan, Planner};
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
        let tasks: Vec<FitTask> = fits.iter().map(|f| FitTask { dataset: 0, init: Some(f.start.clone()), fix_values: vec![(f.index, f.value)] }).collect();
        let precision = self.evaluator.precision();
        // The refits lie within ±1σ of the free fit: one set of scales serves them all.
        let options = BatchFitOptions {
            minimizer: Some(minimizer_with_scales(precision, curvature_scales(model, bestfit, data))),
            bounds: Some(setup.bounds.clone()),
            fixed: Some(setup.fixed.clone()),
            max_iterations: setup.max_iterations,
            max_active: MAX_ACTIVE_FITS,
            ..Default::default()
        };
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
