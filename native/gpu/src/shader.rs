//! WGSL source for one model: a generated header (table offsets, sizes, interpolation codes, the
//! `real` type) + a precision prelude (+ f64math.wgsl) + the kernel; and naga validation of it.

use std::fmt::Write;

use histune_engine::interpolation::{InterpCode, Interpolation};
use serde::Serialize;

use crate::flat::{FlatModel, GradTerm, ScalarKind};

pub const KERNEL: &str = include_str!("shaders/nll_grad.wgsl");
pub const PRELUDE_F32: &str = include_str!("shaders/prelude_f32.wgsl");
pub const PRELUDE_F64: &str = include_str!("shaders/prelude_f64.wgsl");
pub const F64_MATH: &str = include_str!("shaders/f64math.wgsl");

/// Invocations per workgroup (one workgroup per batch item).
pub const WORKGROUP_SIZE: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

/// The model's tables as uploaded, and the per-item sizes of the work buffers (in elements).
#[derive(Debug, Clone)]
pub struct Tables {
    pub index: Vec<u32>,
    pub value: Vec<f64>,
    /// `(name, offset)` of each table section, emitted as WGSL constants.
    offsets: Vec<(&'static str, u32)>,
    pub scratch_stride: u32,
    pub result_stride: u32,
}

fn section_u32(index: &mut Vec<u32>, offsets: &mut Vec<(&'static str, u32)>, name: &'static str, data: impl IntoIterator<Item = u32>) {
    offsets.push((name, index.len() as u32));
    index.extend(data);
}

impl Tables {
    pub fn new(flat: &FlatModel) -> Tables {
        let n_sb = flat.n_sample_bins() as u32;
        let (mut index, mut offsets) = (Vec::new(), Vec::new());
        let csr_end = |v: &[u32], end: u32| v.iter().copied().chain(std::iter::once(end)).collect::<Vec<_>>();
        section_u32(&mut index, &mut offsets, "OFF_SAMPLE_SB_START", csr_end(&flat.sample_sb_start, n_sb));
        section_u32(&mut index, &mut offsets, "OFF_SAMPLE_SCALAR_START", flat.sample_scalar_start.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_SCALAR_PAR", flat.scalar_par.iter().copied());
        section_u32(
            &mut index,
            &mut offsets,
            "OFF_SCALAR_KIND",
            flat.scalar_kind.iter().map(|k| match k {
                ScalarKind::Parameter => 0,
                ScalarKind::NormSys(_) => 1,
            }),
        );
        let mut scalar_sample = vec![0u32; flat.scalar_par.len()];
        for s in 0..flat.n_samples() {
            for e in flat.sample_scalar_start[s]..flat.sample_scalar_start[s + 1] {
                scalar_sample[e as usize] = s as u32;
            }
        }
        section_u32(&mut index, &mut offsets, "OFF_SCALAR_SAMPLE", scalar_sample);
        section_u32(&mut index, &mut offsets, "OFF_SB_BIN", flat.sb_bin.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_SB_SAMPLE", flat.sb_sample.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_SB_BINFACTOR_START", flat.sb_binfactor_start.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_BINFACTOR_PAR", flat.binfactor_par.iter().copied());
        let owner = |starts: &[u32], n: usize| {
            let mut v = vec![0u32; n];
            for sb in 0..starts.len() - 1 {
                for e in starts[sb]..starts[sb + 1] {
                    v[e as usize] = sb as u32;
                }
            }
            v
        };
        section_u32(&mut index, &mut offsets, "OFF_BINFACTOR_SB", owner(&flat.sb_binfactor_start, flat.binfactor_par.len()));
        section_u32(&mut index, &mut offsets, "OFF_SB_HISTOSYS_START", flat.sb_histosys_start.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_HISTOSYS_PAR", flat.histosys_par.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_HISTOSYS_SB", owner(&flat.sb_histosys_start, flat.histosys_par.len()));
        section_u32(&mut index, &mut offsets, "OFF_BIN_SB_START", flat.bin_sb_start.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_BIN_SB", flat.bin_sb.iter().copied());
        section_u32(&mut index, &mut offsets, "OFF_PAR_TERM_START", flat.par_term_start.iter().copied());
        section_u32(
            &mut index,
            &mut offsets,
            "OFF_PAR_TERMS",
            flat.par_terms.iter().flat_map(|t| match *t {
                GradTerm::Scalar { entry } => [0, entry],
                GradTerm::BinFactor { entry } => [1, entry],
                GradTerm::HistoSys { entry } => [2, entry],
            }),
        );
        // A binding may not be empty.
        index.push(0);

        let mut value = Vec::new();
        offsets.push(("OFF_NOMINAL", value.len() as u32));
        value.extend_from_slice(&flat.nominal);
        offsets.push(("OFF_SCALAR_VALUES", value.len() as u32));
        for kind in &flat.scalar_kind {
            let mut c = [0.0; 10];
            match kind {
                ScalarKind::Parameter => {}
                ScalarKind::NormSys(Interpolation::Code1 { up, down, ln_up, ln_down }) => c[..4].copy_from_slice(&[*up, *down, *ln_up, *ln_down]),
                ScalarKind::NormSys(Interpolation::Code4 { up, down, ln_up, ln_down, c: poly }) => {
                    c[..4].copy_from_slice(&[*up, *down, *ln_up, *ln_down]);
                    c[4..].copy_from_slice(poly);
                }
                ScalarKind::NormSys(other) => unreachable!("normsys compiled with an additive code: {other:?}"),
            }
            value.extend_from_slice(&c);
        }
        offsets.push(("OFF_HISTOSYS_VALUES", value.len() as u32));
        for interp in &flat.histosys_interp {
            let c = match *interp {
                Interpolation::Code0 { up, down } => [up, down, 0.0, 0.0],
                Interpolation::Code2 { a, b } => [a, b, 0.0, 0.0],
                Interpolation::Code4p { up, down, s, a } => [up, down, s, a],
                other => unreachable!("histosys compiled with a multiplicative code: {other:?}"),
            };
            value.extend_from_slice(&c);
        }
        value.push(0.0);

        let n_scalar = flat.scalar_par.len() as u32;
        let n_samples = flat.n_samples() as u32;
        let mut scratch = 0u32;
        for (name, len) in [
            ("SCR_FACTOR", n_scalar),
            ("SCR_FACTOR_SLOPE", n_scalar),
            ("SCR_SAMPLE_PRODUCT", n_samples),
            ("SCR_SAMPLE_SUM", n_samples),
            ("SCR_BASE", n_sb),
            ("SCR_BIN_PRODUCT", n_sb),
            ("SCR_WEIGHT", flat.n_main as u32),
        ] {
            offsets.push((name, scratch));
            scratch += len;
        }
        Tables { index, value, offsets, scratch_stride: scratch, result_stride: WORKGROUP_SIZE + flat.n_pars as u32 + 1 }
    }
}

fn interp_code(code: InterpCode) -> u32 {
    match code {
        InterpCode::Code0 => 0,
        InterpCode::Code1 => 1,
        InterpCode::Code2 => 2,
        InterpCode::Code4 => 4,
        // code4p; the kernel treats every additive code other than 0 and 2 as 4p.
        InterpCode::Code4p => 5,
    }
}

/// The complete shader for `flat` at `precision`.
pub fn source(flat: &FlatModel, tables: &Tables, precision: Precision) -> String {
    source_with_value_stride(flat, tables, precision, 0)
}

/// The shader for models of `flat`'s structure whose value tables lie back to back,
/// `value_stride` elements apart, one per dataset index (candidate binnings, `candidates.rs`);
/// stride 0 is `source`: one value table for every item.
pub fn source_with_value_stride(flat: &FlatModel, tables: &Tables, precision: Precision, value_stride: u32) -> String {
    let mut s = String::new();
    match precision {
        Precision::F32 => s.push_str(PRELUDE_F32),
        Precision::F64 => {
            s.push_str(PRELUDE_F64);
            s.push_str(F64_MATH);
        }
    }
    s.push_str("\n// Generated for this model.\n");
    let consts = [
        ("WORKGROUP_SIZE", WORKGROUP_SIZE),
        ("N_PARS", flat.n_pars as u32),
        ("N_MAIN", flat.n_main as u32),
        ("N_SAMPLES", flat.n_samples() as u32),
        ("N_SAMPLE_BINS", flat.n_sample_bins() as u32),
        ("NORMSYS_CODE", interp_code(flat.normsys_code)),
        ("HISTOSYS_CODE", interp_code(flat.histosys_code)),
        ("SCRATCH_STRIDE", tables.scratch_stride),
        ("RESULT_STRIDE", tables.result_stride),
        ("VALUE_STRIDE", value_stride),
    ];
    for (name, v) in consts.iter().chain(tables.offsets.iter()) {
        writeln!(s, "const {name}: u32 = {v}u;").expect("write to String");
    }
    s.push('\n');
    s.push_str(KERNEL);
    s
}

/// Parse and validate WGSL with naga; `float64` grants the `FLOAT64` capability.
pub fn validate(source: &str, float64: bool) -> Result<(), String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    let caps = if float64 { naga::valid::Capabilities::FLOAT64 } else { naga::valid::Capabilities::empty() };
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps).validate(&module).map_err(|e| e.emit_to_string(source))?;
    Ok(())
}
