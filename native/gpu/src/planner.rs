//! CPU or GPU for a batch, from a measured crossover; the user may force either. A missing or
//! failing GPU never stops the work: the batch runs on the CPU and the reason is kept as a note.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use histune_engine::Dataset;

use crate::batch::{BatchEvaluator, CpuBatch, GpuBatch};
use crate::device::{DeviceRequest, GpuDevice, GpuError};
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
        FallbackEvaluator { gpu, cpu: CpuBatch::new(model), datasets: Vec::new(), notes }
    }
}

/// The planned GPU evaluator that switches to the CPU for good at its first failure.
pub struct FallbackEvaluator<'m> {
    gpu: Option<GpuBatch<'m>>,
    cpu: CpuBatch<'m>,
    datasets: Vec<Dataset>,
    /// What went wrong on the way (empty when the plan ran as made).
    pub notes: Vec<String>,
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
