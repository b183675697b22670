//! CPU or GPU for a batch, from a measured crossover; the user may force either. A missing or
//! failing GPU never stops the work: the batch runs on the CPU and the reason is kept as a note.
//! Batches of fits (toys, rankings) are then decided per fit (`FitCosts`): the lockstep minimiser
//! may need many more evaluations per fit than the engine's Newton fits (README.md, planner).

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use histune_engine::Dataset;

use histune_engine::FitResult;
use histune_optim::{Options, Scaling};

use crate::batch::{BatchEvaluator, CpuBatch, GpuBatch};
use crate::device::{DeviceRequest, GpuDevice, GpuError};
use crate::fit::{fit_batch, BatchFitOptions, FitTask};
use crate::model::BatchModel;
use crate::shader::Precision;

/// What the user asked for (`HISTUNE_BACKEND=auto|cpu|gpu` by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    Auto,
    Cpu,
    Gpu,
}

impl BackendChoice {
    pub fn from_env() -> BackendChoice {
        match std::env::var("HISTUNE_BACKEND").unwrap_or_default().to_ascii_lowercase().as_str() {
            "cpu" => BackendChoice::Cpu,
            "gpu" => BackendChoice::Gpu,
            _ => BackendChoice::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "precision")]
pub enum Backend {
    Cpu,
    Gpu(Precision),
}

/// Time per batch t(B) = fixed + per_item·B, in seconds, fitted from two batch sizes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CostLine {
    pub fixed_s: f64,
    pub per_item_s: f64,
}

impl CostLine {
    fn through(b1: usize, t1: f64, b2: usize, t2: f64) -> CostLine {
        let per_item_s = ((t2 - t1) / (b2 - b1) as f64).max(0.0);
        CostLine { fixed_s: (t1 - per_item_s * b1 as f64).max(0.0), per_item_s }
    }
    pub fn at(&self, batch: usize) -> f64 {
        self.fixed_s + self.per_item_s * batch as f64
    }
}

/// Measured costs of one model on both back ends, and the batch size from which the GPU wins.
#[derive(Debug, Clone, Serialize)]
pub struct Crossover {
    pub sample_bins: usize,
    pub n_pars: usize,
    pub precision: Precision,
    pub cpu: CostLine,
    pub gpu: CostLine,
    /// Smallest batch at which the GPU is faster; `None` when it never is.
    pub batch: Option<usize>,
}

impl Crossover {
    fn from_lines(sample_bins: usize, n_pars: usize, precision: Precision, cpu: CostLine, gpu: CostLine) -> Crossover {
        let batch = if gpu.per_item_s >= cpu.per_item_s {
            // A GPU that costs more per item loses at large batches even where its fixed cost is
            // lower; it wins at every batch only when both lines coincide or it is below throughout.
            (gpu.per_item_s <= cpu.per_item_s && gpu.fixed_s <= cpu.fixed_s).then_some(1)
        } else {
            Some((((gpu.fixed_s - cpu.fixed_s) / (cpu.per_item_s - gpu.per_item_s)).ceil().max(1.0)) as usize)
        };
        Crossover { sample_bins, n_pars, precision, cpu, gpu, batch }
    }
}

/// What a batch of fits costs on each back end. The CPU engine fits with a Newton method (a few
/// iterations); the lockstep minimiser is first-order (L-BFGS-B) and may need hundreds of rounds
/// where nuisance parameters are strongly correlated, so cheaper evaluations alone do not make the
/// GPU faster per fit. Costs in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FitCosts {
    pub fits: usize,
    /// Fits stepped together (the GPU batch size).
    pub batch: usize,
    /// One engine fit on one core, measured on this model and data.
    pub cpu_fit_s: f64,
    /// Cores the CPU path spreads its fits over.
    pub cpu_threads: usize,
    /// One lockstep round of `batch` points on the GPU (the measured cost line at `batch`).
    pub gpu_round_s: f64,
    /// One round of the CPU f64 refinement that finishes f32 fits (0 for f64).
    pub refine_round_s: f64,
}

/// Rounds of the lockstep pilot: its coarse (GPU) rounds and the f64 rounds that finish f32 fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PilotRounds {
    pub gpu: usize,
    pub refine: usize,
}

