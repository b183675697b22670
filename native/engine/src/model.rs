//! The compiled HistFactory model: flat arrays built once from a workspace, then an allocation-free
//! evaluation of pyhf's −logpdf (all constants included) and its analytic gradient.
//!
//! Expected rate of sample s in bin b (pyhf's `expected_data`):
//!   ν_sb = P_s · Q_sb · (ν⁰_sb + Σ_h Δ_hsb(α_h))
//! with P_s the product of the sample-wide factors (lumi, normfactor, normsys) and Q_sb that of
//! the per-bin factors (shapefactor, shapesys, staterror).

use crate::config::ModelConfig;
use crate::error::{EngineError, Result};
use crate::hessian::{HessianLayout, HessianScratch};
use crate::interpolation::{additive_weights, InterpCode, Interpolation};
use crate::modifiers;
use crate::paramset::Constraint;
use crate::spec::{parse_workspace, ModifierData, ModifierType, Workspace};
use crate::special::ln_gamma;

/// Compile-time choices. Defaults are pyhf 0.7.6's: normsys code4, histosys code4p, first measurement.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    pub measurement: Option<String>,
    pub normsys_code: InterpCode,
    pub histosys_code: InterpCode,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            measurement: None,
            normsys_code: InterpCode::Code4,
            histosys_code: InterpCode::Code4p,
        }
    }
}

/// A sample-wide factor: the parameter value itself (normfactor, lumi) or an interpolated normsys.
#[derive(Debug, Clone)]
pub(crate) enum ScalarFactor {
    Parameter(usize),
    NormSys { par: usize, interp: Interpolation },
}

/// A per-bin factor: bin b is scaled by parameter `pars[b]` (shapefactor, shapesys, staterror).
#[derive(Debug, Clone)]
pub(crate) struct BinFactor {
    pub(crate) pars: Vec<usize>,
}

/// An additive histosys change: bin b gains Δ_b(α) = w_up(α)·up[b] + w_down(α)·down[b]
/// (see `interpolation::additive_weights`), with up = hi − nom and down = nom − lo.
#[derive(Debug, Clone)]
pub(crate) struct HistoSysTerm {
    pub(crate) par: usize,
    pub(crate) code: InterpCode,
    pub(crate) up: Vec<f64>,
    pub(crate) down: Vec<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledSample {
    pub(crate) offset: usize,
    pub(crate) nominal: Vec<f64>,
    pub(crate) scalar: Vec<ScalarFactor>,
    pub(crate) per_bin: Vec<BinFactor>,
    pub(crate) histosys: Vec<HistoSysTerm>,
    /// Where this sample's entries start in the evaluator's flat buffers.
    pub(crate) scalar_start: usize,
    pub(crate) bin_start: usize,
    pub(crate) delta_start: usize,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct NormalTerm {
    pub(crate) par: usize,
    pub(crate) aux: usize,
    pub(crate) sigma: f64,
    /// ln(σ·√(2π)), the normalisation pyhf keeps.
    pub(crate) ln_norm: f64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct PoissonTerm {
    pub(crate) par: usize,
    pub(crate) aux: usize,
    pub(crate) factor: f64,
}

/// Expected yields of one sample in one channel (`channel` indexes `ModelConfig::channels`).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleYields {
    pub channel: usize,
    pub sample: String,
    pub yields: Vec<f64>,
}

/// Observed data in pyhf's layout (main bins in sorted channel order, then auxiliary data), with
/// the data-only constants of the likelihood precomputed.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) main: Vec<f64>,
    pub(crate) aux: Vec<f64>,
    /// Σ_b c(n_b), see `poisson_constant`.
    pub(crate) main_constant: f64,
    /// c(a) per Poisson constraint.
    pub(crate) poisson_constant: Vec<f64>,
}

impl Dataset {
    pub fn main(&self) -> &[f64] {
        &self.main
    }
    pub fn aux(&self) -> &[f64] {
        &self.aux
    }
    /// Main followed by auxiliary data, as pyhf's `workspace.data(model)`.
    pub fn full(&self) -> Vec<f64> {
        let mut v = self.main.clone();
        v.extend_from_slice(&self.aux);
        v
    }
}

/// A compiled model. Immutable and `Sync`: share it between threads, one `Evaluator` each.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) config: ModelConfig,
    pub(crate) samples: Vec<CompiledSample>,
    pub(crate) normal: Vec<NormalTerm>,
    pub(crate) poisson: Vec<PoissonTerm>,
    pub(crate) n_aux: usize,
    pub(crate) n_scalar: usize,
    pub(crate) n_sample_bins: usize,
    pub(crate) n_delta: usize,
    pub(crate) max_bin_factors: usize,
    /// Parameters whose interpolation has a kink at α = 0 (normsys code1, histosys code0).
    pub(crate) kinks: Vec<usize>,
    pub(crate) observed: Dataset,
    pub(crate) options: ModelOptions,
    pub(crate) hessian_layout: HessianLayout,
}

