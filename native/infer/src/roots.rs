//! Brent's method for a bracketed root (scipy's `brentq` algorithm).

/// Find x in [a, b] with f(x) = 0, given f(a) and f(b) of opposite signs (or one zero). Stops when
/// the bracket is below `xtol + rtol·|x|`. Returns the root and the number of evaluations.
#[allow(clippy::too_many_arguments)]
pub fn brent<E>(
    mut f: impl FnMut(f64) -> Result<f64, E>,
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
    xtol: f64,
    rtol: f64,
    max_iter: usize,
) -> Result<Option<(f64, usize)>, E> {
    let (mut xpre, mut xcur, mut fpre, mut fcur) = (a, b, fa, fb);
    if fpre == 0.0 {
        return Ok(Some((xpre, 0)));
    }
    if fcur == 0.0 {
        return Ok(Some((xcur, 0)));
    }
    if fpre.signum() == fcur.signum() {
        return Ok(None);
    }
    let (mut xblk, mut fblk, mut spre, mut scur) = (0.0, 0.0, 0.0, 0.0);
    for iter in 0..max_iter {
        if fpre != 0.0 && fcur != 0.0 && fpre.signum() != fcur.signum() {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = (xtol + rtol * xcur.abs()) / 2.0;
        let sbis = (xblk - xcur) / 2.0;
        if fcur == 0.0 || sbis.abs() < delta {
            return Ok(Some((xcur, iter)));
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        xcur += if scur.abs() > delta { scur } else if sbis > 0.0 { delta } else { -delta };
        fcur = f(xcur)?;
    }
    Ok(Some((xcur, max_iter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_roots_to_the_requested_tolerance() {
        let r = brent::<()>(|x| Ok(x * x * x - 2.0), 0.0, 3.0, -2.0, 25.0, 1e-14, 1e-12, 100).unwrap().unwrap();
        assert!((r.0 - 2f64.cbrt()).abs() < 1e-11);
        let r = brent::<()>(|x| Ok((-x).exp() - 0.05), 0.0, 10.0, 0.95, (-10f64).exp() - 0.05, 0.0, 1e-4, 100).unwrap().unwrap();
        assert!(((r.0 - 20f64.ln()) / 20f64.ln()).abs() < 1e-4);
    }

    #[test]
    fn reports_a_missing_bracket() {
        assert!(brent::<()>(Ok, 1.0, 2.0, 1.0, 2.0, 1e-12, 1e-12, 50).unwrap().is_none());
    }
}
