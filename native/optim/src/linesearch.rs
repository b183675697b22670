//! Bracketing / zoom line search for the strong Wolfe conditions on
//! `φ(t) = f(x + t·d)`, with safeguarded cubic interpolation.
//!
//! Two additions over the textbook scheme make it usable right at a minimum
//! and next to regions where the objective is undefined:
//!
//! * an *approximate* sufficient-decrease test (Hager–Zhang): when `φ(t)` is
//!   within a few ulps of `φ(0)` the Armijo test is meaningless, so a point
//!   whose slope has dropped enough is accepted on derivative information;
//! * non-finite values mark the trial step as "too long" and the step is
//!   shrunk towards the last good point;
//! * when even the full step's predicted decrease `|φ'(0)|·t` is below
//!   `f_guard` (the level at which the objective's own rounding noise, which
//!   for a likelihood summed over many large terms can be hundreds of ulps,
//!   hides any real change), f is no longer compared at all: a slope-only
//!   search looks for the strong-Wolfe curvature condition, and f merely
//!   must not rise above `f(0) + f_guard`. A gradient inconsistent with f
//!   still fails (its slope never flattens, or f rises past the guard).

#[derive(Clone, Copy, Debug)]
struct Point {
    t: f64,
    f: f64,
    d: f64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Accepted {
    pub t: f64,
    pub f: f64,
    /// The accepted step is the one evaluated last, so the caller's trial
    /// buffers already hold its point and gradient.
    pub evaluated_last: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No step with sufficient decrease was found.
    NoDecrease,
    /// The evaluation budget ran out first.
    Budget,
}

pub(crate) struct Params {
    pub c1: f64,
    pub c2: f64,
    pub max_evals: usize,
    /// Absolute rounding allowance on f (in addition to a few ulps of φ(0)).
    pub f_noise: f64,
    /// Changes of f below this are treated as invisible (see module docs).
    pub f_guard: f64,
}

/// Minimum of the cubic interpolating `(a.f, a.d)` and `(b.f, b.d)`, if any.
fn cubic_min(a: &Point, b: &Point) -> Option<f64> {
    let h = b.t - a.t;
    if h == 0.0 {
        return None;
    }
    let d1 = a.d + b.d - 3.0 * (a.f - b.f) / (a.t - b.t);
    let disc = d1 * d1 - a.d * b.d;
    if !(disc >= 0.0) {
        return None;
    }
    let d2 = disc.sqrt().copysign(h);
    let denom = b.d - a.d + 2.0 * d2;
    if denom == 0.0 {
        return None;
    }
    let t = b.t - h * (b.d + d2 - d1) / denom;
    t.is_finite().then_some(t)
}

/// `phi(t)` returns `Some((φ(t), φ'(t)))`, or `None` where the objective or its
/// gradient is not finite. `dphi0` must be negative. Steps are confined to
/// `(0, t_max]`.
pub(crate) fn search<F>(
    phi: F,
    f0: f64,
    dphi0: f64,
    t_init: f64,
    t_max: f64,
    p: &Params,
) -> Result<Accepted, Failure>
where
    F: FnMut(f64) -> Option<(f64, f64)>,
{
    debug_assert!(dphi0 < 0.0);
    if -dphi0 * t_init.min(t_max) <= p.f_guard {
        slope_only(phi, f0, dphi0, t_init, t_max, p)
    } else {
        wolfe(phi, f0, dphi0, t_init, t_max, p)
    }
}

fn wolfe<F>(
    mut phi: F,
    f0: f64,
    dphi0: f64,
    t_init: f64,
    t_max: f64,
    p: &Params,
) -> Result<Accepted, Failure>
where
    F: FnMut(f64) -> Option<(f64, f64)>,
{
    let eps_f = (64.0 * f64::EPSILON * f0.abs()).max(p.f_noise);
    let sufficient = |q: &Point| {
        q.f <= f0 + p.c1 * q.t * dphi0
            || (q.f <= f0 + eps_f && q.d <= (1.0 - 2.0 * p.c1) * (-dphi0))
    };
    let curvature = |q: &Point| q.d.abs() <= p.c2 * (-dphi0);

    let mut evals = 0usize;
    let mut last_t = f64::NAN;
    let mut eval = |t: f64, evals: &mut usize, last_t: &mut f64| {
        *evals += 1;
        *last_t = t;
        match phi(t) {
            Some((f, d)) if f.is_finite() && d.is_finite() => Point { t, f, d },
            _ => Point {
                t,
                f: f64::NAN,
                d: f64::NAN,
            },
        }
    };
    let accept = |q: &Point, last_t: f64| Accepted {
        t: q.t,
        f: q.f,
        evaluated_last: q.t == last_t,
    };
    // Fallback when no Wolfe point was found: `lo` (t = 0 or a point that
    // passed the decrease test) is taken only if f really went down, so that
    // a gradient inconsistent with f cannot creep along on rounding noise.
    let partial = |lo: &Point, last_t: f64, evals: usize| {
        if lo.t > 0.0 && lo.f < f0 {
            Ok(accept(lo, last_t))
        } else if evals >= p.max_evals {
            Err(Failure::Budget)
        } else {
            Err(Failure::NoDecrease)
        }
    };

    let mut prev = Point {
        t: 0.0,
        f: f0,
        d: dphi0,
    };
    let mut t = t_init.min(t_max);
    if !(t > 0.0) {
        return Err(Failure::NoDecrease);
    }
    // Bracketing phase.
    let (mut lo, mut hi) = loop {
        if evals >= p.max_evals {
            return partial(&prev, last_t, evals);
        }
        let cur = eval(t, &mut evals, &mut last_t);
        if !cur.f.is_finite() || !sufficient(&cur) || (prev.t > 0.0 && cur.f > prev.f + eps_f) {
            break (prev, cur);
        }
        if curvature(&cur) {
            return Ok(accept(&cur, last_t));
        }
        if cur.d >= 0.0 {
            break (cur, prev);
        }
        if cur.t >= t_max {
            // Blocked by the box while still descending: take the boundary.
            return Ok(accept(&cur, last_t));
        }
        let span = cur.t - prev.t;
        let (a, b) = (cur.t + 1.1 * span, cur.t + 4.0 * span);
        let next = cubic_min(&prev, &cur).map_or(b, |v| v.clamp(a, b));
        prev = cur;
        t = next.min(t_max);
    };

    // Zoom phase: the interval between lo and hi contains acceptable points.
    loop {
        if evals >= p.max_evals {
            return partial(&lo, last_t, evals);
        }
        let (a, b) = if lo.t < hi.t {
            (lo.t, hi.t)
        } else {
            (hi.t, lo.t)
        };
        let width = b - a;
        if width <= 4.0 * f64::EPSILON * b {
            return partial(&lo, last_t, evals);
        }
        let guess = if !hi.f.is_finite() {
            // Undefined beyond: retreat towards the good end.
            lo.t + 0.2 * (hi.t - lo.t)
        } else if (lo.f - hi.f).abs() <= eps_f && lo.d * hi.d < 0.0 {
            // Function values carry no information: secant on the slope.
            lo.t - lo.d * (hi.t - lo.t) / (hi.d - lo.d)
        } else {
            cubic_min(&lo, &hi).unwrap_or(0.5 * (a + b))
        };
        let t = if guess.is_finite() {
            guess.clamp(a + 0.1 * width, b - 0.1 * width)
        } else {
            0.5 * (a + b)
        };
        let cur = eval(t, &mut evals, &mut last_t);
        if !cur.f.is_finite() || !sufficient(&cur) || cur.f > lo.f + eps_f {
            hi = cur;
        } else {
            if curvature(&cur) {
                return Ok(accept(&cur, last_t));
            }
            if cur.d * (hi.t - lo.t) >= 0.0 {
                hi = lo;
            }
            lo = cur;
        }
    }
}

/// Line search on slope information only, for steps whose effect on f is
/// below the objective's noise (see module docs).
fn slope_only<F>(
    mut phi: F,
    f0: f64,
    dphi0: f64,
    t_init: f64,
    t_max: f64,
    p: &Params,
) -> Result<Accepted, Failure>
where
    F: FnMut(f64) -> Option<(f64, f64)>,
{
    let ok_f = |f: f64| f <= f0 + p.f_guard;
    let mut lo = Point {
        t: 0.0,
        f: f0,
        d: dphi0,
    };
    let mut hi: Option<Point> = None;
    let mut t = t_init.min(t_max);
    for _ in 0..p.max_evals {
        let cur = match phi(t) {
            Some((f, d)) if f.is_finite() && d.is_finite() => Point { t, f, d },
            _ => Point {
                t,
                f: f64::NAN,
                d: f64::NAN,
            },
        };
        if !(cur.f.is_finite() && ok_f(cur.f)) {
            hi = Some(cur);
        } else if cur.d.abs() <= p.c2 * (-dphi0) {
            return Ok(Accepted {
                t,
                f: cur.f,
                evaluated_last: true,
            });
        } else if cur.d < 0.0 {
            if t >= t_max {
                return Ok(Accepted {
                    t,
                    f: cur.f,
                    evaluated_last: true,
                });
            }
            lo = cur;
        } else {
            hi = Some(cur);
        }
        t = match hi {
            None => (4.0 * t).min(t_max),
            Some(h) => {
                let width = h.t - lo.t;
                if width <= 4.0 * f64::EPSILON * h.t {
                    return Err(Failure::NoDecrease);
                }
                // Secant on the slope where both ends carry one, else bisect.
                let guess = if h.d.is_finite() && h.d > 0.0 {
                    lo.t - lo.d * width / (h.d - lo.d)
                } else {
                    lo.t + 0.2 * width
                };
                guess.clamp(lo.t + 0.1 * width, h.t - 0.1 * width)
            }
        };
    }
    Err(Failure::Budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params {
            c1: 1e-4,
            c2: 0.9,
            max_evals: 40,
            f_noise: 0.0,
            f_guard: 0.0,
        }
    }

    #[test]
    fn finds_wolfe_point_on_quadratic() {
        // φ(t) = (t - 3)^2, φ'(0) = -6.
        let r = search(
            |t| Some(((t - 3.0f64).powi(2), 2.0 * (t - 3.0))),
            9.0,
            -6.0,
            1.0,
            100.0,
            &params(),
        )
        .unwrap();
        assert!(r.f < 9.0 + 1e-4 * r.t * -6.0);
        assert!((2.0 * (r.t - 3.0)).abs() <= 0.9 * 6.0);
    }

    #[test]
    fn shrinks_out_of_undefined_region() {
        // log barrier: undefined for t >= 1, minimum at t = 0.5.
        let phi = |t: f64| {
            if t >= 1.0 {
                None
            } else {
                Some((-(1.0 - t).ln() - t + 0.5 * t, 1.0 / (1.0 - t) - 0.5))
            }
        };
        let r = search(phi, 0.0, -0.5, 10.0, f64::INFINITY, &params()).unwrap();
        assert!(r.t < 1.0 && r.f < 0.0);
    }

    #[test]
    fn slope_only_search_ignores_noise_in_f() {
        // φ(t) = 1e-20 (t − 2)² hidden under noise of 1e-12 in f.
        let mut k = 0u32;
        let phi = |t: f64| {
            k += 1;
            let noise = if k.is_multiple_of(2) { 1e-12 } else { -1e-12 };
            Some((1.0 + 1e-20 * (t - 2.0).powi(2) + noise, 2e-20 * (t - 2.0)))
        };
        let p = Params {
            f_guard: 1e-10,
            ..params()
        };
        let r = search(phi, 1.0 + 4e-20, -4e-20, 1.0, f64::INFINITY, &p).unwrap();
        assert!((2e-20 * (r.t - 2.0)).abs() <= 0.9 * 4e-20);

        // A slope that never flattens (gradient inconsistent with f) fails.
        let r = search(
            |t: f64| Some((1.0 + t * t, -1e-12 * (1.0 + t))),
            1.0,
            -1e-12,
            1.0,
            f64::INFINITY,
            &p,
        );
        assert!(r.is_err());
    }

    #[test]
    fn respects_step_bound() {
        let r = search(|t| Some((-t, -1.0)), 0.0, -1.0, 1.0, 2.5, &params()).unwrap();
        assert_eq!(r.t, 2.5);
    }
}