impl Model {
    /// Parse, validate and compile workspace text.
    pub fn from_text(text: &str, options: ModelOptions) -> Result<Model> {
        let ws = parse_workspace(text)?;
        Model::compile(&ws, options)
    }

    pub fn compile(ws: &Workspace, options: ModelOptions) -> Result<Model> {
        if !options.normsys_code.is_multiplicative() {
            return Err(EngineError::bad_request(format!(
                "normsys interpolation must be multiplicative (code1 or code4), not {}",
                options.normsys_code.as_str()
            )));
        }
        if options.histosys_code.is_multiplicative() {
            return Err(EngineError::bad_request(format!(
                "histosys interpolation must be additive (code0, code2 or code4p), not {}",
                options.histosys_code.as_str()
            )));
        }
        let config = ModelConfig::new(ws, options.measurement.as_deref())?;
        let mut samples = Vec::with_capacity(config.samples.len());
        let (mut n_scalar, mut n_sample_bins, mut n_delta, mut max_bin_factors) = (0, 0, 0, 0);
        for layout in &config.samples {
            let channel = &config.channels[layout.channel];
            let spec = &ws.channels[layout.spec_channel].samples[layout.spec_sample];
            let path = |mi: usize| {
                format!(
                    "channels[{}].samples[{}].modifiers[{}]",
                    layout.spec_channel, layout.spec_sample, mi
                )
            };
            let mut sample = CompiledSample {
                offset: channel.offset,
                nominal: spec.data.clone(),
                scalar: Vec::new(),
                per_bin: Vec::new(),
                histosys: Vec::new(),
                scalar_start: n_scalar,
                bin_start: n_sample_bins,
                delta_start: n_delta,
            };
            // Sample-wide factors in pyhf's product order: lumi, normfactor, normsys.
            let mut scalar: Vec<(ModifierType, ScalarFactor)> = Vec::new();
            for sm in &layout.modifiers {
                let m = &spec.modifiers[sm.modifier_index];
                let set = &config.parameters[sm.parameter_set];
                match &m.data {
                    ModifierData::NormFactor => scalar.push((ModifierType::NormFactor, modifiers::normfactor::factor(set.offset))),
                    ModifierData::Lumi => scalar.push((ModifierType::Lumi, modifiers::lumi::factor(set.offset))),
                    ModifierData::NormSys { lo, hi } => {
                        let factor = modifiers::normsys::factor(set.offset, *lo, *hi, options.normsys_code).map_err(|message| {
                            EngineError::workspace(
                                format!("{}.data", path(sm.modifier_index)),
                                format!("normsys '{}': {message}", m.name),
                            )
                        })?;
                        scalar.push((ModifierType::NormSys, factor));
                    }
                    ModifierData::HistoSys { lo_data, hi_data } => {
                        sample.histosys.push(modifiers::histosys::term(
                            set.offset,
                            &spec.data,
                            lo_data,
                            hi_data,
                            options.histosys_code,
                        ));
                    }
                    ModifierData::ShapeFactor => sample.per_bin.push(modifiers::shapefactor::factor(set.offset, channel.n_bins)),
                    ModifierData::ShapeSys { .. } => sample.per_bin.push(modifiers::shapesys::factor(set.offset, channel.n_bins)),
                    ModifierData::StatError { .. } => {
                        let covered = &config.staterror_bins[&set.name];
                        sample
                            .per_bin
                            .push(modifiers::staterror::factor(set.offset, covered, channel.offset, channel.n_bins));
                    }
                }
            }
            scalar.sort_by_key(|(t, _)| *t);
            sample.scalar = scalar.into_iter().map(|(_, f)| f).collect();
            n_scalar += sample.scalar.len();
            n_sample_bins += sample.nominal.len();
            n_delta += sample.histosys.len() * sample.nominal.len();
            max_bin_factors = max_bin_factors.max(sample.per_bin.len());
            samples.push(sample);
        }

        let mut kinks: Vec<usize> = Vec::new();
        for sample in &samples {
            if options.normsys_code == InterpCode::Code1 {
                kinks.extend(sample.scalar.iter().filter_map(|f| match f {
                    ScalarFactor::NormSys { par, .. } => Some(*par),
                    ScalarFactor::Parameter(_) => None,
                }));
            }
            if options.histosys_code == InterpCode::Code0 {
                kinks.extend(sample.histosys.iter().map(|h| h.par));
            }
        }
        kinks.sort_unstable();
        kinks.dedup();

        let (mut normal, mut poisson, mut aux) = (Vec::new(), Vec::new(), 0);
        for set in &config.parameters {
            match &set.constraint {
                Constraint::None => {}
                Constraint::Normal { sigmas, .. } => {
                    for (i, &sigma) in sigmas.iter().enumerate() {
                        let ln_norm = (sigma * (2.0 * std::f64::consts::PI).sqrt()).ln();
                        normal.push(NormalTerm {
                            par: set.offset + i,
                            aux,
                            sigma,
                            ln_norm,
                        });
                        aux += 1;
                    }
                }
                Constraint::Poisson { factors, .. } => {
                    for (i, &factor) in factors.iter().enumerate() {
                        poisson.push(PoissonTerm {
                            par: set.offset + i,
                            aux,
                            factor,
                        });
                        aux += 1;
                    }
                }
            }
        }
        let mut model = Model {
            config,
            samples,
            normal,
            poisson,
            n_aux: aux,
            n_scalar,
            n_sample_bins,
            n_delta,
            max_bin_factors,
            kinks,
            observed: Dataset {
                main: Vec::new(),
                aux: Vec::new(),
                main_constant: 0.0,
                poisson_constant: Vec::new(),
            },
            options,
            hessian_layout: HessianLayout::default(),
        };
        model.hessian_layout = HessianLayout::new(&model);
        let observed = model.config.observed_data(ws);
        model.observed = model.dataset(&observed)?;
        Ok(model)
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }
    pub fn options(&self) -> &ModelOptions {
        &self.options
    }
    pub fn n_pars(&self) -> usize {
        self.config.n_pars
    }
    pub fn n_main(&self) -> usize {
        self.config.n_main
    }
    pub fn n_aux(&self) -> usize {
        self.n_aux
    }
    /// Parameters whose interpolation has a kink at α = 0 (normsys code1, histosys code0).
    pub fn kink_parameters(&self) -> &[usize] {
        &self.kinks
    }

