//! The compiled model laid out as flat index and value tables for a compute shader.
//!
//! The engine's `Model` keeps its compiled samples private, so this module lays the workspace out
//! again from the engine's public `ModelConfig` (same sample order, same parameter offsets, same
//! interpolation constants from `Interpolation::new`), and `FlatModel::new` checks the result
//! against the engine's `expected_data` before anything uses it.
//!
//! Only the main-bin Poisson part of −logpdf goes to the GPU; the constraint terms (O(parameters)
//! per fit) stay on the CPU in f64, see `constraints.rs`.

use histune_engine::interpolation::{InterpCode, Interpolation};
use histune_engine::paramset::Constraint;
use histune_engine::spec::ModifierData;
use histune_engine::{EngineError, Model, ModelConfig, ModelOptions, Workspace};

/// How a sample-wide factor depends on its parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalarKind {
    /// The parameter value itself (normfactor, lumi).
    Parameter,
    /// A normsys factor κ(α); `Interpolation` holds the code1/code4 constants.
    NormSys(Interpolation),
}

/// One gradient contribution to a parameter, in the order the shader sums them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradTerm {
    /// Sample-wide factor number `entry` (index into the scalar table).
    Scalar { entry: u32 },
    /// Per-bin factor number `entry` (index into the bin-factor table).
    BinFactor { entry: u32 },
    /// Histosys entry number `entry` (index into the histosys table).
    HistoSys { entry: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalConstraint {
    pub par: usize,
    pub aux: usize,
    pub inv_var: f64,
    pub ln_norm: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonConstraint {
    pub par: usize,
    pub aux: usize,
    pub factor: f64,
}

/// The model in tables. "sb" is a (sample, bin) pair; sample-bins of one sample are contiguous.
#[derive(Debug, Clone)]
pub struct FlatModel {
    pub n_pars: usize,
    pub n_main: usize,
    pub n_aux: usize,
    pub normsys_code: InterpCode,
    pub histosys_code: InterpCode,
    /// Per sample: first sample-bin and number of bins.
    pub sample_sb_start: Vec<u32>,
    pub sample_n_bins: Vec<u32>,
    /// Per sample: range into the scalar table (CSR).
    pub sample_scalar_start: Vec<u32>,
    pub scalar_par: Vec<u32>,
    pub scalar_kind: Vec<ScalarKind>,
    /// Per sample-bin: main bin, owning sample, nominal yield.
    pub sb_bin: Vec<u32>,
    pub sb_sample: Vec<u32>,
    pub nominal: Vec<f64>,
    /// Per sample-bin: range into the bin-factor table (CSR) and that table's parameters.
    pub sb_binfactor_start: Vec<u32>,
    pub binfactor_par: Vec<u32>,
    /// Per sample-bin: range into the histosys table (CSR), its parameters and interpolations.
    pub sb_histosys_start: Vec<u32>,
    pub histosys_par: Vec<u32>,
    pub histosys_interp: Vec<Interpolation>,
    /// Per main bin: its sample-bins (CSR), in sample order.
    pub bin_sb_start: Vec<u32>,
    pub bin_sb: Vec<u32>,
    /// Per parameter: its gradient terms (CSR).
    pub par_term_start: Vec<u32>,
    pub par_terms: Vec<GradTerm>,
    pub normal: Vec<NormalConstraint>,
    pub poisson: Vec<PoissonConstraint>,
}

impl FlatModel {
    pub fn n_samples(&self) -> usize {
        self.sample_n_bins.len()
    }
    pub fn n_sample_bins(&self) -> usize {
        self.nominal.len()
    }

    /// Lay out `ws` as the engine compiled it into `model`, and check the two agree.
    pub fn new(ws: &Workspace, model: &Model) -> Result<FlatModel, EngineError> {
        let options: &ModelOptions = model.options();
        let config: &ModelConfig = model.config();
        let mut flat = FlatModel {
            n_pars: model.n_pars(),
            n_main: model.n_main(),
            n_aux: model.n_aux(),
            normsys_code: options.normsys_code,
            histosys_code: options.histosys_code,
            sample_sb_start: Vec::new(),
            sample_n_bins: Vec::new(),
            sample_scalar_start: vec![0],
            scalar_par: Vec::new(),
            scalar_kind: Vec::new(),
            sb_bin: Vec::new(),
            sb_sample: Vec::new(),
            nominal: Vec::new(),
            sb_binfactor_start: vec![0],
            binfactor_par: Vec::new(),
            sb_histosys_start: vec![0],
            histosys_par: Vec::new(),
            histosys_interp: Vec::new(),
            bin_sb_start: Vec::new(),
            bin_sb: Vec::new(),
            par_term_start: Vec::new(),
            par_terms: Vec::new(),
            normal: Vec::new(),
            poisson: Vec::new(),
        };
        for (s, layout) in config.samples.iter().enumerate() {
            let channel = &config.channels[layout.channel];
            let spec = &ws.channels[layout.spec_channel].samples[layout.spec_sample];
            let n_bins = spec.data.len();
            let sb0 = flat.nominal.len();
            flat.sample_sb_start.push(sb0 as u32);
            flat.sample_n_bins.push(n_bins as u32);
            // Per sample-bin tables are filled bin by bin below; collect this sample's modifiers first.
            let mut per_bin: Vec<Vec<usize>> = Vec::new();
            let mut histosys: Vec<(usize, Vec<Interpolation>)> = Vec::new();
            let mut scalar: Vec<(histune_engine::ModifierType, usize, ScalarKind)> = Vec::new();
            for sm in &layout.modifiers {
                let m = &spec.modifiers[sm.modifier_index];
                let set = &config.parameters[sm.parameter_set];
                match &m.data {
                    ModifierData::NormFactor | ModifierData::Lumi => scalar.push((m.modifier_type(), set.offset, ScalarKind::Parameter)),
                    ModifierData::NormSys { lo, hi } => {
                        let interp = Interpolation::new(options.normsys_code, *lo, 1.0, *hi);
                        scalar.push((m.modifier_type(), set.offset, ScalarKind::NormSys(interp)));
                    }
                    ModifierData::HistoSys { lo_data, hi_data } => {
                        let interps = (0..n_bins).map(|b| Interpolation::new(options.histosys_code, lo_data[b], spec.data[b], hi_data[b])).collect();
                        histosys.push((set.offset, interps));
                    }
                    ModifierData::ShapeFactor | ModifierData::ShapeSys { .. } => per_bin.push((0..n_bins).map(|b| set.offset + b).collect()),
                    ModifierData::StatError { .. } => {
                        let bins = &config.staterror_bins[&set.name];
                        let pars = (0..n_bins)
                            .map(|b| {
                                let k = bins.binary_search(&(channel.offset + b)).map_err(|_| {
                                    EngineError::bad_request(format!("staterror '{}' does not cover bin {} of channel {}", set.name, b, channel.name))
                                })?;
                                Ok(set.offset + k)
                            })
                            .collect::<Result<Vec<_>, EngineError>>()?;
                        per_bin.push(pars);
                    }
                }
            }
            scalar.sort_by_key(|(t, _, _)| *t);
            for (_, par, kind) in scalar {
                flat.scalar_par.push(par as u32);
                flat.scalar_kind.push(kind);
            }
            flat.sample_scalar_start.push(flat.scalar_par.len() as u32);
            for b in 0..n_bins {
                flat.sb_bin.push((channel.offset + b) as u32);
                flat.sb_sample.push(s as u32);
                flat.nominal.push(spec.data[b]);
                for pars in &per_bin {
                    flat.binfactor_par.push(pars[b] as u32);
                }
                flat.sb_binfactor_start.push(flat.binfactor_par.len() as u32);
                for (par, interps) in &histosys {
                    flat.histosys_par.push(*par as u32);
                    flat.histosys_interp.push(interps[b]);
                }
                flat.sb_histosys_start.push(flat.histosys_par.len() as u32);
            }
        }

        let n_sb = flat.nominal.len();
        let mut by_bin: Vec<Vec<u32>> = vec![Vec::new(); flat.n_main];
        for sb in 0..n_sb {
            by_bin[flat.sb_bin[sb] as usize].push(sb as u32);
        }
        for list in by_bin {
            flat.bin_sb_start.push(flat.bin_sb.len() as u32);
            flat.bin_sb.extend(list);
        }
        flat.bin_sb_start.push(flat.bin_sb.len() as u32);

        let mut by_par: Vec<Vec<GradTerm>> = vec![Vec::new(); flat.n_pars];
        for (e, &par) in flat.scalar_par.iter().enumerate() {
            by_par[par as usize].push(GradTerm::Scalar { entry: e as u32 });
        }
        for (e, &par) in flat.binfactor_par.iter().enumerate() {
            by_par[par as usize].push(GradTerm::BinFactor { entry: e as u32 });
        }
        for (e, &par) in flat.histosys_par.iter().enumerate() {
            by_par[par as usize].push(GradTerm::HistoSys { entry: e as u32 });
        }
        for list in by_par {
            flat.par_term_start.push(flat.par_terms.len() as u32);
            flat.par_terms.extend(list);
        }
        flat.par_term_start.push(flat.par_terms.len() as u32);

        let mut aux = 0;
        for set in &config.parameters {
            match &set.constraint {
                Constraint::None => {}
                Constraint::Normal { sigmas, .. } => {
                    for (i, &sigma) in sigmas.iter().enumerate() {
                        let ln_norm = (sigma * (2.0 * std::f64::consts::PI).sqrt()).ln();
                        flat.normal.push(NormalConstraint { par: set.offset + i, aux, inv_var: 1.0 / (sigma * sigma), ln_norm });
                        aux += 1;
                    }
                }
                Constraint::Poisson { factors, .. } => {
                    for (i, &factor) in factors.iter().enumerate() {
                        flat.poisson.push(PoissonConstraint { par: set.offset + i, aux, factor });
                        aux += 1;
                    }
                }
            }
        }
        if aux != flat.n_aux {
            return Err(EngineError::bad_request(format!("GPU layout has {aux} auxiliary data, the engine {}", flat.n_aux)));
        }
        flat.check_against(model)?;
        Ok(flat)
    }

    /// Expected main rates ν_b in f64, the way the shader computes them.
    pub fn rates(&self, pars: &[f64]) -> Vec<f64> {
        let mut nu = vec![0.0; self.n_main];
        for s in 0..self.n_samples() {
            let p = self.scalar_product(s, pars);
            let sb0 = self.sample_sb_start[s] as usize;
            for sb in sb0..sb0 + self.sample_n_bins[s] as usize {
                nu[self.sb_bin[sb] as usize] += p * self.bin_product(sb, pars) * self.base(sb, pars);
            }
        }
        nu
    }

    fn scalar_product(&self, s: usize, pars: &[f64]) -> f64 {
        let range = self.sample_scalar_start[s] as usize..self.sample_scalar_start[s + 1] as usize;
        range
            .map(|e| {
                let x = pars[self.scalar_par[e] as usize];
                match self.scalar_kind[e] {
                    ScalarKind::Parameter => x,
                    ScalarKind::NormSys(interp) => interp.eval(x).0,
                }
            })
            .product()
    }

    fn bin_product(&self, sb: usize, pars: &[f64]) -> f64 {
        (self.sb_binfactor_start[sb] as usize..self.sb_binfactor_start[sb + 1] as usize).map(|e| pars[self.binfactor_par[e] as usize]).product()
    }

    fn base(&self, sb: usize, pars: &[f64]) -> f64 {
        let range = self.sb_histosys_start[sb] as usize..self.sb_histosys_start[sb + 1] as usize;
        self.nominal[sb] + range.map(|e| self.histosys_interp[e].eval(pars[self.histosys_par[e] as usize]).0).sum::<f64>()
    }

    /// The layout must reproduce the engine's expected data at the suggested init and at a
    /// perturbed point (so that every modifier moves); otherwise the engine changed under us.
    fn check_against(&self, model: &Model) -> Result<(), EngineError> {
        let init = model.suggested_init();
        let bounds = model.suggested_bounds();
        let moved: Vec<f64> = init
            .iter()
            .zip(&bounds)
            .enumerate()
            .map(|(i, (&x, &(lo, hi)))| {
                let t = 0.2 + 0.05 * (i % 7) as f64;
                let target = if hi.is_finite() && lo.is_finite() { lo + t * (hi - lo) } else { x + t };
                if target.is_finite() {
                    0.5 * (x + target)
                } else {
                    x
                }
            })
            .collect();
        for pars in [&init, &moved] {
            let engine = model.expected_data(pars)?;
            let ours = self.rates(pars);
            for (b, (a, e)) in ours.iter().zip(&engine).enumerate() {
                if (a - e).abs() > 1e-12 * e.abs().max(1e-300) && !(a.is_nan() && e.is_nan()) {
                    return Err(EngineError::bad_request(format!(
                        "GPU model layout disagrees with the engine in bin {b}: {a} vs {e} (engine layout changed?)"
                    )));
                }
            }
        }
        Ok(())
    }
}
