//! Finite-difference Hessian of an analytic gradient, and SPD inversion.

use crate::{linalg, Objective};

/// Fills `h` (`idx.len()`² row-major, `h[b·na + a] = ∂²f/∂x_idx[b]∂x_idx[a]`)
/// by differencing the gradient in each direction `idx[a]`. Central
/// differences are used where the box allows, otherwise second-order one-sided
/// differences into the box; the result is symmetrised. `g` is the gradient at
/// `x`; `xw`, `gp`, `gm` are scratch of the same length. Returns `false` if an
/// evaluation was not finite.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fd_hessian<E>(
    eval: &mut E,
    x: &[f64],
    g: &[f64],
    lo: &[f64],
    hi: &[f64],
    idx: &[usize],
    h: &mut [f64],
    xw: &mut [f64],
    gp: &mut [f64],
    gm: &mut [f64],
) -> bool
where
    E: FnMut(&[f64], &mut [f64]) -> Option<f64>,
{
    let na = idx.len();
    xw.copy_from_slice(x);
    let base = f64::EPSILON.cbrt();
    for (a, &j) in idx.iter().enumerate() {
        let xj = x[j];
        let step = base * xj.abs().max(1.0);
        let (up, dn) = (hi[j] - xj, xj - lo[j]);
        if up >= step && dn >= step {
            let (xp, xm) = (xj + step, xj - step);
            xw[j] = xp;
            if eval(xw, gp).is_none() {
                return false;
            }
            xw[j] = xm;
            if eval(xw, gm).is_none() {
                return false;
            }
            let inv = 1.0 / (xp - xm);
            for (b, &i) in idx.iter().enumerate() {
                h[b * na + a] = (gp[i] - gm[i]) * inv;
            }
        } else {
            let (sign, room) = if up >= dn { (1.0, up) } else { (-1.0, dn) };
            let hh = step.min(0.5 * room);
            if !(hh > 0.0) {
                return false;
            }
            let x1 = (xj + sign * hh).clamp(lo[j], hi[j]);
            let x2 = (xj + 2.0 * sign * hh).clamp(lo[j], hi[j]);
            xw[j] = x1;
            if eval(xw, gp).is_none() {
                return false;
            }
            xw[j] = x2;
            if eval(xw, gm).is_none() {
                return false;
            }
            // Quadratic through (xj, g), (x1, gp), (x2, gm); derivative at xj.
            let (d1, d2) = (x1 - xj, x2 - xj);
            let (w1, w2) = (d2 / (d1 * (d2 - d1)), -d1 / (d2 * (d2 - d1)));
            let w0 = -(w1 + w2);
            for (b, &i) in idx.iter().enumerate() {
                h[b * na + a] = w0 * g[i] + w1 * gp[i] + w2 * gm[i];
            }
        }
        xw[j] = xj;
    }
    for a in 0..na {
        for b in 0..a {
            let v = 0.5 * (h[a * na + b] + h[b * na + a]);
            h[a * na + b] = v;
            h[b * na + a] = v;
        }
    }
    true
}

