//! Many maximum-likelihood fits of one model in lockstep: toys (one fit per dataset) and
//! impacts or scans (one fit per set of fixed parameters).
//!
//! Each fit runs the same L-BFGS-B as the engine's `Fitter` (same options, same restart rule), on
//! its own lightweight thread whose objective hands its point to a rendezvous. When every live fit
//! is waiting, the coordinator evaluates all their points in one batch (one GPU dispatch) and
//! releases them; a fit that finishes takes the next queued task or retires, so the batch shrinks
//! as fits converge. A fit's path depends only on its own evaluations, so results do not depend
//! on thread timing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use histune_engine::{Dataset, EngineError, FitResult};
use histune_optim::{Minimizer, Options, Scaling, Status};

use crate::batch::BatchEvaluator;
use crate::device::GpuError;
use crate::model::BatchModel;
use crate::shader::Precision;

/// Stopping rules for f32 evaluations, whose NLL and gradient carry relative noise of ~1e-7
/// (README.md): the engine's defaults (gradient to 1e-9, f to a few ulps of f64) are below that
/// noise. Near the noise floor line searches fail rather than converge, so they are kept short
/// (5 evaluations: 2–3× fewer rounds than the default 30 on the test models); polishing is off
/// (it differentiates the noisy gradient numerically). Finish such fits in f64 with
/// `fit_batch_refined` to get a converged minimum.
pub fn f32_minimizer_options() -> Options {
    Options { pgtol: 1e-5, pgtol_relative: 1e-6, ftol: 1e-9, max_line_search_evaluations: 5, polish_steps: 0, ..Options::default() }
}

/// One fit: which dataset, and what to hold fixed on top of the common options.
#[derive(Debug, Clone, Default)]
pub struct FitTask {
    pub dataset: u32,
    /// Starting point (default: the common init, else suggested inits).
    pub init: Option<Vec<f64>>,
    /// Parameters held at a value (index, value), e.g. the POI of a conditional fit or the
    /// nuisance parameter of an impact.
    pub fix_values: Vec<(usize, f64)>,
}

#[derive(Debug, Clone)]
pub struct BatchFitOptions {
    pub init: Option<Vec<f64>>,
    pub bounds: Option<Vec<(f64, f64)>>,
    pub fixed: Option<Vec<bool>>,
    pub max_iterations: Option<usize>,
    /// Minimiser settings (default: the engine's for f64 evaluators, `f32_minimizer_options` for f32).
    pub minimizer: Option<Options>,
    /// Fits stepped together at most (each is a thread with a 256 KiB stack): the largest batch.
    pub max_active: usize,
    /// Estimate each fit's variable scales (the minimiser's `AutoDiagonal`: one gradient probe per
    /// free parameter) in a few large batches up front instead of one round per free parameter
    /// inside every fit, where that takes fewer rounds (few fits, or few parameters). Same formula
    /// and steps; the fits then start with `Scaling::Manual`. Off reproduces `Fitter::fit` exactly.
    pub batched_scaling: bool,
}

impl Default for BatchFitOptions {
    fn default() -> Self {
        BatchFitOptions { init: None, bounds: None, fixed: None, max_iterations: None, minimizer: None, max_active: 4096, batched_scaling: true }
    }
}

/// Results in task order, and how the batch ran.
#[derive(Debug, Clone)]
pub struct BatchFitReport {
    pub results: Vec<FitResult>,
    /// Batched evaluations (GPU dispatches when on the GPU).
    pub rounds: usize,
    /// Points evaluated in all rounds together.
    pub evaluations: usize,
    /// Largest batch of one round.
    pub max_batch: usize,
}

struct Round {
    live: usize,
    waiting: usize,
    requests: Vec<Option<(u32, Vec<f64>)>>,
    responses: Vec<Option<(f64, Vec<f64>)>>,
}