/// The expected cost of a batch of fits on both back ends and the choice, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FitEstimate {
    #[serde(flatten)]
    pub costs: FitCosts,
    /// Rounds per lockstep pass beyond which the GPU cannot win (the pilot stops there).
    pub break_even_rounds: usize,
    /// The pilot's rounds; `None` when it ran past `break_even_rounds`.
    pub pilot_rounds: Option<PilotRounds>,
    pub cpu_total_s: f64,
    /// `None` when the pilot ran past break-even (then at least cpu_total_s).
    pub gpu_total_s: Option<f64>,
    pub gpu: bool,
    pub reason: String,
}

impl FitCosts {
    /// Lockstep passes: the batch is a queue of `batch` slots, each fit takes about a pass of rounds.
    fn passes(&self) -> f64 {
        self.fits.div_ceil(self.batch.max(1)).max(1) as f64
    }

    pub fn cpu_total_s(&self) -> f64 {
        self.fits as f64 * self.cpu_fit_s / self.cpu_threads.max(1) as f64
    }

    pub fn gpu_total_s(&self, rounds: PilotRounds) -> f64 {
        self.passes() * (rounds.gpu as f64 * self.gpu_round_s + rounds.refine as f64 * self.refine_round_s)
    }

    /// Rounds per pass at which the GPU costs as much as the CPU path (cap of the pilot).
    pub fn break_even_rounds(&self) -> usize {
        let per_round = self.passes() * self.gpu_round_s.max(self.refine_round_s).max(1e-12);
        (self.cpu_total_s() / per_round).floor().min(1e7) as usize
    }

    /// CPU or GPU from the expected cost per fit: the CPU's measured fit time against the pilot's
    /// rounds per fit times the measured round cost at this batch size.
    pub fn decide(self, pilot: Option<PilotRounds>) -> FitEstimate {
        let cpu_total_s = self.cpu_total_s();
        let break_even_rounds = self.break_even_rounds();
        let gpu_total_s = pilot.map(|r| self.gpu_total_s(r));
        let gpu = gpu_total_s.is_some_and(|g| g < cpu_total_s);
        let per_fit = |total: f64| total / self.fits.max(1) as f64 * 1e3;
        let reason = match (pilot, gpu_total_s) {
            (Some(r), Some(g)) => format!(
                "expected {:.3} ms per fit on the GPU ({} lockstep rounds × {:.3} ms at batch {}{}) vs {:.3} ms on the CPU ({:.3} ms per engine fit, {} threads): {} chosen",
                per_fit(g),
                r.gpu,
                self.gpu_round_s * 1e3,
                self.batch,
                if r.refine > 0 { format!(" + {} f64 refinement rounds on the CPU × {:.3} ms", r.refine, self.refine_round_s * 1e3) } else { String::new() },
                per_fit(cpu_total_s),
                self.cpu_fit_s * 1e3,
                self.cpu_threads,
                if gpu { "GPU" } else { "CPU" }
            ),
            _ if break_even_rounds == 0 => format!(
                "one GPU round ({:.3} ms at batch {}) costs more than the CPU's {:.3} ms per fit times the fits: CPU chosen",
                self.gpu_round_s * 1e3,
                self.batch,
                per_fit(cpu_total_s)
            ),
            _ => format!(
                "the lockstep pilot fit needed more than {break_even_rounds} rounds (break-even at {:.3} ms per GPU round, batch {}) vs {:.3} ms per fit on the CPU: CPU chosen",
                self.gpu_round_s * 1e3,
                self.batch,
                per_fit(cpu_total_s)
            ),
        };
        FitEstimate { costs: self, break_even_rounds, pilot_rounds: pilot, cpu_total_s, gpu_total_s, gpu, reason }
    }
}

/// A CPU evaluator that refuses to evaluate past a number of rounds (caps the pilot's cost).
struct Capped<'m> {
    inner: CpuBatch<'m>,
    left: usize,
}

impl BatchEvaluator for Capped<'_> {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> Result<(), GpuError> {
        self.inner.set_datasets(datasets)
    }
    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> Result<(), GpuError> {
        if self.left == 0 {
            return Err(GpuError::Execution("pilot round cap reached".into()));
        }
        self.left -= 1;
        self.inner.nll_and_grad(pars, dataset_of, nll, grad)
    }
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn precision(&self) -> Precision {
        self.inner.precision()
    }
}