    pub fn poi_index(&self) -> usize {
        self.config.poi_index
    }
    pub fn observed(&self) -> &Dataset {
        &self.observed
    }

    /// A dataset from a full data vector (main ++ aux), checked for length and values.
    pub fn dataset(&self, full: &[f64]) -> Result<Dataset> {
        let (n_main, n_aux) = (self.n_main(), self.n_aux);
        if full.len() != n_main + n_aux {
            return Err(EngineError::bad_request(format!(
                "data has {} values but the model expects {} main bins + {} auxiliary data = {}",
                full.len(),
                n_main,
                n_aux,
                n_main + n_aux
            )));
        }
        if let Some(i) = full.iter().position(|x| !x.is_finite()) {
            return Err(EngineError::bad_request(format!("data[{i}] = {} is not finite", full[i])));
        }
        let (main, aux) = full.split_at(n_main);
        if let Some(b) = main.iter().position(|&n| n < 0.0) {
            return Err(EngineError::bad_request(format!("data[{b}] = {} is a negative count", main[b])));
        }
        // Gaussian auxiliary data may be negative (a pulled nuisance parameter); Poisson ones may not.
        if let Some(t) = self.poisson.iter().find(|t| aux[t.aux] < 0.0) {
            return Err(EngineError::bad_request(format!(
                "data[{}] = {} is a negative Poisson auxiliary datum",
                n_main + t.aux,
                aux[t.aux]
            )));
        }
        Ok(self.dataset_unchecked(full))
    }

