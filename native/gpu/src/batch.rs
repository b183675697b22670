//! Batched −logpdf and gradient: many (parameter vector, dataset) items of one model per call.
//!
//! `GpuBatch` runs the main-bin part in one workgroup per item and adds, in f64 on the CPU, the
//! per-invocation partial sums (fixed order), the data constants and the constraint terms.
//! `CpuBatch` runs the engine's evaluator on all cores. Both implement `BatchEvaluator`.

use std::sync::Arc;

use rayon::prelude::*;

use histune_engine::Dataset;

use crate::constraints::{constraint_nll, main_constant};
use crate::device::{GpuDevice, GpuError};
use crate::model::BatchModel;
use crate::shader::{self, Precision, Tables, WORKGROUP_SIZE};

/// Value and gradient of −logpdf for a batch of items.
///
/// `pars` holds `dataset_of.len()` parameter vectors back to back; item i uses dataset
/// `dataset_of[i]` of the last `set_datasets`. `nll[i]` and `grad[i·n_pars..]` receive the results.
pub trait BatchEvaluator {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> Result<(), GpuError>;
    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> Result<(), GpuError>;
    /// "cpu", "gpu-f32" or "gpu-f64".
    fn name(&self) -> &'static str;
    /// Arithmetic of the main-bin terms (the CPU is f64).
    fn precision(&self) -> Precision;
}

fn check_shapes(n_pars: usize, n_datasets: usize, pars: &[f64], dataset_of: &[u32], nll: &[f64], grad: &[f64]) -> Result<(), GpuError> {
    let n = dataset_of.len();
    if pars.len() != n * n_pars || nll.len() != n || grad.len() != n * n_pars {
        return Err(GpuError::Execution(format!(
            "batch of {n} items needs {} parameters, {n} NLL slots and {} gradient slots (got {}, {}, {})",
            n * n_pars,
            n * n_pars,
            pars.len(),
            nll.len(),
            grad.len()
        )));
    }
    if let Some(&d) = dataset_of.iter().find(|&&d| d as usize >= n_datasets) {
        return Err(GpuError::Execution(format!("dataset index {d} out of range ({n_datasets} datasets)")));
    }
    Ok(())
}

/// The engine on all cores (rayon), one evaluator per worker.
pub struct CpuBatch<'m> {
    model: &'m BatchModel,
    datasets: Vec<Dataset>,
}

impl<'m> CpuBatch<'m> {
    pub fn new(model: &'m BatchModel) -> CpuBatch<'m> {
        CpuBatch { model, datasets: Vec::new() }
    }
}

impl BatchEvaluator for CpuBatch<'_> {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> Result<(), GpuError> {
        self.datasets = datasets.to_vec();
        Ok(())
    }

    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> Result<(), GpuError> {
        let n_pars = self.model.n_pars();
        check_shapes(n_pars, self.datasets.len(), pars, dataset_of, nll, grad)?;
        let model = &self.model.model;
        let datasets = &self.datasets;
        nll.par_iter_mut()
            .zip(grad.par_chunks_mut(n_pars))
            .zip(pars.par_chunks(n_pars).zip(dataset_of.par_iter()))
            .for_each_init(|| model.evaluator(), |ev, ((v, g), (p, &d))| *v = ev.nll_and_grad(model, p, &datasets[d as usize], g));
        Ok(())
    }

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn precision(&self) -> Precision {
        Precision::F64
    }
}

struct Work {
    capacity: usize,
    pars: wgpu::Buffer,
    items: wgpu::Buffer,
    result: wgpu::Buffer,
    readback: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// The GPU path for one model at one precision.
pub struct GpuBatch<'m> {
    model: &'m BatchModel,
    /// Candidate binnings (`for_candidates`): models of `model`'s structure, dataset d being model
    /// d's own data; empty for one model and any number of datasets.
    candidates: Vec<&'m BatchModel>,
    device: Arc<GpuDevice>,
    precision: Precision,
    tables: Tables,
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    index_buffer: wgpu::Buffer,
    value_buffer: wgpu::Buffer,
    data_buffer: Option<wgpu::Buffer>,
    main_constants: Vec<f64>,
    aux: Vec<Vec<f64>>,
    max_items: usize,
    work: Option<Work>,
    partials: Vec<f64>,
}

