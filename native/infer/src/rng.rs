//! A small seeded generator (xoshiro256++ seeded through SplitMix64) with the Poisson and Gaussian
//! samplers the toys need. Each toy gets its own stream derived from (seed, stream, index), so
//! results do not depend on how rayon schedules the toys.

use histune_engine::special::ln_gamma;

#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn seed_from(seed: u64) -> Rng {
        let mut state = seed;
        let s = [splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state)];
        Rng { s }
    }

    /// An independent stream for toy `index` of `stream` under `seed`.
    pub fn for_toy(seed: u64, stream: u64, index: u64) -> Rng {
        let mut state = seed;
        let a = splitmix64(&mut state);
        let mut state = a ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let b = splitmix64(&mut state);
        Rng::seed_from(b ^ index.wrapping_mul(0xA24B_AED4_963E_E407))
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in the open interval (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// N(mean, sigma²) by Box–Muller.
    pub fn normal(&mut self, mean: f64, sigma: f64) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        mean + sigma * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Poisson(λ): multiplication method below λ = 10, Hörmann's PTRS transformed rejection above
    /// (the algorithm numpy uses). λ ≤ 0 gives 0.
    pub fn poisson(&mut self, lambda: f64) -> f64 {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0.0;
        }
        if lambda < 10.0 {
            let limit = (-lambda).exp();
            let mut k = 0.0;
            let mut p = self.uniform();
            while p > limit {
                k += 1.0;
                p *= self.uniform();
            }
            return k;
        }
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= -lambda + k * loglam - ln_gamma(k + 1.0) {
                return k;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn poisson_has_the_right_mean_and_variance() {
        let mut rng = Rng::seed_from(7);
        for &lambda in &[0.3, 4.0, 9.99, 10.0, 55.0, 2.0e4] {
            let n = 40_000;
            let samples: Vec<f64> = (0..n).map(|_| rng.poisson(lambda)).collect();
            assert!(samples.iter().all(|&k| k >= 0.0 && k.fract() == 0.0));
            let (mean, var) = moments(&samples);
            // 5 standard errors of the mean and (roughly) of the variance.
            let se_mean = (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() < 5.0 * se_mean, "λ = {lambda}: mean {mean}");
            let se_var = lambda * (2.0 / n as f64 + 1.0 / (lambda * n as f64)).sqrt();
            assert!((var - lambda).abs() < 5.0 * se_var, "λ = {lambda}: variance {var}");
        }
    }

    #[test]
    fn poisson_probabilities_match_the_pmf() {
        // P(k = 12 | λ = 12) = 0.11437..., through the PTRS branch.
        let mut rng = Rng::seed_from(11);
        let n = 100_000;
        let hits = (0..n).filter(|_| rng.poisson(12.0) == 12.0).count() as f64 / n as f64;
        let p = (12.0 * 12f64.ln() - 12.0 - ln_gamma(13.0)).exp();
        assert!((hits - p).abs() < 5.0 * (p * (1.0 - p) / n as f64).sqrt(), "{hits} vs {p}");
    }

    #[test]
    fn normal_has_the_right_moments() {
        let mut rng = Rng::seed_from(3);
        let samples: Vec<f64> = (0..50_000).map(|_| rng.normal(2.0, 0.5)).collect();
        let (mean, var) = moments(&samples);
        assert!((mean - 2.0).abs() < 0.01);
        assert!((var - 0.25).abs() < 0.01);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = { let mut r = Rng::for_toy(42, 0, 5); (0..4).map(|_| r.next_u64()).collect() };
        let b: Vec<u64> = { let mut r = Rng::for_toy(42, 0, 5); (0..4).map(|_| r.next_u64()).collect() };
        let c: Vec<u64> = { let mut r = Rng::for_toy(42, 1, 5); (0..4).map(|_| r.next_u64()).collect() };
        let d: Vec<u64> = { let mut r = Rng::for_toy(42, 0, 6); (0..4).map(|_| r.next_u64()).collect() };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