    /// A dataset without the value checks (Asimov data, whose expected rates pyhf uses as they are).
    /// `full` must have n_main + n_aux entries.
    pub fn dataset_unchecked(&self, full: &[f64]) -> Dataset {
        let (main, aux) = full.split_at(self.n_main());
        let main_constant = main.iter().map(|&n| poisson_constant(n)).sum();
        let poisson_constant = self.poisson.iter().map(|t| poisson_constant(aux[t.aux])).collect();
        Dataset {
            main: main.to_vec(),
            aux: aux.to_vec(),
            main_constant,
            poisson_constant,
        }
    }

    /// pyhf's `suggested_init`, `suggested_bounds` and `suggested_fixed`.
    pub fn suggested_init(&self) -> Vec<f64> {
        self.config.suggested_init()
    }
    pub fn suggested_bounds(&self) -> Vec<(f64, f64)> {
        self.config.suggested_bounds()
    }
    pub fn suggested_fixed(&self) -> Vec<bool> {
        self.config.suggested_fixed()
    }
    pub fn par_names(&self) -> Vec<String> {
        self.config.par_names()
    }

    pub fn evaluator(&self) -> Evaluator {
        Evaluator {
            nu: vec![0.0; self.n_main()],
            weight: vec![0.0; self.n_main()],
            scalar_value: vec![0.0; self.n_scalar],
            scalar_deriv: vec![0.0; self.n_scalar],
            scalar_product: vec![0.0; self.samples.len()],
            base: vec![0.0; self.n_sample_bins],
            bin_product: vec![0.0; self.n_sample_bins],
            delta_deriv: vec![0.0; self.n_delta],
            prefix: vec![0.0; self.n_scalar.max(self.max_bin_factors) + 1],
            hessian: HessianScratch::new(self),
        }
    }

    fn check_pars(&self, pars: &[f64]) -> Result<()> {
        if pars.len() != self.n_pars() {
            return Err(EngineError::bad_request(format!(
                "expected {} parameters, got {}",
                self.n_pars(),
                pars.len()
            )));
        }
        Ok(())
    }

    /// Expected yields of every sample of every channel at `pars` (pyhf's order: sorted channels,
    /// sorted sample names), e.g. for pre- and post-fit stacks.
    pub fn expected_by_sample(&self, pars: &[f64]) -> Result<Vec<SampleYields>> {
        self.check_pars(pars)?;
        let mut ev = self.evaluator();
        ev.rates(self, pars, false);
        Ok(self
            .config
            .samples
            .iter()
            .zip(&self.samples)
            .enumerate()
            .map(|(s, (layout, sample))| {
                let bins = sample.bin_start..sample.bin_start + sample.nominal.len();
                let p = ev.scalar_product[s];
                let yields = ev.bin_product[bins.clone()]
                    .iter()
                    .zip(&ev.base[bins])
                    .map(|(q, base)| p * q * base)
                    .collect();
                SampleYields {
                    channel: layout.channel,
                    sample: layout.sample_name.clone(),
                    yields,
                }
            })
            .collect())
    }

