//! The exact Hessian of −logpdf, for Newton steps in fits and for uncertainties.
//!
//! Main term: H = Σ_b (n_b/ν_b²)·∇ν_b ∇ν_bᵀ + Σ_b (1 − n_b/ν_b)·∇²ν_b; constraints add a diagonal.
//!
//! The Gauss–Newton part is assembled per channel from a small basis instead of the full Jacobian:
//! the column ∂ν/∂θ of a sample-wide parameter (normfactor, lumi, normsys) is a combination of the
//! channel's sample vectors R_s = Q_s·base_s with coefficients ∂P_s/∂θ, and a histosys parameter
//! has one column Σ_s P_s·Q_s·∂Δ_s/∂α. With B that basis (bins × m) and T the sparse map from basis
//! to parameters, JᵀDJ = Tᵀ(BᵀDB)T costs bins·m² rather than bins·p². Per-bin factors (staterror,
//! shapesys, shapefactor) touch one bin each and are added bin by bin.

use crate::interpolation::additive_weights;
use crate::model::{Dataset, Evaluator, Model, ScalarFactor};

/// Per-channel structure of the Gauss–Newton assembly, built once at compile time.
#[derive(Debug, Clone)]
pub(crate) struct ChannelHessian {
    offset: usize,
    n_bins: usize,
    /// Model sample indices of this channel; basis column i is R of `samples[i]`.
    samples: Vec<usize>,
    /// Distinct histosys parameters of the channel; basis column `samples.len() + j`.
    histosys_pars: Vec<usize>,
    /// For each of `samples`, the basis column of each of its histosys terms.
    histosys_cols: Vec<Vec<usize>>,
    /// Distinct parameters with an entry in T.
    dense_pars: Vec<usize>,
    /// Where this channel's basis starts in the scratch buffer (column-major, `n_bins` per column).
    basis_start: usize,
    has_per_bin: bool,
    /// Entries of T (sample-wide factors plus histosys columns).
    n_entries: usize,
}

