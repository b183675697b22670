//! Special functions with the conventions of scipy (`gammaln`, `xlogy`).

/// ln Γ(x) for x > 0 (the only arguments the likelihood uses: counts + 1).
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma_r(x).0
}

/// x·ln(y), defined as 0 when x == 0 (so an empty bin adds no log term, whatever its rate).
#[inline]
pub fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 && !y.is_nan() {
        0.0
    } else {
        x * y.ln()
    }
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

    #[test]
    fn xlogy_is_zero_at_zero_and_nan_for_negative_rates() {
        assert_eq!(xlogy(0.0, 0.0), 0.0);
        assert_eq!(xlogy(0.0, -3.0), 0.0);
        assert!(xlogy(2.0, -3.0).is_nan());
        assert_eq!(xlogy(2.0, 0.0), f64::NEG_INFINITY);
    }
}