    /// Expected main data ν_b followed by the expected auxiliary data (θ for Gaussian
    /// constraints, γ·τ for Poisson ones): pyhf's `model.expected_data(pars)`.
    pub fn expected_data(&self, pars: &[f64]) -> Result<Vec<f64>> {
        self.check_pars(pars)?;
        let mut ev = self.evaluator();
        ev.rates(self, pars, false);
        let mut out = ev.nu.clone();
        out.resize(self.n_main() + self.n_aux, 0.0);
        for t in &self.normal {
            out[self.n_main() + t.aux] = pars[t.par];
        }
        for t in &self.poisson {
            out[self.n_main() + t.aux] = pars[t.par] * t.factor;
        }
        Ok(out)
    }

    /// pyhf's `model.logpdf(pars, data)`.
    pub fn logpdf(&self, pars: &[f64], data: &Dataset) -> Result<f64> {
        self.check_pars(pars)?;
        Ok(-self.evaluator().nll(self, pars, data))
    }
}

/// Scratch buffers for evaluating one model; reuse it across calls to avoid allocation.
#[derive(Debug, Clone)]
pub struct Evaluator {
    pub(crate) nu: Vec<f64>,
    pub(crate) weight: Vec<f64>,
    pub(crate) scalar_value: Vec<f64>,
    pub(crate) scalar_deriv: Vec<f64>,
    pub(crate) scalar_product: Vec<f64>,
    pub(crate) base: Vec<f64>,
    pub(crate) bin_product: Vec<f64>,
    pub(crate) delta_deriv: Vec<f64>,
    pub(crate) prefix: Vec<f64>,
    pub(crate) hessian: HessianScratch,
}

impl Evaluator {
    /// Expected main rates of the last evaluation.
    pub fn rates_of_last_call(&self) -> &[f64] {
        &self.nu
    }

    /// Fill ν (and, with `keep_derivatives`, what the gradient needs).
    fn rates(&mut self, model: &Model, pars: &[f64], keep_derivatives: bool) {
        self.nu.iter_mut().for_each(|v| *v = 0.0);
        for (s, sample) in model.samples.iter().enumerate() {
            let mut p = 1.0;
            for (k, factor) in sample.scalar.iter().enumerate() {
                let (v, d) = match factor {
                    ScalarFactor::Parameter(par) => (pars[*par], 1.0),
                    ScalarFactor::NormSys { par, interp } => interp.eval(pars[*par]),
                };
                self.scalar_value[sample.scalar_start + k] = v;
                self.scalar_deriv[sample.scalar_start + k] = d;
                p *= v;
            }
            self.scalar_product[s] = p;
            let n_bins = sample.nominal.len();
            let bins = sample.bin_start..sample.bin_start + n_bins;
            let base = &mut self.base[bins.clone()];
            base.copy_from_slice(&sample.nominal);
            for (h, term) in sample.histosys.iter().enumerate() {
                let w = additive_weights(term.code, pars[term.par]);
                for ((x, up), down) in base.iter_mut().zip(&term.up).zip(&term.down) {
                    *x += w[0] * up + w[1] * down;
                }
                if keep_derivatives {
                    let start = sample.delta_start + h * n_bins;
                    let deriv = &mut self.delta_deriv[start..start + n_bins];
                    for ((d, up), down) in deriv.iter_mut().zip(&term.up).zip(&term.down) {
                        *d = w[2] * up + w[3] * down;
                    }
                }
            }
            let q = &mut self.bin_product[bins];
            q.iter_mut().for_each(|v| *v = 1.0);
            for f in &sample.per_bin {
                for (v, &par) in q.iter_mut().zip(&f.pars) {
                    *v *= pars[par];
                }
            }
            let nu = &mut self.nu[sample.offset..sample.offset + n_bins];
            for ((v, q), base) in nu.iter_mut().zip(q.iter()).zip(base.iter()) {
                *v += p * q * base;
            }
        }
    }

    /// −logpdf at `pars` for `data`.
    pub fn nll(&mut self, model: &Model, pars: &[f64], data: &Dataset) -> f64 {
        self.rates(model, pars, false);
        self.main_nll(data, false) + constraint_nll(model, pars, data, None)
    }

