//! Special functions with the conventions of scipy (`gammaln`).

/// ln Γ(x) for x > 0 (the only arguments the likelihood uses: counts + 1).
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma_r(x).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        assert!((ln_gamma(6.0) - 120f64.ln()).abs() < 1e-14);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-15);
        // scipy.special.gammaln(51.5)
        assert!((ln_gamma(51.5) - 150.44122882700194).abs() < 1e-11);
    }
}