/// Hessian of `objective` at `x` by differences of its analytic gradient
/// (step `ε^{1/3}·max(1, |x_j|)`), for the parameters not `fixed`.
///
/// Returns the `n`×`n` row-major matrix with zero rows and columns for fixed
/// parameters (and for those with `lower == upper`, which cannot be probed;
/// include them in the mask passed to [`invert_spd_masked`]). Evaluations stay inside `[lower, upper]`: at or next to a bound
/// a second-order one-sided difference into the box is used. If the objective
/// is not finite at a probed point, every free entry is NaN (so that
/// [`invert_spd`] reports an error).
pub fn hessian<O: Objective>(
    objective: &mut O,
    x: &[f64],
    fixed: &[bool],
    lower: &[f64],
    upper: &[f64],
) -> Vec<f64> {
    let n = x.len();
    assert!(
        fixed.len() == n && lower.len() == n && upper.len() == n,
        "histune-optim::hessian: x, fixed, lower and upper must have the same length"
    );
    let idx: Vec<usize> = (0..n)
        .filter(|&i| !fixed[i] && lower[i] < upper[i])
        .collect();
    let na = idx.len();
    let mut out = vec![0.0; n * n];
    if na == 0 {
        return out;
    }
    let mut eval = |xv: &[f64], gv: &mut [f64]| {
        let f = objective.value_and_gradient(xv, gv);
        (f.is_finite() && idx.iter().all(|&i| gv[i].is_finite())).then_some(f)
    };
    let mut g = vec![0.0; n];
    let (mut xw, mut gp, mut gm) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut h = vec![0.0; na * na];
    let ok = eval(x, &mut g).is_some()
        && fd_hessian(
            &mut eval, x, &g, lower, upper, &idx, &mut h, &mut xw, &mut gp, &mut gm,
        );
    for (b, &i) in idx.iter().enumerate() {
        for (a, &j) in idx.iter().enumerate() {
            out[i * n + j] = if ok { h[b * na + a] } else { f64::NAN };
        }
    }
    out
}

/// Inverse of the symmetric positive-definite `n`×`n` row-major matrix `h`
/// via Cholesky (only the lower triangle is read). Fails with a message naming
/// the first non-positive pivot when `h` is not positive definite (this
/// includes zero rows, e.g. those of fixed parameters — use
/// [`invert_spd_masked`] for those).
pub fn invert_spd(h: &[f64], n: usize) -> Result<Vec<f64>, String> {
    assert_eq!(
        h.len(),
        n * n,
        "histune-optim::invert_spd: matrix must be n×n"
    );
    let mut l = h.to_vec();
    linalg::cholesky(&mut l, n).map_err(|(j, d)| not_pd_message(j, d))?;
    Ok(inverse_from_cholesky(&l, n))
}

/// Like [`invert_spd`] but inverts only the rows/columns with `fixed[i] ==
/// false`; fixed rows and columns of the result are zero (the covariance of a
/// fixed parameter is zero). Pass the output of [`hessian`] with the same mask.
pub fn invert_spd_masked(h: &[f64], n: usize, fixed: &[bool]) -> Result<Vec<f64>, String> {
    assert_eq!(
        h.len(),
        n * n,
        "histune-optim::invert_spd_masked: matrix must be n×n"
    );
    assert_eq!(
        fixed.len(),
        n,
        "histune-optim::invert_spd_masked: mask must have length n"
    );
    let idx: Vec<usize> = (0..n).filter(|&i| !fixed[i]).collect();
    let na = idx.len();
    let mut l = vec![0.0; na * na];
    for (b, &i) in idx.iter().enumerate() {
        for (a, &j) in idx.iter().enumerate() {
            l[b * na + a] = h[i * n + j];
        }
    }
    linalg::cholesky(&mut l, na).map_err(|(j, d)| not_pd_message(idx[j], d))?;
    let inv = inverse_from_cholesky(&l, na);
    let mut out = vec![0.0; n * n];
    for (b, &i) in idx.iter().enumerate() {
        for (a, &j) in idx.iter().enumerate() {
            out[i * n + j] = inv[b * na + a];
        }
    }
    Ok(out)
}

fn not_pd_message(j: usize, d: f64) -> String {
    format!(
        "matrix is not positive definite: Cholesky pivot for parameter {j} is {d:e} \
         (the fit is not at a strict minimum, or the parameter is unconstrained/degenerate)"
    )
}

fn inverse_from_cholesky(l: &[f64], n: usize) -> Vec<f64> {
    let mut inv = vec![0.0; n * n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        col.iter_mut().for_each(|v| *v = 0.0);
        col[j] = 1.0;
        linalg::cholesky_solve(l, n, &mut col);
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    // Exact symmetry for downstream consumers.
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (inv[i * n + j] + inv[j * n + i]);
            inv[i * n + j] = v;
            inv[j * n + i] = v;
        }
    }
    inv
}