    /// −logpdf and its gradient (written into `grad`, length n_pars).
    pub fn nll_and_grad(&mut self, model: &Model, pars: &[f64], data: &Dataset, grad: &mut [f64]) -> f64 {
        self.rates(model, pars, true);
        let main = self.main_nll(data, true);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let constraints = constraint_nll(model, pars, data, Some(grad));
        for (s, sample) in model.samples.iter().enumerate() {
            let n_bins = sample.nominal.len();
            let p = self.scalar_product[s];
            let bins = sample.bin_start..sample.bin_start + n_bins;
            let weight = &self.weight[sample.offset..sample.offset + n_bins];
            let (base, q) = (&self.base[bins.clone()], &self.bin_product[bins]);
            if !sample.scalar.is_empty() {
                // ∂ν_sb/∂f_k = (Π_{j≠k} f_j)·Q_sb·base_sb, summed over bins once per sample.
                let sum: f64 = weight.iter().zip(q).zip(base).map(|((w, q), x)| w * q * x).sum();
                let m = sample.scalar.len();
                let values = &self.scalar_value[sample.scalar_start..sample.scalar_start + m];
                let derivs = &self.scalar_deriv[sample.scalar_start..sample.scalar_start + m];
                // prefix[k] = Π_{j<k} f_j; walk back with the suffix product (safe when a factor is 0).
                self.prefix[0] = 1.0;
                for (k, v) in values.iter().enumerate() {
                    self.prefix[k + 1] = self.prefix[k] * v;
                }
                let mut suffix = 1.0;
                for k in (0..m).rev() {
                    let par = match &sample.scalar[k] {
                        ScalarFactor::Parameter(par) => *par,
                        ScalarFactor::NormSys { par, .. } => *par,
                    };
                    grad[par] += sum * self.prefix[k] * suffix * derivs[k];
                    suffix *= values[k];
                }
            }
            for (j, factor) in sample.per_bin.iter().enumerate() {
                for b in 0..n_bins {
                    let mut others = 1.0;
                    for (i, other) in sample.per_bin.iter().enumerate() {
                        if i != j {
                            others *= pars[other.pars[b]];
                        }
                    }
                    grad[factor.pars[b]] += weight[b] * p * others * base[b];
                }
            }
            for (h, term) in sample.histosys.iter().enumerate() {
                let derivs = &self.delta_deriv[sample.delta_start + h * n_bins..sample.delta_start + (h + 1) * n_bins];
                let g: f64 = weight.iter().zip(q).zip(derivs).map(|((w, q), d)| w * q * d).sum();
                grad[term.par] += p * g;
            }
        }
        main + constraints
    }

    /// Σ_b [ν_b − n_b·ln ν_b + lgamma(n_b + 1)], and ∂/∂ν_b = 1 − n_b/ν_b into `weight`.
    fn main_nll(&mut self, data: &Dataset, keep_weights: bool) -> f64 {
        let mut sum = 0.0;
        for (b, (&nu, &n)) in self.nu.iter().zip(&data.main).enumerate() {
            sum += poisson_deviance(n, nu);
            if keep_weights {
                self.weight[b] = if n == 0.0 { 1.0 } else { 1.0 - n / nu };
            }
        }
        sum + data.main_constant
    }
}

// −ln Pois(n | ν) = ν − n·ln ν + lgamma(n+1) is evaluated as d(n, ν) + c(n) with
//   d(n, ν) = (ν − n) − n·ln(ν/n)          (zero at ν = n, small near a fit's minimum)
//   c(n)    = n − n·ln n + lgamma(n+1)     (data only, ≈ ½·ln(2πn))
// The direct form sums terms of size n·ln n that cancel to the final value, leaving rounding noise
// of ~1e-13 absolute for counts of a few hundred: enough to stall line searches near the minimum.
// Mathematically identical to pyhf's expression (and to it within its own rounding).

/// c(n) of the Poisson term.
fn poisson_constant(n: f64) -> f64 {
    if n == 0.0 {
        0.0
    } else {
        n - n * n.ln() + ln_gamma(n + 1.0)
    }
}

