//! Generated HistFactory workspaces of a chosen size with every modifier type, for tests, the
//! self-check and the benchmark. Deterministic for a given seed.

use serde_json::{json, Value};

/// A small deterministic generator (SplitMix64), so that tests need no `rand`.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    /// A Poisson draw (Knuth for small means, a rounded normal approximation above 50).
    pub fn poisson(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        if mean > 50.0 {
            let (u1, u2) = (self.uniform().max(1e-300), self.uniform());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            return (mean + z * mean.sqrt()).round().max(0.0);
        }
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1.0;
        }
    }
}

/// Size of a generated model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub channels: usize,
    pub bins: usize,
    /// Background samples per channel (plus one signal sample).
    pub backgrounds: usize,
    /// Add a shapefactor (one free parameter per bin) to the first background of channel 0.
    pub shapefactor: bool,
}

/// A workspace with normfactor, lumi, normsys, histosys, staterror, shapesys (and optionally
/// shapefactor) modifiers and observed data drawn around the nominal prediction.
pub fn workspace(shape: Shape, seed: u64) -> Value {
    let mut rng = SplitMix::new(seed);
    let mut channels = Vec::new();
    let mut observations = Vec::new();
    for c in 0..shape.channels {
        let name = format!("ch{c}");
        let mut samples = Vec::new();
        let mut total = vec![0.0; shape.bins];
        let signal: Vec<f64> = (0..shape.bins).map(|b| 2.0 + 10.0 * (-(b as f64 - shape.bins as f64 / 2.0).powi(2) / 8.0).exp() + rng.range(0.0, 1.0)).collect();
        samples.push(json!({
            "name": "signal",
            "data": signal,
            "modifiers": [
                {"name": "mu", "type": "normfactor", "data": null},
                {"name": "lumi", "type": "lumi", "data": null},
                {"name": "sig_theory", "type": "normsys", "data": {"hi": 1.08, "lo": 0.94}}
            ]
        }));
        for (b, t) in total.iter_mut().enumerate() {
            *t += signal[b];
        }
        for k in 0..shape.backgrounds {
            let nominal: Vec<f64> = (0..shape.bins).map(|b| 30.0 + 60.0 * (-(b as f64) / (4.0 + k as f64 * 3.0)).exp() + rng.range(0.0, 5.0)).collect();
            let hi: Vec<f64> = nominal.iter().map(|&v| v * rng.range(1.02, 1.10)).collect();
            let lo: Vec<f64> = nominal.iter().map(|&v| v * rng.range(0.90, 0.98)).collect();
            let stat: Vec<f64> = nominal.iter().map(|&v| 0.05 * v).collect();
            let mut modifiers = vec![
                json!({"name": format!("bkg{k}_norm"), "type": "normsys", "data": {"hi": rng.range(1.03, 1.15), "lo": rng.range(0.85, 0.97)}}),
                json!({"name": format!("bkg{k}_shape"), "type": "histosys", "data": {"hi_data": hi, "lo_data": lo}}),
                json!({"name": format!("staterror_{name}"), "type": "staterror", "data": stat}),
                json!({"name": "lumi", "type": "lumi", "data": null}),
            ];
            if k == 0 {
                let unc: Vec<f64> = nominal.iter().map(|&v| 0.08 * v).collect();
                modifiers.push(json!({"name": format!("uncorr_{name}"), "type": "shapesys", "data": unc}));
            }
            if k == 0 && c == 0 && shape.shapefactor {
                modifiers.push(json!({"name": "free_shape", "type": "shapefactor", "data": null}));
            }
            for (b, t) in total.iter_mut().enumerate() {
                *t += nominal[b];
            }
            samples.push(json!({"name": format!("bkg{k}"), "data": nominal, "modifiers": modifiers}));
        }
        let observed: Vec<f64> = total.iter().map(|&t| rng.poisson(t)).collect();
        channels.push(json!({"name": name, "samples": samples}));
        observations.push(json!({"name": name, "data": observed}));
    }
    json!({
        "channels": channels,
        "observations": observations,
        "measurements": [{
            "name": "meas",
            "config": {
                "poi": "mu",
                "parameters": [
                    {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.9, 1.1]], "inits": [1.0]},
                    {"name": "mu", "bounds": [[0.0, 10.0]], "inits": [1.0]}
                ]
            }
        }],
        "version": "1.0.0"
    })
}

/// Toy datasets of `model` drawn around its expected data at `pars` (main and auxiliary data).
pub fn toys(model: &histune_engine::Model, pars: &[f64], n: usize, seed: u64) -> Vec<histune_engine::Dataset> {
    let expected = model.expected_data(pars).expect("parameters match the model");
    let mut rng = SplitMix::new(seed);
    let n_main = model.n_main();
    let aux_normal: Vec<bool> = {
        // Gaussian auxiliary data are the θ entries (expected = θ); Poisson ones are γ·τ counts.
        let mut flags = vec![false; model.n_aux()];
        let mut aux = 0;
        for set in &model.config().parameters {
            match &set.constraint {
                histune_engine::paramset::Constraint::None => {}
                histune_engine::paramset::Constraint::Normal { sigmas, .. } => {
                    for _ in sigmas {
                        flags[aux] = true;
                        aux += 1;
                    }
                }
                histune_engine::paramset::Constraint::Poisson { factors, .. } => aux += factors.len(),
            }
        }
        flags
    };
    let sigmas: Vec<f64> = model
        .config()
        .parameters
        .iter()
        .flat_map(|set| match &set.constraint {
            histune_engine::paramset::Constraint::Normal { sigmas, .. } => sigmas.clone(),
            _ => Vec::new(),
        })
        .collect();
    (0..n)
        .map(|_| {
            let mut full = expected.clone();
            for v in full[..n_main].iter_mut() {
                *v = rng.poisson(*v);
            }
            let mut normal_index = 0;
            for (a, v) in full[n_main..].iter_mut().enumerate() {
                if aux_normal[a] {
                    let (u1, u2) = (rng.uniform().max(1e-300), rng.uniform());
                    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                    *v += z * sigmas[normal_index];
                    normal_index += 1;
                } else {
                    *v = rng.poisson(*v);
                }
            }
            model.dataset(&full).expect("toy data are valid")
        })
        .collect()
}