fn to_bytes(values: &[f64], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F64 => bytemuck::cast_slice(values).to_vec(),
        Precision::F32 => {
            let v: Vec<f32> = values.iter().map(|&x| x as f32).collect();
            bytemuck::cast_slice(&v).to_vec()
        }
    }
}

impl<'m> GpuBatch<'m> {
    /// Build the pipeline for `model`. F64 needs a device opened with `SHADER_F64`.
    pub fn new(device: Arc<GpuDevice>, model: &'m BatchModel, precision: Precision) -> Result<GpuBatch<'m>, GpuError> {
        GpuBatch::build(device, model, Vec::new(), precision)
    }

    /// One pipeline for several models of one structure (same index tables and sizes: candidate
    /// binnings with the same bins per channel), whose value tables (yields, interpolation
    /// constants) are uploaded side by side: dataset d of `set_datasets` belongs to `models[d]`,
    /// and its constraint terms are `models[d]`'s. Fails when the structures differ.
    pub fn for_candidates(device: Arc<GpuDevice>, models: &[&'m BatchModel], precision: Precision) -> Result<GpuBatch<'m>, GpuError> {
        let first = *models.first().ok_or_else(|| GpuError::Execution("no candidate models".into()))?;
        GpuBatch::build(device, first, models.to_vec(), precision)
    }

    fn build(device: Arc<GpuDevice>, model: &'m BatchModel, candidates: Vec<&'m BatchModel>, precision: Precision) -> Result<GpuBatch<'m>, GpuError> {
        if precision == Precision::F64 && !device.has_f64() {
            return Err(GpuError::Device(format!("{} does not offer SHADER_F64", device.adapter.name)));
        }
        let mut tables = Tables::new(&model.flat);
        let value_stride = if candidates.is_empty() { 0 } else { tables.value.len() };
        if !candidates.is_empty() {
            let layout = shader::source(&model.flat, &tables, precision);
            let mut values = Vec::with_capacity(value_stride * candidates.len());
            for (i, c) in candidates.iter().enumerate() {
                let t = Tables::new(&c.flat);
                if t.index != tables.index || t.value.len() != value_stride || shader::source(&c.flat, &t, precision) != layout {
                    return Err(GpuError::Execution(format!("candidate {i} has another structure than candidate 0 (channels, bins, samples or modifiers differ)")));
                }
                values.extend_from_slice(&t.value);
            }
            tables.value = values;
        }
        let source = shader::source_with_value_stride(&model.flat, &tables, precision, value_stride as u32);
        // naga gives readable errors; wgpu's own would arrive asynchronously.
        shader::validate(&source, precision == Precision::F64).map_err(GpuError::Shader)?;
        let bytes = precision.bytes() as u64;
        let limit = device.buffer_limit();
        let per_item = (tables.scratch_stride.max(tables.result_stride) as u64).max(model.n_pars() as u64) * bytes;
        let table_bytes = (tables.value.len() as u64 * bytes).max(tables.index.len() as u64 * 4);
        if per_item > limit || table_bytes > limit {
            return Err(GpuError::Device(format!("model needs {per_item} B per item and {table_bytes} B of tables; the binding limit is {limit} B")));
        }
        let max_items = ((limit / per_item) as usize).min(device.limits.max_compute_workgroups_per_dimension as usize).min(16384);

        let d = &device.device;
        let _ = device.take_error();
        let module = d.create_shader_module(wgpu::ShaderModuleDescriptor { label: Some("nll_grad"), source: wgpu::ShaderSource::Wgsl(source.into()) });
        let pipeline = d.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("nll_grad"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        let layout = pipeline.get_bind_group_layout(0);
        let storage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let index_buffer = d.create_buffer(&wgpu::BufferDescriptor { label: Some("model_index"), size: tables.index.len() as u64 * 4, usage: storage, mapped_at_creation: false });
        device.queue.write_buffer(&index_buffer, 0, bytemuck::cast_slice(&tables.index));
        let value_bytes = to_bytes(&tables.value, precision);
        let value_buffer = d.create_buffer(&wgpu::BufferDescriptor { label: Some("model_value"), size: value_bytes.len() as u64, usage: storage, mapped_at_creation: false });
        device.queue.write_buffer(&value_buffer, 0, &value_bytes);
        let _ = device.device.poll(wgpu::PollType::wait_indefinitely());
        if let Some(e) = device.take_error() {
            return Err(GpuError::Shader(e));
        }
        Ok(GpuBatch {
            model,
            candidates,
            device,
            precision,
            tables,
            pipeline,
            layout,
            index_buffer,
            value_buffer,
            data_buffer: None,
            main_constants: Vec::new(),
            aux: Vec::new(),
            max_items,
            work: None,
            partials: Vec::new(),
        })
    }

    /// Items per dispatch (limited by the binding size and the workgroup count).
    pub fn max_items_per_dispatch(&self) -> usize {
        self.max_items
    }

    /// Use smaller dispatches than the limits allow (at least one item).
    pub fn set_max_items_per_dispatch(&mut self, items: usize) {
        self.max_items = items.clamp(1, self.max_items);
        self.work = None;
    }

    fn ensure_work(&mut self, items: usize) {
        if self.work.as_ref().is_some_and(|w| w.capacity >= items) {
            return;
        }
        let capacity = items.next_power_of_two().min(self.max_items).max(items);
        let d = &self.device.device;
        let bytes = self.precision.bytes() as u64;
        let n_pars = self.model.n_pars() as u64;
        let buffer = |label, size: u64, usage| d.create_buffer(&wgpu::BufferDescriptor { label: Some(label), size: size.max(4), usage, mapped_at_creation: false });
        let input = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let pars = buffer("pars", capacity as u64 * n_pars.max(1) * bytes, input);
        let items_buf = buffer("item_dataset", capacity as u64 * 4, input);
        let scratch = buffer("scratch", capacity as u64 * self.tables.scratch_stride.max(1) as u64 * bytes, wgpu::BufferUsages::STORAGE);
        let result_size = capacity as u64 * self.tables.result_stride as u64 * bytes;
        let result = buffer("result", result_size, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC);
        let readback = buffer("readback", result_size, wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST);
        let data = self.data_buffer.as_ref().expect("datasets are set before work buffers");
        let entries = [&self.index_buffer, &self.value_buffer, data, &pars, &items_buf, &scratch, &result]
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect::<Vec<_>>();
        let bind_group = d.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("nll_grad"), layout: &self.layout, entries: &entries });
        // The bind group keeps the scratch buffer alive.
        self.work = Some(Work { capacity, pars, items: items_buf, result, readback, bind_group });
    }

    /// One dispatch of at most `max_items` items; writes the raw per-item results into `self.partials`.
    fn dispatch(&mut self, pars: &[f64], dataset_of: &[u32]) -> Result<(), GpuError> {
        let n = dataset_of.len();
        self.ensure_work(n);
        let work = self.work.as_ref().expect("work buffers");
        let (device, queue) = (&self.device.device, &self.device.queue);
        if !pars.is_empty() {
            queue.write_buffer(&work.pars, 0, &to_bytes(pars, self.precision));
        }
        queue.write_buffer(&work.items, 0, bytemuck::cast_slice(dataset_of));
        let result_bytes = n as u64 * self.tables.result_stride as u64 * self.precision.bytes() as u64;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("nll_grad") });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("nll_grad"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &work.bind_group, &[]);
            pass.dispatch_workgroups(n as u32, 1, 1);
        }
        encoder.copy_buffer_to_buffer(&work.result, 0, &work.readback, 0, Some(result_bytes));
        queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        work.readback.map_async(wgpu::MapMode::Read, 0..result_bytes, move |r| {
            let _ = tx.send(r);
        });
        device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Execution(e.to_string()))?;
        let mapped = rx.recv().map_err(|e| GpuError::Execution(e.to_string()))?;
        if let Some(e) = self.device.take_error() {
            return Err(GpuError::Execution(e));
        }
        mapped.map_err(|e| GpuError::Execution(e.to_string()))?;
        {
            let view = work.readback.get_mapped_range(0..result_bytes).map_err(|e| GpuError::Execution(e.to_string()))?;
            self.partials.clear();
            match self.precision {
                Precision::F64 => self.partials.extend_from_slice(bytemuck::cast_slice::<u8, f64>(&view)),
                Precision::F32 => self.partials.extend(bytemuck::cast_slice::<u8, f32>(&view).iter().map(|&x| x as f64)),
            }
        }
        work.readback.unmap();
        Ok(())
    }
}