/// The lockstep minimiser's rounds for `tasks` (a few fits representative of the batch) with the
/// options the batch will use, run on the CPU evaluator (f64): the rounds one pass of the batch
/// takes, as the fits' paths do not depend on who evaluates them (up to f32 noise). For f32 the
/// coarse fits use `options.minimizer` and are then finished with the engine's default options and
/// the coarse fits' scales, as `fit_batch_refined` does. `None` past `cap` rounds in all.
pub fn pilot_rounds(model: &BatchModel, datasets: &[Dataset], tasks: &[FitTask], options: &BatchFitOptions, precision: Precision, cap: usize) -> Option<PilotRounds> {
    let mut capped = Capped { inner: CpuBatch::new(model), left: cap };
    let coarse = fit_batch(&mut capped, model, datasets, tasks, options).ok()?;
    if precision == Precision::F64 {
        return Some(PilotRounds { gpu: coarse.rounds, refine: 0 });
    }
    let mut refine_minimizer = Options::default();
    if let Some(Scaling::Manual(s)) = options.minimizer.as_ref().map(|m| &m.scaling) {
        refine_minimizer.scaling = Scaling::Manual(s.clone());
    }
    let refine_options = BatchFitOptions { minimizer: Some(refine_minimizer), ..options.clone() };
    let refine_tasks: Vec<FitTask> = tasks.iter().zip(&coarse.results).map(|(t, r): (&FitTask, &FitResult)| FitTask { init: Some(r.bestfit.clone()), ..t.clone() }).collect();
    let refine = fit_batch(&mut capped, model, datasets, &refine_tasks, &refine_options).ok()?;
    Some(PilotRounds { gpu: coarse.rounds, refine: refine.rounds })
}

impl Crossover {
    /// The costs of `fits` fits, `batch` at a time, with one engine fit measured at `cpu_fit_s`:
    /// GPU rounds from the measured GPU line at `batch`, f32 refinement rounds from the CPU line.
    pub fn fit_costs(&self, fits: usize, batch: usize, cpu_fit_s: f64) -> FitCosts {
        FitCosts {
            fits,
            batch,
            cpu_fit_s,
            cpu_threads: rayon::current_num_threads(),
            gpu_round_s: self.gpu.at(batch),
            refine_round_s: if self.precision == Precision::F32 { self.cpu.at(batch) } else { 0.0 },
        }
    }
}

/// The decision for one batch, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub backend: Backend,
    pub reason: String,
}

/// Chooses a back end per model and batch size, measuring the crossover once per model.
pub struct Planner {
    pub choice: BackendChoice,
    /// Precision for the GPU (default: f64 where the adapter has it).
    pub precision: Option<Precision>,
    device: Option<Arc<GpuDevice>>,
    /// Why there is no GPU, if there is none.
    pub note: Option<String>,
    crossovers: Vec<Crossover>,
}

impl Planner {
    /// Open the GPU unless the choice is `Cpu`; a failure to open it is a note, not an error.
    pub fn new(choice: BackendChoice, request: &DeviceRequest) -> Planner {
        let (device, note) = match choice {
            BackendChoice::Cpu => (None, Some("CPU forced".to_string())),
            _ => match GpuDevice::open(request) {
                Ok(d) => (Some(Arc::new(d)), None),
                Err(e) => (None, Some(format!("{e}; running on the CPU"))),
            },
        };
        Planner { choice, precision: None, device, note, crossovers: Vec::new() }
    }

    /// A planner around an already open device (or none).
    pub fn with_device(choice: BackendChoice, device: Option<Arc<GpuDevice>>) -> Planner {
        let note = if device.is_none() { Some("no GPU device; running on the CPU".to_string()) } else { None };
        Planner { choice, precision: None, device, note, crossovers: Vec::new() }
    }

    pub fn device(&self) -> Option<&Arc<GpuDevice>> {
        self.device.as_ref()
    }

    pub fn crossovers(&self) -> &[Crossover] {
        &self.crossovers
    }

    fn gpu_precision(&self, device: &GpuDevice) -> Precision {
        match (self.precision, device.has_f64()) {
            (Some(Precision::F32), _) | (_, false) => Precision::F32,
            _ => Precision::F64,
        }
    }

