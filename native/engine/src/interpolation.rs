//! pyhf's interpolation codes, as the tensorised code paths of pyhf 0.7.6 evaluate them.
//!
//! Additive codes (0, 2, 4p) return the change Δ of a yield; multiplicative codes (1, 4) return a
//! factor κ. Each returns its derivative with respect to the nuisance parameter α as well.

use crate::error::{EngineError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpCode {
    Code0,
    Code1,
    Code2,
    Code4,
    Code4p,
}

impl InterpCode {
    pub fn parse(s: &str) -> Result<InterpCode> {
        match s.trim().to_ascii_lowercase().trim_start_matches("code") {
            "0" => Ok(InterpCode::Code0),
            "1" => Ok(InterpCode::Code1),
            "2" => Ok(InterpCode::Code2),
            "4" => Ok(InterpCode::Code4),
            "4p" => Ok(InterpCode::Code4p),
            _ => Err(EngineError::bad_request(format!(
                "unknown interpolation code '{s}': expected code0, code1, code2, code4 or code4p"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InterpCode::Code0 => "code0",
            InterpCode::Code1 => "code1",
            InterpCode::Code2 => "code2",
            InterpCode::Code4 => "code4",
            InterpCode::Code4p => "code4p",
        }
    }

    pub fn is_multiplicative(self) -> bool {
        matches!(self, InterpCode::Code1 | InterpCode::Code4)
    }
}

/// An additive interpolation (codes 0, 2, 4p) is linear in the bin's changes up = hi − nom and
/// down = nom − lo, with weights that depend on α only:
///   Δ(α) = w_up(α)·up + w_down(α)·down,
/// so a histosys over many bins needs the weights once per evaluation, not one polynomial per bin.
/// Returns [w_up, w_down, w_up', w_down', w_up'', w_down''] on the branches [`Interpolation::eval`]
/// takes (at the kink of code0, the branch from above).
#[inline]
pub fn additive_weights(code: InterpCode, alpha: f64) -> [f64; 6] {
    match code {
        InterpCode::Code0 => {
            if alpha >= 0.0 {
                [alpha, 0.0, 1.0, 0.0, 0.0, 0.0]
            } else {
                [0.0, alpha, 0.0, 1.0, 0.0, 0.0]
            }
        }
        // a = (up − down)/2, b = (up + down)/2, with pyhf 0.7.6's branches outside |α| ≤ 1
        InterpCode::Code2 => {
            if alpha > 1.0 {
                let t = alpha - 1.0;
                [1.5 * t, -0.5 * t, 1.5, -0.5, 0.0, 0.0]
            } else if alpha >= -1.0 {
                let (h, h2) = (0.5 * alpha, 0.5 * alpha * alpha);
                [h2 + h, h - h2, alpha + 0.5, 0.5 - alpha, 1.0, -1.0]
            } else {
                [-0.5 * alpha, 1.5 * alpha, -0.5, 1.5, 0.0, 0.0]
            }
        }
        // poly·(up − down)/16 + α·(up + down)/2
        InterpCode::Code4p => {
            if alpha > 1.0 {
                [alpha, 0.0, 1.0, 0.0, 0.0, 0.0]
            } else if alpha < -1.0 {
                [0.0, alpha, 0.0, 1.0, 0.0, 0.0]
            } else {
                let a2 = alpha * alpha;
                let poly = 0.0625 * a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0);
                let dpoly = 0.0625 * alpha * (a2 * (a2 * 18.0 - 40.0) + 30.0);
                let d2poly = 0.0625 * (a2 * (a2 * 90.0 - 120.0) + 30.0);
                let h = 0.5 * alpha;
                [poly + h, h - poly, dpoly + 0.5, 0.5 - dpoly, d2poly, -d2poly]
            }
        }
        InterpCode::Code1 | InterpCode::Code4 => panic!("{} is multiplicative, not additive", code.as_str()),
    }
}

/// One interpolation between (lo, nom, hi), with everything that depends only on them precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Interpolation {
    /// Piecewise linear: Δ = α·(hi − nom) for α > 0, α·(nom − lo) otherwise.
    Code0 { up: f64, down: f64 },
    /// Piecewise exponential: κ = (hi/nom)^α for α > 0, (lo/nom)^(−α) otherwise.
    Code1 { up: f64, down: f64, ln_up: f64, ln_down: f64 },
    /// Quadratic inside |α| ≤ 1, linear outside; kept with the 0.7.6 tensorised quirks
    /// (no offsets outside, and (b − 2a)·α rather than (b − 2a)·(α + 1) below −1).
    Code2 { a: f64, b: f64 },
    /// Exponential outside |α| ≥ 1, a 6th-order polynomial inside matching value, slope and curvature.
    Code4 {
        up: f64,
        down: f64,
        ln_up: f64,
        ln_down: f64,
        c: [f64; 6],
    },
    /// Linear outside |α| > 1, a 6th-order polynomial inside.
    Code4p { up: f64, down: f64, s: f64, a: f64 },
}

impl Interpolation {
    pub fn new(code: InterpCode, lo: f64, nom: f64, hi: f64) -> Interpolation {
        match code {
            InterpCode::Code0 => Interpolation::Code0 {
                up: hi - nom,
                down: nom - lo,
            },
            InterpCode::Code1 => {
                let (up, down) = (hi / nom, lo / nom);
                Interpolation::Code1 {
                    up,
                    down,
                    ln_up: up.ln(),
                    ln_down: down.ln(),
                }
            }
            InterpCode::Code2 => Interpolation::Code2 {
                a: 0.5 * (hi + lo) - nom,
                b: 0.5 * (hi - lo),
            },
            InterpCode::Code4 => {
                let (up, down) = (hi / nom, lo / nom);
                let (ln_up, ln_down) = (up.ln(), down.ln());
                let r = [
                    up - 1.0,
                    down - 1.0,
                    ln_up * up,
                    -ln_down * down,
                    ln_up * ln_up * up,
                    ln_down * ln_down * down,
                ];
                const A_INV: [[f64; 6]; 6] = [
                    [15.0 / 16.0, -15.0 / 16.0, -7.0 / 16.0, -7.0 / 16.0, 1.0 / 16.0, -1.0 / 16.0],
                    [3.0 / 2.0, 3.0 / 2.0, -9.0 / 16.0, 9.0 / 16.0, 1.0 / 16.0, 1.0 / 16.0],
                    [-5.0 / 8.0, 5.0 / 8.0, 5.0 / 8.0, 5.0 / 8.0, -1.0 / 8.0, 1.0 / 8.0],
                    [-3.0 / 2.0, -3.0 / 2.0, 7.0 / 8.0, -7.0 / 8.0, -1.0 / 8.0, -1.0 / 8.0],
                    [3.0 / 16.0, -3.0 / 16.0, -3.0 / 16.0, -3.0 / 16.0, 1.0 / 16.0, -1.0 / 16.0],
                    [1.0 / 2.0, 1.0 / 2.0, -5.0 / 16.0, 5.0 / 16.0, 1.0 / 16.0, 1.0 / 16.0],
                ];
                let mut c = [0.0; 6];
                for (ci, row) in c.iter_mut().zip(A_INV.iter()) {
                    *ci = row.iter().zip(r.iter()).map(|(a, b)| a * b).sum();
                }
                Interpolation::Code4 {
                    up,
                    down,
                    ln_up,
                    ln_down,
                    c,
                }
            }
            InterpCode::Code4p => {
                let (up, down) = (hi - nom, nom - lo);
                Interpolation::Code4p {
                    up,
                    down,
                    s: 0.5 * (up + down),
                    a: 0.0625 * (up - down),
                }
            }
        }
    }

    /// Value and derivative with respect to α.
    #[inline]
    pub fn eval(&self, alpha: f64) -> (f64, f64) {
        match *self {
            // Codes 0 and 1 have a kink at α = 0. There the derivative from above is returned,
            // the slope pyhf's forward-difference gradient sees, so fits leave the usual starting
            // point α = 0 in the same direction as pyhf's.
            Interpolation::Code0 { up, down } => {
                if alpha > 0.0 {
                    (alpha * up, up)
                } else if alpha == 0.0 {
                    (0.0, up)
                } else {
                    (alpha * down, down)
                }
            }
            Interpolation::Code1 { up, down, ln_up, ln_down } => {
                if alpha > 0.0 {
                    let v = up.powf(alpha);
                    (v, v * ln_up)
                } else if alpha == 0.0 {
                    (1.0, ln_up)
                } else {
                    let v = down.powf(-alpha);
                    (v, -v * ln_down)
                }
            }
            Interpolation::Code2 { a, b } => {
                if alpha > 1.0 {
                    ((alpha - 1.0) * (b + 2.0 * a), b + 2.0 * a)
                } else if alpha >= -1.0 {
                    (alpha * alpha * a + alpha * b, 2.0 * a * alpha + b)
                } else {
                    (alpha * (b - 2.0 * a), b - 2.0 * a)
                }
            }
            Interpolation::Code4 {
                up,
                down,
                ln_up,
                ln_down,
                c,
            } => {
                if alpha >= 1.0 {
                    let v = up.powf(alpha);
                    (v, v * ln_up)
                } else if alpha <= -1.0 {
                    let v = down.powf(-alpha);
                    (v, -v * ln_down)
                } else {
                    let a2 = alpha * alpha;
                    let a3 = a2 * alpha;
                    let a4 = a3 * alpha;
                    let a5 = a4 * alpha;
                    let a6 = a5 * alpha;
                    let v = 1.0 + (c[0] * alpha + c[1] * a2 + c[2] * a3 + c[3] * a4 + c[4] * a5 + c[5] * a6);
                    let dv = c[0] + 2.0 * c[1] * alpha + 3.0 * c[2] * a2 + 4.0 * c[3] * a3 + 5.0 * c[4] * a4 + 6.0 * c[5] * a5;
                    (v, dv)
                }
            }
            Interpolation::Code4p { up, down, s, a } => {
                if alpha > 1.0 {
                    (alpha * up, up)
                } else if alpha < -1.0 {
                    (alpha * down, down)
                } else {
                    let a2 = alpha * alpha;
                    let poly = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0);
                    let dpoly = alpha * (a2 * (a2 * 18.0 - 40.0) + 30.0);
                    (poly * a + alpha * s, dpoly * a + s)
                }
            }
        }
    }

    /// Second derivative with respect to α, on the same branch as [`eval`](Self::eval) (at the
    /// kink of codes 0 and 1, the branch from above).
    #[inline]
    pub fn curvature(&self, alpha: f64) -> f64 {
        match *self {
            Interpolation::Code0 { .. } => 0.0,
            Interpolation::Code1 { up, down, ln_up, ln_down } => {
                if alpha >= 0.0 {
                    up.powf(alpha) * ln_up * ln_up
                } else {
                    down.powf(-alpha) * ln_down * ln_down
                }
            }
            Interpolation::Code2 { a, .. } => {
                if (-1.0..=1.0).contains(&alpha) {
                    2.0 * a
                } else {
                    0.0
                }
            }
            Interpolation::Code4 { up, down, ln_up, ln_down, c } => {
                if alpha >= 1.0 {
                    up.powf(alpha) * ln_up * ln_up
                } else if alpha <= -1.0 {
                    down.powf(-alpha) * ln_down * ln_down
                } else {
                    2.0 * c[1] + alpha * (6.0 * c[2] + alpha * (12.0 * c[3] + alpha * (20.0 * c[4] + alpha * 30.0 * c[5])))
                }
            }
            Interpolation::Code4p { a, .. } => {
                if !(-1.0..=1.0).contains(&alpha) {
                    0.0
                } else {
                    let a2 = alpha * alpha;
                    a * (a2 * (a2 * 90.0 - 120.0) + 30.0)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        for code in [
            InterpCode::Code0,
            InterpCode::Code1,
            InterpCode::Code2,
            InterpCode::Code4,
            InterpCode::Code4p,
        ] {
            let (lo, nom, hi) = if code.is_multiplicative() {
                (0.85, 1.0, 1.25)
            } else {
                (7.0, 10.0, 14.0)
            };
            let interp = Interpolation::new(code, lo, nom, hi);
            for alpha in [-2.3, -0.7, -0.2, 0.15, 0.6, 0.95, 1.8] {
                let h = 1e-6;
                let numeric = (interp.eval(alpha + h).0 - interp.eval(alpha - h).0) / (2.0 * h);
                let analytic = interp.eval(alpha).1;
                assert!(
                    (numeric - analytic).abs() < 1e-7 * (1.0 + analytic.abs()),
                    "{code:?} α={alpha}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn curvatures_match_central_differences_of_the_derivative() {
        for code in [InterpCode::Code0, InterpCode::Code1, InterpCode::Code2, InterpCode::Code4, InterpCode::Code4p] {
            let (lo, nom, hi) = if code.is_multiplicative() { (0.85, 1.0, 1.25) } else { (7.0, 10.0, 14.0) };
            let interp = Interpolation::new(code, lo, nom, hi);
            for alpha in [-2.3, -0.7, -0.2, 0.15, 0.6, 0.95, 1.8] {
                let h = 1e-6;
                let numeric = (interp.eval(alpha + h).1 - interp.eval(alpha - h).1) / (2.0 * h);
                let analytic = interp.curvature(alpha);
                assert!((numeric - analytic).abs() < 1e-6 * (1.0 + analytic.abs()), "{code:?} α={alpha}: {numeric} vs {analytic}");
            }
        }
    }

    #[test]
    fn additive_weights_reproduce_the_per_bin_interpolation() {
        for code in [InterpCode::Code0, InterpCode::Code2, InterpCode::Code4p] {
            for (lo, nom, hi) in [(7.0, 10.0, 14.0), (12.0, 10.0, 9.5), (0.0, 3.0, 3.2)] {
                let interp = Interpolation::new(code, lo, nom, hi);
                let (up, down) = (hi - nom, nom - lo);
                for alpha in [-2.3, -1.0, -0.7, -0.2, 0.0, 0.15, 0.6, 1.0, 1.8] {
                    let w = additive_weights(code, alpha);
                    let (v, d) = interp.eval(alpha);
                    let c = interp.curvature(alpha);
                    for (mine, theirs) in [(w[0] * up + w[1] * down, v), (w[2] * up + w[3] * down, d), (w[4] * up + w[5] * down, c)] {
                        assert!((mine - theirs).abs() < 1e-13 * (1.0 + theirs.abs()), "{code:?} α={alpha}: {mine} vs {theirs}");
                    }
                }
            }
        }
    }

    #[test]
    fn code4_is_smooth_at_the_matching_points() {
        let interp = Interpolation::new(InterpCode::Code4, 0.9, 1.0, 1.2);
        for edge in [-1.0, 1.0] {
            let (inside, d_inside) = interp.eval(edge * (1.0 - 1e-12));
            let (outside, d_outside) = interp.eval(edge);
            assert!((inside - outside).abs() < 1e-10);
            assert!((d_inside - d_outside).abs() < 1e-8);
        }
    }

    #[test]
    fn codes_parse_with_or_without_prefix() {
        assert_eq!(InterpCode::parse("code4p").unwrap(), InterpCode::Code4p);
        assert_eq!(InterpCode::parse("1").unwrap(), InterpCode::Code1);
        assert!(InterpCode::parse("code3").is_err());
    }
}