impl BatchEvaluator for GpuBatch<'_> {
    fn set_datasets(&mut self, datasets: &[Dataset]) -> Result<(), GpuError> {
        let n_main = self.model.model.n_main();
        let n_aux = self.model.model.n_aux();
        if let Some(d) = datasets.iter().position(|d| d.main().len() != n_main || d.aux().len() != n_aux) {
            return Err(GpuError::Execution(format!("dataset {d} does not match the model's {n_main} main bins and {n_aux} auxiliary data")));
        }
        if !self.candidates.is_empty() && datasets.len() != self.candidates.len() {
            return Err(GpuError::Execution(format!("{} candidate models need one dataset each, got {}", self.candidates.len(), datasets.len())));
        }
        let main: Vec<f64> = datasets.iter().flat_map(|d| d.main().iter().copied()).collect();
        let bytes = to_bytes(&main, self.precision);
        let limit = self.device.buffer_limit();
        if bytes.len() as u64 > limit {
            return Err(GpuError::Device(format!("{} datasets need {} B, over the binding limit of {limit} B", datasets.len(), bytes.len())));
        }
        let buffer = self.device.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("observed"),
            size: (bytes.len() as u64).max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        if !bytes.is_empty() {
            self.device.queue.write_buffer(&buffer, 0, &bytes);
        }
        self.data_buffer = Some(buffer);
        self.work = None;
        self.main_constants = datasets.iter().map(main_constant).collect();
        self.aux = datasets.iter().map(|d| d.aux().to_vec()).collect();
        Ok(())
    }

    fn nll_and_grad(&mut self, pars: &[f64], dataset_of: &[u32], nll: &mut [f64], grad: &mut [f64]) -> Result<(), GpuError> {
        let n_pars = self.model.n_pars();
        check_shapes(n_pars, self.aux.len(), pars, dataset_of, nll, grad)?;
        let stride = self.tables.result_stride as usize;
        let wg = WORKGROUP_SIZE as usize;
        let mut start = 0;
        while start < dataset_of.len() {
            let end = (start + self.max_items).min(dataset_of.len());
            self.dispatch(&pars[start * n_pars..end * n_pars], &dataset_of[start..end])?;
            for i in start..end {
                let r = &self.partials[(i - start) * stride..(i - start + 1) * stride];
                let d = dataset_of[i] as usize;
                let g = &mut grad[i * n_pars..(i + 1) * n_pars];
                g.copy_from_slice(&r[wg..wg + n_pars]);
                let flags = r[wg + n_pars] as u32;
                let main: f64 = r[..wg].iter().sum::<f64>() + self.main_constants[d];
                let flat = if self.candidates.is_empty() { &self.model.flat } else { &self.candidates[d].flat };
                let constraints = constraint_nll(flat, &pars[i * n_pars..(i + 1) * n_pars], &self.aux[d], g);
                nll[i] = if flags & 2 != 0 {
                    f64::NAN
                } else if flags & 1 != 0 {
                    f64::INFINITY
                } else {
                    main + constraints
                };
                if flags != 0 {
                    g.iter_mut().for_each(|x| *x = f64::NAN);
                }
            }
            start = end;
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        match self.precision {
            Precision::F32 => "gpu-f32",
            Precision::F64 => "gpu-f64",
        }
    }

    fn precision(&self) -> Precision {
        self.precision
    }
}