    /// Time both back ends on `model` at two batch sizes (about a second on a real machine).
    pub fn measure(&mut self, model: &BatchModel) -> Result<Crossover, GpuError> {
        let device = self.device.clone().ok_or_else(|| GpuError::NoAdapter(self.note.clone().unwrap_or_default()))?;
        let precision = self.gpu_precision(&device);
        let data = [model.observed().clone()];
        let (b1, b2) = (8, 256);
        let init = model.model.suggested_init();
        let time = |ev: &mut dyn BatchEvaluator, b: usize| -> Result<f64, GpuError> {
            ev.set_datasets(&data)?;
            let pars: Vec<f64> = (0..b).flat_map(|_| init.iter().copied()).collect();
            let items = vec![0u32; b];
            let (mut nll, mut grad) = (vec![0.0; b], vec![0.0; b * init.len()]);
            ev.nll_and_grad(&pars, &items, &mut nll, &mut grad)?;
            let mut best = f64::INFINITY;
            for _ in 0..3 {
                let t = Instant::now();
                ev.nll_and_grad(&pars, &items, &mut nll, &mut grad)?;
                best = best.min(t.elapsed().as_secs_f64());
            }
            Ok(best)
        };
        let mut cpu = CpuBatch::new(model);
        let cpu_line = CostLine::through(b1, time(&mut cpu, b1)?, b2, time(&mut cpu, b2)?);
        let mut gpu = GpuBatch::new(device, model, precision)?;
        let gpu_line = CostLine::through(b1, time(&mut gpu, b1)?, b2, time(&mut gpu, b2)?);
        let crossover = Crossover::from_lines(model.n_sample_bins(), model.n_pars(), precision, cpu_line, gpu_line);
        self.crossovers.retain(|c| !(c.sample_bins == crossover.sample_bins && c.n_pars == crossover.n_pars && c.precision == precision));
        self.crossovers.push(crossover.clone());
        Ok(crossover)
    }

    /// Which back end should evaluate batches of `batch` items of `model`.
    pub fn plan(&mut self, model: &BatchModel, batch: usize) -> Plan {
        let Some(device) = self.device.clone() else {
            let reason = self.note.clone().unwrap_or_else(|| "no GPU".into());
            return Plan { backend: Backend::Cpu, reason };
        };
        let precision = self.gpu_precision(&device);
        match self.choice {
            BackendChoice::Cpu => return Plan { backend: Backend::Cpu, reason: "CPU forced".into() },
            BackendChoice::Gpu => return Plan { backend: Backend::Gpu(precision), reason: format!("GPU forced ({})", device.adapter.name) },
            BackendChoice::Auto => {}
        }
        let known = self.crossovers.iter().find(|c| c.sample_bins == model.n_sample_bins() && c.n_pars == model.n_pars() && c.precision == precision).cloned();
        let crossover = match known {
            Some(c) => c,
            None => match self.measure(model) {
                Ok(c) => c,
                Err(e) => {
                    self.note = Some(format!("{e}; running on the CPU"));
                    self.device = None;
                    return Plan { backend: Backend::Cpu, reason: format!("GPU measurement failed: {e}") };
                }
            },
        };
        match crossover.batch {
            Some(b) if batch >= b => Plan {
                backend: Backend::Gpu(precision),
                reason: format!("batch {batch} ≥ measured crossover {b} on {}", device.adapter.name),
            },
            Some(b) => Plan { backend: Backend::Cpu, reason: format!("batch {batch} < measured crossover {b}") },
            None => Plan { backend: Backend::Cpu, reason: format!("the CPU is faster at every batch size on {}", device.adapter.name) },
        }
    }

    /// The measured evaluation costs behind a GPU `plan` for `model`, where they were measured.
    fn measured_costs(&self, model: &BatchModel, plan: &Plan) -> Option<Crossover> {
        match plan.backend {
            Backend::Gpu(precision) => self.crossovers.iter().find(|c| c.sample_bins == model.n_sample_bins() && c.n_pars == model.n_pars() && c.precision == precision).cloned(),
            Backend::Cpu => None,
        }
    }

    /// Under `auto`, the measured evaluation costs behind a GPU `plan`, for a decision per fit
    /// (candidate batches; toys and rankings take them from `FallbackEvaluator::costs`).
    pub fn auto_costs(&self, model: &BatchModel, plan: &Plan) -> Option<Crossover> {
        if self.choice == BackendChoice::Auto { self.measured_costs(model, plan) } else { None }
    }

