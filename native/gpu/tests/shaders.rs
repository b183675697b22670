//! WGSL validation with naga (no GPU needed) and the accuracy of f64math.wgsl on the device.

mod common;

use histune_gpu::shader::{self, Precision, Tables, F64_MATH};

#[test]
fn generated_shaders_validate_for_every_model() {
    for (name, m) in common::fixture_models().into_iter().chain(common::generated_models()) {
        let tables = Tables::new(&m.flat);
        let f32_src = shader::source(&m.flat, &tables, Precision::F32);
        shader::validate(&f32_src, false).unwrap_or_else(|e| panic!("{name} f32:\n{e}"));
        let f64_src = shader::source(&m.flat, &tables, Precision::F64);
        shader::validate(&f64_src, true).unwrap_or_else(|e| panic!("{name} f64:\n{e}"));
    }
}

#[test]
fn f64_shader_fails_validation_without_the_float64_capability() {
    let (_, m) = common::generated_models().into_iter().next().unwrap();
    let tables = Tables::new(&m.flat);
    let f64_src = shader::source(&m.flat, &tables, Precision::F64);
    let err = shader::validate(&f64_src, false).expect_err("f64 must need Capabilities::FLOAT64");
    assert!(err.contains("FLOAT64"), "the failure must be the missing capability, not another error: {err}");
    // f64math alone needs it too.
    assert!(shader::validate(F64_MATH, false).is_err());
    assert!(shader::validate(F64_MATH, true).is_ok());
}

const HARNESS: &str = r#"
@group(0) @binding(0) var<storage, read> x: array<f64>;
@group(0) @binding(1) var<storage, read_write> y: array<f64>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i < arrayLength(&x)) {
        y[2u * i] = exp_f64(x[i]);
        y[2u * i + 1u] = ln_f64(abs(x[i]) + 1e-300);
    }
}
"#;

/// exp_f64 and ln_f64 on the device against Rust's libm, over the ranges the likelihood uses.
#[test]
fn f64_exp_and_ln_are_accurate_to_a_few_ulp() {
    let Some(device) = common::device() else { return };
    if !device.has_f64() {
        eprintln!("SKIPPED: {} has no SHADER_F64", device.adapter.name);
        return;
    }
    let mut xs: Vec<f64> = (0..4000).map(|i| -700.0 + 1400.0 * i as f64 / 3999.0).collect();
    xs.extend((0..2000).map(|i| -3.0 + 6.0 * i as f64 / 1999.0));
    xs.extend((0..200).map(|i| 10f64.powf(-300.0 + 3.0 * i as f64)));
    xs.extend([1.0, 2.0, 0.5, std::f64::consts::SQRT_2, 1e-12, 1.0 + 1e-15]);
    let src = format!("{F64_MATH}\n{HARNESS}");
    shader::validate(&src, true).unwrap();
    let (d, q) = device.wgpu();
    let module = d.create_shader_module(wgpu::ShaderModuleDescriptor { label: None, source: wgpu::ShaderSource::Wgsl(src.into()) });
    let pipeline = d.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: None,
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let bytes = (xs.len() * 8) as u64;
    let input = d.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
    q.write_buffer(&input, 0, bytemuck::cast_slice(&xs));
    let output = d.create_buffer(&wgpu::BufferDescriptor { label: None, size: 2 * bytes, usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC, mapped_at_creation: false });
    let readback = d.create_buffer(&wgpu::BufferDescriptor { label: None, size: 2 * bytes, usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
    let bind = d.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry { binding: 0, resource: input.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 1, resource: output.as_entire_binding() },
        ],
    });
    let mut enc = d.create_command_encoder(&Default::default());
    {
        let mut pass = enc.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(xs.len().div_ceil(64) as u32, 1, 1);
    }
    enc.copy_buffer_to_buffer(&output, 0, &readback, 0, Some(2 * bytes));
    q.submit([enc.finish()]);
    readback.map_async(wgpu::MapMode::Read, .., |r| r.unwrap());
    d.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let y: Vec<f64> = bytemuck::cast_slice(&readback.get_mapped_range(..).unwrap()).to_vec();
    assert!(device.take_error().is_none());
    let ulp = |a: f64, b: f64| (a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
    let (mut worst_exp, mut worst_ln): (f64, f64) = (0.0, 0.0);
    for (i, &x) in xs.iter().enumerate() {
        let e = ulp(y[2 * i], x.exp());
        let l_ref = (x.abs() + 1e-300).ln();
        // ln near 1 is judged against its absolute size: its relative error is unbounded at 0.
        let l = (y[2 * i + 1] - l_ref).abs() / (f64::EPSILON * l_ref.abs().max(1.0));
        let e = if x.abs() <= 700.0 { e } else { 0.0 };
        assert!(e <= 4.0, "exp_f64({x}) = {} vs {} ({e:.1} ulp)", y[2 * i], x.exp());
        assert!(l <= 4.0, "ln_f64({x}) = {} vs {l_ref} ({l:.1} ulp)", y[2 * i + 1]);
        worst_exp = worst_exp.max(e);
        worst_ln = worst_ln.max(l);
    }
    eprintln!("f64math on {}: exp {worst_exp:.2} ulp, ln {worst_ln:.2} ulp (of max(|ln x|, 1))", device.adapter.name);
}