/// d(n, ν) of the Poisson term; +∞ for ν = 0 < n and NaN for ν < 0 < n, as pyhf's xlogy gives.
#[inline]
fn poisson_deviance(n: f64, nu: f64) -> f64 {
    if n == 0.0 {
        nu
    } else {
        let r = (nu - n) / n;
        (nu - n) - n * r.ln_1p()
    }
}

/// −Σ log of the constraint terms; adds their gradient into `grad` when given.
fn constraint_nll(model: &Model, pars: &[f64], data: &Dataset, mut grad: Option<&mut [f64]>) -> f64 {
    let mut sum = 0.0;
    for t in &model.normal {
        // the pull as pyhf computes it: 1/σ² overflows for σ < 1e-154, and 0·∞ would be NaN
        let z = (data.aux[t.aux] - pars[t.par]) / t.sigma;
        sum += t.ln_norm + 0.5 * z * z;
        if let Some(g) = grad.as_deref_mut() {
            g[t.par] -= z / t.sigma;
        }
    }
    for (k, t) in model.poisson.iter().enumerate() {
        let a = data.aux[t.aux];
        let gamma = pars[t.par];
        sum += poisson_deviance(a, gamma * t.factor) + data.poisson_constant[k];
        if let Some(g) = grad.as_deref_mut() {
            g[t.par] += t.factor - if a == 0.0 { 0.0 } else { a / gamma };
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::{poisson_constant, poisson_deviance};
    use crate::special::ln_gamma;

    #[test]
    fn the_poisson_split_equals_the_direct_form() {
        for (n, nu) in [(0.0, 3.5), (1.0, 0.2), (7.0, 7.0), (12.5, 9.25), (250.0, 263.0)] {
            let direct = nu - if n == 0.0 { 0.0 } else { n * f64::ln(nu) } + ln_gamma(n + 1.0);
            let split = poisson_deviance(n, nu) + poisson_constant(n);
            assert!(
                (direct - split).abs() < 1e-12 * direct.abs().max(1.0),
                "n={n} ν={nu}: {direct} vs {split}"
            );
        }
    }

    #[test]
    fn empty_and_negative_rates_behave_as_in_pyhf() {
        assert_eq!(poisson_deviance(0.0, 2.0), 2.0);
        assert_eq!(poisson_deviance(0.0, -2.0), -2.0);
        assert_eq!(poisson_deviance(3.0, 0.0), f64::INFINITY);
        assert!(poisson_deviance(3.0, -1.0).is_nan());
        assert_eq!(poisson_constant(0.0), 0.0);
    }
}

#[cfg(test)]
mod constraint_tests {
    use crate::{Model, ModelOptions};

    /// Found by tests/fuzz_parse.rs: a lumi σ of 1e-300 made 1/σ² overflow and the pull term
    /// 0·∞ = NaN at the auxiliary value; pyhf's ((x − μ)/σ)² is 0 there.
    #[test]
    fn tiny_gaussian_widths_stay_finite_at_the_auxiliary_value() {
        let text = r#"{"channels":[{"name":"c","samples":[{"name":"b","data":[100.0],"modifiers":[{"name":"lumi","type":"lumi","data":null}]}]}],
            "observations":[{"name":"c","data":[90.0]}],
            "measurements":[{"name":"m","config":{"poi":"lumi","parameters":[{"name":"lumi","auxdata":[1.0],"inits":[1.0],"sigmas":[1e-300],"bounds":[[0.0,2.0]]}]}}],
            "version":"1.0.0"}"#;
        let model = Model::from_text(text, ModelOptions::default()).unwrap();
        let mut evaluator = model.evaluator();
        let mut grad = vec![0.0; model.n_pars()];
        let nll = evaluator.nll_and_grad(&model, &[1.0], model.observed(), &mut grad);
        // Poisson(90 | 100) and ln(σ√2π) with σ = 1e-300
        let expected = crate::model::poisson_deviance(90.0, 100.0) + crate::model::poisson_constant(90.0) + (1e-300f64 * (2.0 * std::f64::consts::PI).sqrt()).ln();
        assert!((nll - expected).abs() < 1e-12 * expected.abs(), "{nll} vs {expected}");
        assert!(grad[0].is_finite());
    }
}
