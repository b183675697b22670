//! Batched HistFactory −logpdf and gradient on the GPU (wgpu compute, Vulkan), for many parameter
//! vectors × datasets of one compiled model: toys, scans, impacts. The CPU engine
//! (`histune-engine`) stays the reference; `planner` decides which back end runs a batch, and any
//! GPU failure falls back to the CPU.

pub mod batch;
pub mod candidates;
pub mod check;
pub mod constraints;
pub mod device;
pub mod fit;
pub mod flat;
pub mod model;
pub mod planner;
pub mod precision;
pub mod ranking;
pub mod scales;
pub mod shader;
pub mod synthetic;
pub mod toys;

pub use batch::{BatchEvaluator, CpuBatch, GpuBatch};
pub use device::{list_adapters, AdapterSummary, DeviceRequest, GpuDevice, GpuError};
pub use fit::{f32_minimizer_options, fit_batch, fit_batch_of_models, fit_batch_refined, fit_batch_refined_of_models, BatchFitOptions, BatchFitReport, FitTask};
pub use model::BatchModel;
pub use planner::{Backend, BackendChoice, FallbackEvaluator, Plan, Planner};
pub use shader::Precision;
