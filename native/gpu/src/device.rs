//! Adapter discovery and device setup (Vulkan through wgpu). Every failure is a `GpuError`, never a
//! panic: wgpu's default uncaptured-error handler panics, so it is replaced by one that records
//! the error for the next `take_error`.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuError {
    /// No usable adapter (no Vulkan loader, no driver, or none matching the request).
    NoAdapter(String),
    /// The adapter refused the device, or a limit is too small for the model.
    Device(String),
    /// Shader or pipeline creation failed.
    Shader(String),
    /// A dispatch or readback failed.
    Execution(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoAdapter(m) => write!(f, "no GPU adapter: {m}"),
            GpuError::Device(m) => write!(f, "GPU device: {m}"),
            GpuError::Shader(m) => write!(f, "GPU shader: {m}"),
            GpuError::Execution(m) => write!(f, "GPU execution: {m}"),
        }
    }
}

impl std::error::Error for GpuError {}

/// What the self-check and the planner report about an adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    /// Offers `SHADER_F64` (the f64 path).
    pub f64: bool,
    pub max_storage_buffer_binding_size: u64,
    pub max_compute_workgroups_per_dimension: u32,
}

impl AdapterSummary {
    fn of(adapter: &wgpu::Adapter) -> AdapterSummary {
        let info = adapter.get_info();
        let limits = adapter.limits();
        AdapterSummary {
            name: info.name,
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: info.driver,
            driver_info: info.driver_info,
            f64: adapter.features().contains(wgpu::Features::SHADER_F64),
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
        }
    }

    /// Discrete GPUs first, software rasterisers last.
    fn rank(&self) -> u32 {
        match self.device_type.as_str() {
            "DiscreteGpu" => 0,
            "IntegratedGpu" => 1,
            "VirtualGpu" => 2,
            "Other" => 3,
            _ => 4,
        }
    }
}

/// Which adapter to open.
#[derive(Debug, Clone)]
pub struct DeviceRequest {
    /// Case-insensitive substring of the adapter name (default: `WGPU_ADAPTER_NAME`, else the
    /// best-ranked adapter).
    pub adapter_name: Option<String>,
    /// Ask for `SHADER_F64` when the adapter has it (default true).
    pub want_f64: bool,
}

impl Default for DeviceRequest {
    fn default() -> Self {
        DeviceRequest { adapter_name: None, want_f64: true }
    }
}

impl DeviceRequest {
    /// The default request with the adapter name from `WGPU_ADAPTER_NAME`.
    pub fn new() -> DeviceRequest {
        DeviceRequest { adapter_name: std::env::var("WGPU_ADAPTER_NAME").ok().filter(|s| !s.is_empty()), want_f64: true }
    }
}

/// An open device with its queue; shared by the evaluators built on it.
pub struct GpuDevice {
    pub adapter: AdapterSummary,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) limits: wgpu::Limits,
    f64: bool,
    last_error: Arc<Mutex<Option<String>>>,
}

fn instance() -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::VULKAN;
    wgpu::Instance::new(desc.with_env())
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "panic".into())
}

fn adapters() -> Result<Vec<wgpu::Adapter>, GpuError> {
    std::panic::catch_unwind(|| pollster::block_on(instance().enumerate_adapters(wgpu::Backends::VULKAN)))
        .map_err(|p| GpuError::NoAdapter(format!("adapter enumeration failed: {}", panic_message(p))))
}

/// Every Vulkan adapter wgpu sees (empty when there is no loader or driver).
pub fn list_adapters() -> Vec<AdapterSummary> {
    adapters().map(|list| list.iter().map(AdapterSummary::of).collect()).unwrap_or_default()
}

impl GpuDevice {
    /// Open the requested adapter (see `DeviceRequest`).
    pub fn open(request: &DeviceRequest) -> Result<GpuDevice, GpuError> {
        let list = adapters()?;
        if list.is_empty() {
            return Err(GpuError::NoAdapter("Vulkan reports no adapter (is a driver such as mesa-vulkan-drivers installed?)".into()));
        }
        let mut candidates: Vec<(AdapterSummary, wgpu::Adapter)> = list.into_iter().map(|a| (AdapterSummary::of(&a), a)).collect();
        if let Some(name) = &request.adapter_name {
            let needle = name.to_lowercase();
            candidates.retain(|(s, _)| s.name.to_lowercase().contains(&needle));
            if candidates.is_empty() {
                return Err(GpuError::NoAdapter(format!("no adapter name contains '{name}'")));
            }
        }
        candidates.sort_by_key(|(s, _)| s.rank());
        let (summary, adapter) = candidates.swap_remove(0);
        let f64 = request.want_f64 && summary.f64;
        let limits = adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("histune-gpu"),
            required_features: if f64 { wgpu::Features::SHADER_F64 } else { wgpu::Features::empty() },
            required_limits: limits.clone(),
            ..Default::default()
        };
        let (device, queue) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pollster::block_on(adapter.request_device(&desc))))
            .map_err(|p| GpuError::Device(panic_message(p)))?
            .map_err(|e| GpuError::Device(format!("{}: {e}", summary.name)))?;
        let last_error = Arc::new(Mutex::new(None));
        let sink = last_error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(e.to_string());
            }
        }));
        Ok(GpuDevice { adapter: summary, device, queue, limits, f64, last_error })
    }

    /// The f64 path is available (adapter has `SHADER_F64` and it was requested).
    pub fn has_f64(&self) -> bool {
        self.f64
    }

    /// Largest buffer that can also be bound whole as storage, in bytes.
    pub fn buffer_limit(&self) -> u64 {
        self.limits.max_storage_buffer_binding_size.min(self.limits.max_buffer_size)
    }

    /// The wgpu device and queue, for callers that run their own kernels.
    pub fn wgpu(&self) -> (&wgpu::Device, &wgpu::Queue) {
        (&self.device, &self.queue)
    }

    /// The first error wgpu reported since the last call, if any.
    pub fn take_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