impl ChannelHessian {
    fn n_cols(&self) -> usize {
        self.samples.len() + self.histosys_pars.len()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct HessianLayout {
    channels: Vec<ChannelHessian>,
    basis_len: usize,
    max_cols: usize,
    max_entries: usize,
    max_bin_entries: usize,
    max_scalar: usize,
}

impl HessianLayout {
    pub(crate) fn new(model: &Model) -> HessianLayout {
        let mut layout = HessianLayout::default();
        for (c, channel) in model.config.channels.iter().enumerate() {
            let samples: Vec<usize> = (0..model.samples.len()).filter(|&s| model.config.samples[s].channel == c).collect();
            let mut histosys_pars: Vec<usize> = Vec::new();
            let mut dense_pars: Vec<usize> = Vec::new();
            let (mut has_per_bin, mut n_entries, mut bin_entries) = (false, 0, 0);
            for &s in &samples {
                let sample = &model.samples[s];
                for term in &sample.histosys {
                    if !histosys_pars.contains(&term.par) {
                        histosys_pars.push(term.par);
                    }
                }
                for factor in &sample.scalar {
                    dense_pars.push(scalar_par(factor));
                }
                n_entries += sample.scalar.len();
                has_per_bin |= !sample.per_bin.is_empty();
                bin_entries += sample.per_bin.len();
                layout.max_scalar = layout.max_scalar.max(sample.scalar.len());
            }
            n_entries += histosys_pars.len();
            dense_pars.extend_from_slice(&histosys_pars);
            dense_pars.sort_unstable();
            dense_pars.dedup();
            let histosys_cols = samples
                .iter()
                .map(|&s| {
                    model.samples[s]
                        .histosys
                        .iter()
                        .map(|t| samples.len() + histosys_pars.iter().position(|&p| p == t.par).expect("collected above"))
                        .collect()
                })
                .collect();
            let ch = ChannelHessian {
                offset: channel.offset,
                n_bins: channel.n_bins,
                samples,
                histosys_pars,
                histosys_cols,
                dense_pars,
                basis_start: layout.basis_len,
                has_per_bin,
                n_entries,
            };
            layout.basis_len += ch.n_cols() * ch.n_bins;
            layout.max_cols = layout.max_cols.max(ch.n_cols());
            layout.max_entries = layout.max_entries.max(ch.n_entries);
            layout.max_bin_entries = layout.max_bin_entries.max(bin_entries);
            layout.channels.push(ch);
        }
        layout
    }
}

/// Scratch of the Hessian evaluation, owned by an [`Evaluator`].
#[derive(Debug, Clone)]
pub(crate) struct HessianScratch {
    /// n_b/ν_b² per main bin.
    curvature: Vec<f64>,
    basis: Vec<f64>,
    weighted: Vec<f64>,
    gram: Vec<f64>,
    /// (G·T) by parameter: `n_pars × max_cols`.
    gt: Vec<f64>,
    entries: Vec<(usize, usize, f64)>,
    /// Per scalar factor: ∂P_s/∂θ, the product of the other factors, and the factor's curvature.
    scalar_dp: Vec<f64>,
    scalar_excl: Vec<f64>,
    scalar_d2: Vec<f64>,
    suffix: Vec<f64>,
    row: Vec<f64>,
    bin_entries: Vec<(usize, f64)>,
}

impl HessianScratch {
    pub(crate) fn new(model: &Model) -> HessianScratch {
        let l = &model.hessian_layout;
        HessianScratch {
            curvature: vec![0.0; model.n_main()],
            basis: vec![0.0; l.basis_len],
            weighted: vec![0.0; model.config.channels.iter().map(|c| c.n_bins).max().unwrap_or(0)],
            gram: vec![0.0; l.max_cols * l.max_cols],
            gt: vec![0.0; model.n_pars() * l.max_cols],
            entries: Vec::with_capacity(l.max_entries),
            scalar_dp: vec![0.0; model.n_scalar],
            scalar_excl: vec![0.0; model.n_scalar],
            scalar_d2: vec![0.0; model.n_scalar],
            suffix: vec![0.0; l.max_scalar + 1],
            row: vec![0.0; model.n_pars()],
            bin_entries: Vec::with_capacity(l.max_bin_entries),
        }
    }
}

fn scalar_par(factor: &ScalarFactor) -> usize {
    match factor {
        ScalarFactor::Parameter(par) => *par,
        ScalarFactor::NormSys { par, .. } => *par,
    }
}

/// Σ a_i·b_i with eight independent partial sums (a single running sum is latency-bound).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

#[inline]
fn add_sym(h: &mut [f64], n: usize, i: usize, j: usize, v: f64) {
    h[i * n + j] += v;
    h[j * n + i] += v;
}

impl Evaluator {
    /// −logpdf, its gradient and its exact Hessian (`hess`, n_pars² row-major, rows of fixed
    /// parameters included). At a kink (normsys code1, histosys code0 at α = 0) the curvature is
    /// the one from above, as for the gradient.
    pub fn nll_grad_hessian(&mut self, model: &Model, pars: &[f64], data: &Dataset, grad: &mut [f64], hess: &mut [f64]) -> f64 {
        let n = model.n_pars();
        assert_eq!(hess.len(), n * n, "the Hessian buffer must have n_pars² entries");
        let f = self.nll_and_grad(model, pars, data, grad);
        hess.iter_mut().for_each(|h| *h = 0.0);
        let hs = &mut self.hessian;
        for (b, (&nb, &nu)) in data.main.iter().zip(&self.nu).enumerate() {
            hs.curvature[b] = if nb == 0.0 { 0.0 } else { nb / (nu * nu) };
        }
        for t in &model.normal {
            hess[t.par * n + t.par] += 1.0 / (t.sigma * t.sigma);
        }
        for t in &model.poisson {
            let (a, gamma) = (data.aux[t.aux], pars[t.par]);
            if a != 0.0 {
                hess[t.par * n + t.par] += a / (gamma * gamma);
            }
        }

        // Sample-wide factors: ∂P/∂θ_k, Π_{j≠k} f_j and f_k''; second-derivative terms of each sample.
        for (s, sample) in model.samples.iter().enumerate() {
            let n_bins = sample.nominal.len();
            let m = sample.scalar.len();
            let start = sample.scalar_start;
            let values = &self.scalar_value[start..start + m];
            let derivs = &self.scalar_deriv[start..start + m];
            hs.suffix[m] = 1.0;
            for k in (0..m).rev() {
                hs.suffix[k] = hs.suffix[k + 1] * values[k];
            }
            let mut prefix = 1.0;
            for k in 0..m {
                let excl = prefix * hs.suffix[k + 1];
                hs.scalar_excl[start + k] = excl;
                hs.scalar_dp[start + k] = derivs[k] * excl;
                hs.scalar_d2[start + k] = match &sample.scalar[k] {
                    ScalarFactor::Parameter(_) => 0.0,
                    ScalarFactor::NormSys { par, interp } => interp.curvature(pars[*par]),
                };
                prefix *= values[k];
            }
            let bins = sample.bin_start..sample.bin_start + n_bins;
            let weight = &self.weight[sample.offset..sample.offset + n_bins];
            let (base, q) = (&self.base[bins.clone()], &self.bin_product[bins]);
            let p = self.scalar_product[s];
            let mut w_sum = 0.0;
            for b in 0..n_bins {
                w_sum += weight[b] * q[b] * base[b];
            }
            // ∂²P/∂θ_k∂θ_l = f_k'·f_l'·Π_{j≠k,l} f_j, and f_k''·Π_{j≠k} f_j on the diagonal.
            let mut prefix = 1.0;
            for k in 0..m {
                let pk = scalar_par(&sample.scalar[k]);
                hess[pk * n + pk] += w_sum * hs.scalar_d2[start + k] * hs.scalar_excl[start + k];
                let mut between = 1.0;
                for l in k + 1..m {
                    let pl = scalar_par(&sample.scalar[l]);
                    let v = w_sum * derivs[k] * derivs[l] * prefix * between * hs.suffix[l + 1];
                    add_sym(hess, n, pk, pl, v);
                    between *= values[l];
                }
                prefix *= values[k];
            }
            for (h, term) in sample.histosys.iter().enumerate() {
                let dd = &self.delta_deriv[sample.delta_start + h * n_bins..sample.delta_start + (h + 1) * n_bins];
                let w = additive_weights(term.code, pars[term.par]);
                let (mut g1, mut s_up, mut s_down) = (0.0, 0.0, 0.0);
                for b in 0..n_bins {
                    let wq = weight[b] * q[b];
                    g1 += wq * dd[b];
                    s_up += wq * term.up[b];
                    s_down += wq * term.down[b];
                }
                let g2 = w[4] * s_up + w[5] * s_down;
                hess[term.par * n + term.par] += p * g2;
                for k in 0..m {
                    add_sym(hess, n, scalar_par(&sample.scalar[k]), term.par, hs.scalar_dp[start + k] * g1);
                }
            }
        }

        for ch in &model.hessian_layout.channels {
            let nb = ch.n_bins;
            let m = ch.n_cols();
            let n_samples = ch.samples.len();
            let basis = &mut hs.basis[ch.basis_start..ch.basis_start + m * nb];
            basis[n_samples * nb..].iter_mut().for_each(|v| *v = 0.0);
            for (si, &s) in ch.samples.iter().enumerate() {
                let sample = &model.samples[s];
                let bins = sample.bin_start..sample.bin_start + nb;
                let (base, q) = (&self.base[bins.clone()], &self.bin_product[bins]);
                for b in 0..nb {
                    basis[si * nb + b] = q[b] * base[b];
                }
                let p = self.scalar_product[s];
                for (h, &col) in ch.histosys_cols[si].iter().enumerate() {
                    let dd = &self.delta_deriv[sample.delta_start + h * nb..sample.delta_start + (h + 1) * nb];
                    let column = &mut basis[col * nb..(col + 1) * nb];
                    for b in 0..nb {
                        column[b] += p * q[b] * dd[b];
                    }
                }
            }
            // G = BᵀDB
            let curvature = &hs.curvature[ch.offset..ch.offset + nb];
            for a in 0..m {
                let col_a = &basis[a * nb..(a + 1) * nb];
                for ((v, d), x) in hs.weighted.iter_mut().zip(curvature).zip(col_a) {
                    *v = d * x;
                }
                for c in 0..=a {
                    let sum = dot(&hs.weighted[..nb], &basis[c * nb..(c + 1) * nb]);
                    hs.gram[a * m + c] = sum;
                    hs.gram[c * m + a] = sum;
                }
            }
            hs.entries.clear();
            for (si, &s) in ch.samples.iter().enumerate() {
                let sample = &model.samples[s];
                for (k, factor) in sample.scalar.iter().enumerate() {
                    hs.entries.push((si, scalar_par(factor), hs.scalar_dp[sample.scalar_start + k]));
                }
            }
            for (j, &par) in ch.histosys_pars.iter().enumerate() {
                hs.entries.push((n_samples + j, par, 1.0));
            }
            // H += Tᵀ (G T)
            for &q in &ch.dense_pars {
                hs.gt[q * m..(q + 1) * m].iter_mut().for_each(|v| *v = 0.0);
            }
            for &(beta, q, c) in &hs.entries {
                let column = &mut hs.gt[q * m..(q + 1) * m];
                for (a, v) in column.iter_mut().enumerate() {
                    *v += c * hs.gram[a * m + beta];
                }
            }
            for &(alpha, p, c) in &hs.entries {
                for &q in &ch.dense_pars {
                    hess[p * n + q] += c * hs.gt[q * m + alpha];
                }
            }

            if !ch.has_per_bin {
                continue;
            }
            for b in 0..nb {
                let global = ch.offset + b;
                let (d, w) = (hs.curvature[global], self.weight[global]);
                for &q in &ch.dense_pars {
                    hs.row[q] = 0.0;
                }
                for &(alpha, q, c) in &hs.entries {
                    hs.row[q] += c * basis[alpha * nb + b];
                }
                hs.bin_entries.clear();
                for &s in &ch.samples {
                    let sample = &model.samples[s];
                    if sample.per_bin.is_empty() {
                        continue;
                    }
                    let p = self.scalar_product[s];
                    let base = self.base[sample.bin_start + b];
                    for (j, factor) in sample.per_bin.iter().enumerate() {
                        let gamma = factor.pars[b];
                        let mut others = 1.0;
                        for (i, other) in sample.per_bin.iter().enumerate() {
                            if i != j {
                                others *= pars[other.pars[b]];
                            }
                        }
                        let v = p * others * base;
                        match hs.bin_entries.iter_mut().find(|(g, _)| *g == gamma) {
                            Some(entry) => entry.1 += v,
                            None => hs.bin_entries.push((gamma, v)),
                        }
                        if w == 0.0 {
                            continue;
                        }
                        for (k, factor_k) in sample.scalar.iter().enumerate() {
                            let v = w * hs.scalar_dp[sample.scalar_start + k] * others * base;
                            add_sym(hess, n, gamma, scalar_par(factor_k), v);
                        }
                        for (h, term) in sample.histosys.iter().enumerate() {
                            let v = w * p * others * self.delta_deriv[sample.delta_start + h * nb + b];
                            add_sym(hess, n, gamma, term.par, v);
                        }
                        for (i, other) in sample.per_bin.iter().enumerate() {
                            if i == j {
                                continue;
                            }
                            let mut rest = 1.0;
                            for (l, third) in sample.per_bin.iter().enumerate() {
                                if l != i && l != j {
                                    rest *= pars[third.pars[b]];
                                }
                            }
                            hess[gamma * n + other.pars[b]] += w * p * rest * base;
                        }
                    }
                }
                for &(gamma, v) in &hs.bin_entries {
                    let dv = d * v;
                    for &q in &ch.dense_pars {
                        add_sym(hess, n, gamma, q, dv * hs.row[q]);
                    }
                    for &(other, v2) in &hs.bin_entries {
                        hess[gamma * n + other] += dv * v2;
                    }
                }
            }
        }
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (hess[i * n + j] + hess[j * n + i]);
                hess[i * n + j] = v;
                hess[j * n + i] = v;
            }
        }
        f
    }
}