struct Rendezvous {
    state: Mutex<Round>,
    all_waiting: Condvar,
    /// One per slot, so that a round wakes each waiting fit once (no thundering herd).
    answered: Vec<Condvar>,
}

impl Rendezvous {
    fn lock(&self) -> MutexGuard<'_, Round> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Called from a fit's objective: park the point, wait for the batch result.
    fn evaluate(&self, slot: usize, dataset: u32, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut round = self.lock();
        round.requests[slot] = Some((dataset, x.to_vec()));
        round.waiting += 1;
        if round.waiting == round.live {
            self.all_waiting.notify_one();
        }
        loop {
            if let Some((value, g)) = round.responses[slot].take() {
                grad.copy_from_slice(&g);
                return value;
            }
            round = self.answered[slot].wait(round).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Marks a fit thread as gone when it ends, also by panic, so the coordinator never waits for it.
struct Retire<'a>(&'a Rendezvous);

impl Drop for Retire<'_> {
    fn drop(&mut self) {
        let mut round = self.0.lock();
        round.live -= 1;
        if round.waiting == round.live {
            self.0.all_waiting.notify_one();
        }
    }
}

#[derive(Clone)]
struct Prepared {
    dataset: u32,
    x: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    fixed: Vec<bool>,
    /// Variable scales from an earlier phase of the same fit (skips the automatic scaling).
    scales: Option<Vec<f64>>,
}

fn prepare(model: &BatchModel, options: &BatchFitOptions, task: &FitTask, n_datasets: usize) -> Result<Prepared, EngineError> {
    let m = &model.model;
    let n = m.n_pars();
    if task.dataset as usize >= n_datasets {
        return Err(EngineError::bad_request(format!("dataset index {} out of range ({n_datasets} datasets)", task.dataset)));
    }
    let mut x = task.init.clone().or_else(|| options.init.clone()).unwrap_or_else(|| m.suggested_init());
    let bounds = options.bounds.clone().unwrap_or_else(|| m.suggested_bounds());
    let mut fixed = options.fixed.clone().unwrap_or_else(|| m.suggested_fixed());
    if x.len() != n || bounds.len() != n || fixed.len() != n {
        return Err(EngineError::bad_request(format!(
            "init, bounds and fixed must each have {n} entries (got {}, {}, {})",
            x.len(),
            bounds.len(),
            fixed.len()
        )));
    }
    for &(i, value) in &task.fix_values {
        if i >= n {
            return Err(EngineError::bad_request(format!("parameter index {i} is out of range (the model has {n})")));
        }
        x[i] = value;
        fixed[i] = true;
    }
    for i in 0..n {
        let (lo, hi) = bounds[i];
        if !x[i].is_finite() || lo.is_nan() || hi.is_nan() || lo > hi || x[i] < lo || x[i] > hi {
            return Err(EngineError::bad_request(format!("parameter {} has init {} outside its bounds [{lo}, {hi}]", m.par_names()[i], x[i])));
        }
    }
    let (lower, upper) = bounds.into_iter().unzip();
    Ok(Prepared { dataset: task.dataset, x, lower, upper, fixed, scales: None })
}

/// Fit every task. Invalid tasks are reported before any fit starts.
pub fn fit_batch(
    evaluator: &mut dyn BatchEvaluator,
    model: &BatchModel,
    datasets: &[Dataset],
    tasks: &[FitTask],
    options: &BatchFitOptions,
) -> Result<BatchFitReport, EngineError> {
    let prepared = tasks.iter().map(|t| prepare(model, options, t, datasets.len())).collect::<Result<Vec<_>, _>>()?;
    fit_prepared(evaluator, model.n_pars(), datasets, prepared, options)
}

/// `fit_batch` over models of one structure (candidate binnings, see `candidates.rs`): task i
/// starts from `models[i]`'s suggested inits, bounds and fixed parameters (unless `options` sets
/// them for all) and is evaluated by `evaluator` as dataset `tasks[i].dataset`.
pub fn fit_batch_of_models(
    evaluator: &mut dyn BatchEvaluator,
    models: &[&BatchModel],
    datasets: &[Dataset],
    tasks: &[FitTask],
    options: &BatchFitOptions,
) -> Result<BatchFitReport, EngineError> {
    let prepared = prepare_each(models, datasets, tasks, options)?;
    fit_prepared(evaluator, prepared_n_pars(models)?, datasets, prepared, options)
}

/// `fit_batch_refined` over models of one structure (see `fit_batch_of_models`).
pub fn fit_batch_refined_of_models(
    coarse: &mut dyn BatchEvaluator,
    refine: &mut dyn BatchEvaluator,
    models: &[&BatchModel],
    datasets: &[Dataset],
    tasks: &[FitTask],
    options: &BatchFitOptions,
) -> Result<BatchFitReport, EngineError> {
    let prepared = prepare_each(models, datasets, tasks, options)?;
    fit_prepared_refined(coarse, refine, prepared_n_pars(models)?, datasets, prepared, options)
}

fn prepare_each(models: &[&BatchModel], datasets: &[Dataset], tasks: &[FitTask], options: &BatchFitOptions) -> Result<Vec<Prepared>, EngineError> {
    if models.len() != tasks.len() {
        return Err(EngineError::bad_request(format!("{} tasks need one model each, got {}", tasks.len(), models.len())));
    }
    tasks.iter().zip(models).map(|(t, m)| prepare(m, options, t, datasets.len())).collect()
}

fn prepared_n_pars(models: &[&BatchModel]) -> Result<usize, EngineError> {
    let n = models.first().map_or(0, |m| m.n_pars());
    match models.iter().find(|m| m.n_pars() != n) {
        Some(m) => Err(EngineError::bad_request(format!("models of one batch must have the same parameters ({n} and {})", m.n_pars()))),
        None => Ok(n),
    }
}

fn fit_prepared(evaluator: &mut dyn BatchEvaluator, n_pars: usize, datasets: &[Dataset], prepared: Vec<Prepared>, options: &BatchFitOptions) -> Result<BatchFitReport, EngineError> {
    evaluator.set_datasets(datasets).map_err(|e| EngineError::bad_request(e.to_string()))?;
    let minimizer_options = match (&options.minimizer, evaluator.precision()) {
        (Some(o), _) => o.clone(),
        (None, Precision::F32) => f32_minimizer_options(),
        (None, Precision::F64) => Options::default(),
    };
    let mut prepared = prepared;
    let probes = if options.batched_scaling && minimizer_options.scaling == Scaling::AutoDiagonal && batched_scaling_pays(n_pars, &prepared) {
        batched_scales(evaluator, n_pars, &mut prepared)?
    } else {
        (0, 0)
    };
    let (fits, report) = run_lockstep(evaluator, n_pars, &prepared, &with_iterations(minimizer_options, options), options.max_active)?;
    Ok(BatchFitReport {
        results: fits.into_iter().map(|(r, _)| r).collect(),
        rounds: report.rounds + probes.0,
        evaluations: report.evaluations + probes.1,
        ..report
    })
}

/// f32 fits to the f32 noise floor, then each finished in f64 by `refine` (the GPU's f64 path or
/// the CPU) from where it stopped, reusing its variable scales: the bulk of the iterations run in
/// f32, the result is an f64 minimum. Counts in the report cover both phases.
pub fn fit_batch_refined(
    coarse: &mut dyn BatchEvaluator,
    refine: &mut dyn BatchEvaluator,
    model: &BatchModel,
    datasets: &[Dataset],
    tasks: &[FitTask],
    options: &BatchFitOptions,
) -> Result<BatchFitReport, EngineError> {
    let prepared = tasks.iter().map(|t| prepare(model, options, t, datasets.len())).collect::<Result<Vec<_>, _>>()?;
    fit_prepared_refined(coarse, refine, model.n_pars(), datasets, prepared, options)
}

fn fit_prepared_refined(
    coarse: &mut dyn BatchEvaluator,
    refine: &mut dyn BatchEvaluator,
    n_pars: usize,
    datasets: &[Dataset],
    mut prepared: Vec<Prepared>,
    options: &BatchFitOptions,
) -> Result<BatchFitReport, EngineError> {
    coarse.set_datasets(datasets).map_err(|e| EngineError::bad_request(e.to_string()))?;
    let first_options = with_iterations(options.minimizer.clone().unwrap_or_else(f32_minimizer_options), options);
    let probes = if options.batched_scaling && first_options.scaling == Scaling::AutoDiagonal && batched_scaling_pays(n_pars, &prepared) {
        batched_scales(coarse, n_pars, &mut prepared)?
    } else {
        (0, 0)
    };
    let (first, mut a) = run_lockstep(coarse, n_pars, &prepared, &first_options, options.max_active)?;
    a.rounds += probes.0;
    a.evaluations += probes.1;
    let second: Vec<Prepared> = prepared
        .iter()
        .zip(&first)
        .map(|(p, (r, scales))| Prepared { x: r.bestfit.clone(), scales: Some(scales.clone()), ..p.clone() })
        .collect();
    refine.set_datasets(datasets).map_err(|e| EngineError::bad_request(e.to_string()))?;
    let (finished, b) = run_lockstep(refine, n_pars, &second, &with_iterations(Options::default(), options), options.max_active)?;
    let results = finished
        .into_iter()
        .zip(&first)
        .map(|((mut r, _), (f, _))| {
            r.iterations += f.iterations;
            r.function_calls += f.function_calls;
            r
        })
        .collect();
    Ok(BatchFitReport { results, rounds: a.rounds + b.rounds, evaluations: a.evaluations + b.evaluations, max_batch: a.max_batch.max(b.max_batch) })
}

/// Parameter values per probe batch (bounds the host memory of one batch to 128 MiB).
const PROBE_BATCH_VALUES: usize = 1 << 24;

fn fits_per_probe_batch(n_pars: usize) -> usize {
    (PROBE_BATCH_VALUES / ((n_pars + 1) * n_pars.max(1))).max(1)
}

/// Batched probes take ceil(fits / fits per batch) rounds, in-fit probing one round per free
/// parameter (all fits probing together): use whichever is fewer.
fn batched_scaling_pays(n_pars: usize, prepared: &[Prepared]) -> bool {
    let n_free = prepared.iter().map(|p| (0..n_pars).filter(|&i| !p.fixed[i] && p.lower[i] != p.upper[i]).count()).max().unwrap_or(0);
    prepared.len().div_ceil(fits_per_probe_batch(n_pars)) < n_free
}

/// A gradient probe: parameter, step, index of the probed point in the batch.
type Probe = (usize, f64, usize);

/// The minimiser's `AutoDiagonal` scales for every fit, with all probes of many fits in one batch:
/// s_j = 1/√(∂g_j/∂x_j) from a forward difference of the gradient with the minimiser's step,
/// clamped to [1e-8, 1e8], and 1 where the curvature is not positive. Returns (rounds, points).
fn batched_scales(evaluator: &mut dyn BatchEvaluator, n_pars: usize, prepared: &mut [Prepared]) -> Result<(usize, usize), EngineError> {
    let fits_per_batch = fits_per_probe_batch(n_pars);
    let (mut rounds, mut points) = (0, 0);
    for chunk in prepared.chunks_mut(fits_per_batch) {
        let mut pars = Vec::new();
        let mut dataset_of = Vec::new();
        // Per fit: index of its base point, then its probes.
        let mut layout: Vec<(usize, Vec<Probe>)> = Vec::new();
        for p in chunk.iter() {
            let mut x = p.x.clone();
            let free: Vec<usize> = (0..n_pars).filter(|&i| !p.fixed[i] && p.lower[i] != p.upper[i]).collect();
            for &i in &free {
                x[i] = x[i].clamp(p.lower[i], p.upper[i]);
            }
            let base = dataset_of.len();
            pars.extend_from_slice(&x);
            dataset_of.push(p.dataset);
            let mut probes = Vec::new();
            for &j in &free {
                let xj = x[j];
                let h = f64::EPSILON.cbrt() * xj.abs().max(1.0);
                let (up, dn) = (p.upper[j] - xj, xj - p.lower[j]);
                let step = if up >= h {
                    h
                } else if dn >= h {
                    -h
                } else if up >= dn {
                    0.5 * up
                } else {
                    -0.5 * dn
                };
                let step = (xj + step) - xj;
                if step != 0.0 {
                    probes.push((j, step, dataset_of.len()));
                    let start = pars.len();
                    pars.extend_from_slice(&x);
                    pars[start + j] = xj + step;
                    dataset_of.push(p.dataset);
                }
            }
            layout.push((base, probes));
        }
        let n = dataset_of.len();
        let (mut nll, mut grad) = (vec![0.0; n], vec![0.0; n * n_pars]);
        evaluator.nll_and_grad(&pars, &dataset_of, &mut nll, &mut grad).map_err(|e| EngineError::bad_request(format!("batched scaling failed: {e}")))?;
        rounds += 1;
        points += n;
        for (p, (base, probes)) in chunk.iter_mut().zip(&layout) {
            let mut scales = vec![1.0; n_pars];
            if nll[*base].is_finite() {
                for &(j, step, k) in probes {
                    let d = (grad[k * n_pars + j] - grad[base * n_pars + j]) / step;
                    if d > 0.0 && d.is_finite() && nll[k].is_finite() {
                        scales[j] = (1.0 / d.sqrt()).clamp(1e-8, 1e8);
                    }
                }
            }
            p.scales = Some(scales);
        }
    }
    Ok((rounds, points))
}

fn with_iterations(mut o: Options, options: &BatchFitOptions) -> Options {
    if let Some(it) = options.max_iterations {
        o.max_iterations = it;
    }
    o
}

/// Each fit's result and the variable scales it ran with.
type FitAndScales = (FitResult, Vec<f64>);

fn run_lockstep(
    evaluator: &mut dyn BatchEvaluator,
    n_pars: usize,
    prepared: &[Prepared],
    minimizer_options: &Options,
    max_active: usize,
) -> Result<(Vec<FitAndScales>, BatchFitReport), EngineError> {
    let workers = prepared.len().min(max_active.max(1));
    let rendezvous = Rendezvous {
        state: Mutex::new(Round { live: workers, waiting: 0, requests: vec![None; workers], responses: vec![None; workers] }),
        all_waiting: Condvar::new(),
        answered: (0..workers).map(|_| Condvar::new()).collect(),
    };
    let next_task = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<FitAndScales>>> = (0..prepared.len()).map(|_| Mutex::new(None)).collect();
    let (mut rounds, mut evaluations, mut max_batch) = (0, 0, 0);
    let mut failure: Option<GpuError> = None;

    std::thread::scope(|scope| -> Result<(), EngineError> {
        for slot in 0..workers {
            let (rendezvous, next_task, results) = (&rendezvous, &next_task, &results);
            let spawned = std::thread::Builder::new().name(format!("fit-{slot}")).stack_size(256 * 1024).spawn_scoped(scope, move || {
                let _retire = Retire(rendezvous);
                let mut minimizer = Minimizer::new(n_pars, minimizer_options.clone());
                loop {
                    let t = next_task.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = prepared.get(t) else { break };
                    let mut opts = minimizer_options.clone();
                    if let Some(scales) = &p.scales {
                        opts.scaling = Scaling::Manual(scales.clone());
                    }
                    if *minimizer.options() != opts {
                        minimizer.set_options(opts);
                    }
                    let result = fit_one(&mut minimizer, rendezvous, slot, p);
                    *results[t].lock().unwrap_or_else(|e| e.into_inner()) = Some((result, minimizer.scales().to_vec()));
                }
            });
            if let Err(e) = spawned {
                // This slot never existed, so it must not be counted as live; the started ones
                // drain the queue.
                let mut round = rendezvous.lock();
                round.live -= 1;
                if slot == 0 {
                    return Err(EngineError::bad_request(format!("cannot start fit threads: {e}")));
                }
            }
        }

        let mut pars = Vec::new();
        let mut dataset_of = Vec::new();
        let mut slots = Vec::new();
        let (mut nll, mut grad) = (Vec::new(), Vec::new());
        loop {
            let mut round = rendezvous.lock();
            while round.waiting < round.live {
                round = rendezvous.all_waiting.wait(round).unwrap_or_else(|p| p.into_inner());
            }
            if round.live == 0 {
                break;
            }
            pars.clear();
            dataset_of.clear();
            slots.clear();
            for (slot, request) in round.requests.iter_mut().enumerate() {
                if let Some((d, x)) = request.take() {
                    slots.push(slot);
                    dataset_of.push(d);
                    pars.extend_from_slice(&x);
                }
            }
            drop(round);
            nll.clear();
            nll.resize(slots.len(), 0.0);
            grad.clear();
            grad.resize(slots.len() * n_pars, 0.0);
            if let Err(e) = evaluator.nll_and_grad(&pars, &dataset_of, &mut nll, &mut grad) {
                // The fits see a non-finite value and stop; the error is returned below.
                nll.iter_mut().for_each(|v| *v = f64::NAN);
                failure.get_or_insert(e);
            }
            rounds += 1;
            evaluations += slots.len();
            max_batch = max_batch.max(slots.len());
            let mut round = rendezvous.lock();
            for (i, &slot) in slots.iter().enumerate() {
                round.responses[slot] = Some((nll[i], grad[i * n_pars..(i + 1) * n_pars].to_vec()));
            }
            round.waiting = 0;
            drop(round);
            for &slot in &slots {
                rendezvous.answered[slot].notify_one();
            }
        }
        Ok(())
    })?;
    if let Some(e) = failure {
        return Err(EngineError::bad_request(format!("batched evaluation failed: {e}")));
    }
    let fits = results
        .into_iter()
        .enumerate()
        .map(|(t, r)| r.into_inner().unwrap_or_else(|e| e.into_inner()).ok_or_else(|| EngineError::bad_request(format!("fit {t} did not run"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((fits, BatchFitReport { results: Vec::new(), rounds, evaluations, max_batch }))
}

/// The engine's `Fitter::fit` on a rendezvous objective (same restart rule).
fn fit_one(minimizer: &mut Minimizer, rendezvous: &Rendezvous, slot: usize, p: &Prepared) -> FitResult {
    let mut x = p.x.clone();
    let mut objective = |q: &[f64], g: &mut [f64]| rendezvous.evaluate(slot, p.dataset, q, g);
    let mut summary = minimizer.minimize_in_place(&mut objective, &mut x, &p.lower, &p.upper, &p.fixed);
    let mut function_calls = summary.n_evals;
    let mut iterations = summary.iterations;
    if !summary.converged && matches!(summary.status, Status::LineSearchFailed | Status::Converged(_)) {
        let restart = minimizer.minimize_in_place(&mut objective, &mut x, &p.lower, &p.upper, &p.fixed);
        function_calls += restart.n_evals;
        iterations += restart.iterations;
        summary = restart;
    }
    FitResult {
        bestfit: x,
        nll: summary.f,
        twice_nll: 2.0 * summary.f,
        converged: summary.converged,
        status: format!("{:?}", summary.status),
        iterations,
        function_calls,
        uncertainties: None,
        uncertainty_error: None,
    }
}
