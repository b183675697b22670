//! The standard normal distribution: Φ, its survival function and inverse.

use std::f64::consts::SQRT_2;

/// Φ(x).
pub fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// 1 − Φ(x), accurate in the upper tail.
pub fn sf(x: f64) -> f64 {
    0.5 * libm::erfc(x / SQRT_2)
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step.
#[allow(clippy::excessive_precision)]
pub fn quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let p_low = 0.02425;
    let x = if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // Halley step on Φ(x) − p; use the tail that keeps precision.
    let e = if x < 0.0 { cdf(x) - p } else { (1.0 - p) - sf(x) };
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The significance Z = Φ⁻¹(1 − p) of a p-value.
pub fn significance(p: f64) -> f64 {
    -quantile(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_known_values() {
        // scipy.stats.norm.cdf / sf
        assert!((cdf(1.0) - 0.8413447460685429).abs() < 1e-15);
        assert!((sf(3.0) - 0.0013498980316301035).abs() < 1e-17);
        assert!((sf(-1.5) - 0.9331927987311419).abs() < 1e-15);
    }

    #[test]
    fn quantile_inverts_cdf() {
        for &p in &[1e-12, 1e-5, 0.0244, 0.3, 0.5, 0.8, 0.99, 1.0 - 1e-9] {
            let x = quantile(p);
            assert!(((cdf(x) - p) / p).abs() < 1e-12, "p = {p}, x = {x}");
        }
        assert!((significance(0.0013498980316301035) - 3.0).abs() < 1e-12);
    }
}