    /// An evaluator for `plan`: the GPU one when it builds, else the CPU (with a note).
    pub fn evaluator<'m>(&mut self, model: &'m BatchModel, plan: &Plan) -> FallbackEvaluator<'m> {
        let mut notes = Vec::new();
        let gpu = match (plan.backend, &self.device) {
            (Backend::Gpu(precision), Some(device)) => match GpuBatch::new(device.clone(), model, precision) {
                Ok(g) => Some(g),
                Err(e) => {
                    notes.push(format!("{e}; running on the CPU"));
                    None
                }
            },
            (Backend::Gpu(_), None) => {
                notes.push(self.note.clone().unwrap_or_else(|| "no GPU; running on the CPU".into()));
                None
            }
            (Backend::Cpu, _) => None,
        };
        let costs = self.measured_costs(model, plan);
        FallbackEvaluator { gpu, cpu: CpuBatch::new(model), datasets: Vec::new(), notes, costs }
    }
}

/// The planned GPU evaluator that switches to the CPU for good at its first failure.
pub struct FallbackEvaluator<'m> {
    gpu: Option<GpuBatch<'m>>,
    cpu: CpuBatch<'m>,
    datasets: Vec<Dataset>,
    /// What went wrong on the way (empty when the plan ran as made).
    pub notes: Vec<String>,
    /// The planner's measured evaluation costs for this model and precision, where it measured
    /// them (`auto`): the toys and the ranking turn them into costs per fit.
    pub costs: Option<Crossover>,
}

impl FallbackEvaluator<'_> {
    pub fn backend(&self) -> Backend {
        match &self.gpu {
            Some(g) => Backend::Gpu(g.precision()),
            None => Backend::Cpu,
        }
    }

    fn fall_back(&mut self, e: GpuError) -> Result<(), GpuError> {
        self.notes.push(format!("{e}; continuing on the CPU"));
        self.gpu = None;
        self.cpu.set_datasets(&self.datasets)
    }
}

impl BatchEvaluator for FallbackEvaluator<'_> {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> Result<(), GpuError> {
        self.datasets = datasets.to_vec();
        if let Some(gpu) = &mut self.gpu {
            if let Err(e) = gpu.set_datasets(datasets) {
                return self.fall_back(e);
            }
            return Ok(());
        }
        self.cpu.set_datasets(datasets)
    }

    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> Result<(), GpuError> {
        if let Some(gpu) = &mut self.gpu {
            match gpu.nll_and_grad(pars, dataset_of, nll, grad) {
                Ok(()) => return Ok(()),
                Err(e) => self.fall_back(e)?,
            }
        }
        self.cpu.nll_and_grad(pars, dataset_of, nll, grad)
    }

    fn name(&self) -> &'static str {
        match &self.gpu {
            Some(g) => g.name(),
            None => self.cpu.name(),
        }
    }

    fn precision(&self) -> Precision {
        match &self.gpu {
            Some(g) => g.precision(),
            None => Precision::F64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossover_is_where_the_cost_lines_meet() {
        let cpu = CostLine::through(8, 8e-3, 256, 256e-3);
        assert!((cpu.per_item_s - 1e-3).abs() < 1e-12 && cpu.fixed_s < 1e-12);
        let gpu = CostLine { fixed_s: 50e-3, per_item_s: 0.5e-3 };
        let c = Crossover::from_lines(10, 3, Precision::F32, cpu, gpu);
        assert_eq!(c.batch, Some(100));
        assert!(gpu.at(100) <= cpu.at(100) && gpu.at(99) > cpu.at(99));
        let slower = CostLine { fixed_s: 1e-3, per_item_s: 2e-3 };
        assert_eq!(Crossover::from_lines(10, 3, Precision::F32, cpu, slower).batch, None);
        // Cheaper to start but dearer per item (lavapipe on a large model): the CPU wins at scale.
        let steep = CostLine { fixed_s: 0.0, per_item_s: 5e-4 };
        assert_eq!(Crossover::from_lines(4800, 1613, Precision::F64, CostLine { fixed_s: 3e-5, per_item_s: 2.5e-5 }, steep).batch, None);
        let always = CostLine { fixed_s: 0.0, per_item_s: 0.5e-3 };
        assert_eq!(Crossover::from_lines(10, 3, Precision::F32, CostLine { fixed_s: 1e-3, per_item_s: 1e-3 }, always).batch, Some(1));
    }
}
