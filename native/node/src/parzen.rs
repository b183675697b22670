//! The hot loop of TPE's Parzen estimators (main/study/samplers/tpe/parzen.ts `logPdf`): each
//! candidate's log density under a mixture of product kernels (truncated Gaussians over the
//! continuous dims, categorical tables), as the best kernel's log term and the sum of
//! exp(term − best) over the kernels within NEGLIGIBLE of it. The caller adds log(sum); with the
//! additions in the same order and V8's `Math.exp` (fdlibm) reproduced exactly, the result is
//! bit for bit the TypeScript one.

use napi::bindgen_prelude::Float64ArraySlice;
use napi_derive::napi;

/// Kernels this far (in log density) below the best one are left out, as in parzen.ts.
const NEGLIGIBLE: f64 = 50.0;

/// fdlibm's exp for x in [−50, 0] (or x < −50, whose result is then unused), written without
/// branches so that it vectorises, and equal bit for bit to fdlibm's `__ieee754_exp` (V8's
/// `Math.exp`) there: for k = 0 (|x| ≤ ln 2 / 2) fdlibm's own formula equals the general one with
/// hi = x, lo = 0, and for 0.5 < |x|/ln 2 < 1.5 its shortcut is the general reduction with k = −1.
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    const LN2_HI: f64 = 6.93147180369123816490e-01;
    const LN2_LO: f64 = 1.90821492927058770002e-10;
    const INV_LN2: f64 = 1.44269504088896338700e+00;
    const P1: f64 = 1.66666666666666019037e-01;
    const P2: f64 = -2.77777777770155933842e-03;
    const P3: f64 = 6.61375632143793436117e-05;
    const P4: f64 = -1.65339022054652515390e-06;
    const P5: f64 = 4.13813679705723846039e-08;
    // fdlibm tests the high word: |x| with high word ≤ 0x3fd62e42 takes k = 0; below 2^−28, 1 + x.
    let k_zero = f64::from_bits(0x3fd6_2e43_0000_0000);
    let tiny = f64::from_bits(0x3e30_0000_0000_0000);
    let t = if x > -k_zero {
        0.0
    } else {
        (INV_LN2 * x - 0.5).trunc()
    };
    let hi = x - t * LN2_HI;
    let lo = t * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // 2^t from the integer's bits (t ≥ −73 here): t + 2^52 + 1023 holds 1023 + t in its low bits.
    let scale = f64::from_bits((t + (4503599627370496.0 + 1023.0)).to_bits() << 52);
    if x > -tiny {
        1.0 + x
    } else {
        y * scale
    }
}

/// For n points, the mixture's best kernel log term and the sum of exp(term − best) over the
/// kernels within NEGLIGIBLE of it, written to `out` as [best₀, sum₀, best₁, sum₁, …] (best = −∞
/// when no kernel has a finite term). Layouts as in parzen.ts's ContinuousBlock:
/// `points[i·c + j]` (transformed values), `mus[k·c + j]`, `half_precision[k·c + j]` = 1/(2σ²),
/// `base[k]` = log weight − log normalisation; categorical dim d adds
/// `cat_log_probs[cat_index[i·m + d] + k·cat_stride[d]]`.
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn parzen_mixture_terms(
    points: Float64ArraySlice,
    mus: Float64ArraySlice,
    half_precision: Float64ArraySlice,
    base: Float64ArraySlice,
    cat_log_probs: Float64ArraySlice,
    cat_index: Float64ArraySlice,
    cat_stride: Float64ArraySlice,
    mut out: Float64ArraySlice,
) -> napi::Result<()> {
    let nk = base.len();
    let c = if nk == 0 { 0 } else { mus.len() / nk };
    let m = cat_stride.len();
    let n = out.len() / 2;
    let bad = |what: &str| {
        Err(napi::Error::from_reason(format!(
            "parzenMixtureTerms: {what}"
        )))
    };
    if mus.len() != nk * c || half_precision.len() != nk * c {
        return bad("mus and halfPrecision must hold K·c values");
    }
    if points.len() != n * c || cat_index.len() != n * m {
        return bad("points must hold n·c values, catIndex n·m");
    }
    let last_kernel = nk.saturating_sub(1);
    for (i, &first) in cat_index.iter().enumerate() {
        let stride = cat_stride[i % m];
        if !(first >= 0.0 && stride >= 0.0)
            || nk > 0 && first as usize + stride as usize * last_kernel >= cat_log_probs.len()
        {
            return bad("catIndex out of range");
        }
    }
    // SAFETY: JavaScript is blocked for the length of this call and the caller passes distinct arrays.
    let out = unsafe { out.as_mut() };
    terms(
        &points,
        &mus,
        &half_precision,
        &base,
        &cat_log_probs,
        &cat_index,
        &cat_stride,
        c,
        out,
    );
    Ok(())
}

/// Points per block: the lanes of the vectorised loops (one AVX-512 or two AVX2 registers).
const P: usize = 8;

thread_local! {
    /// Each kernel's terms at the points of one block, kept between calls.
    static SCRATCH: std::cell::RefCell<Vec<[f64; P]>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The mixture at blocks of P points, the points in the lanes of each operation: every kernel's
/// term (summed over all dims, so no branch), the running best, then the sum of exp(term − best)
/// in kernel order. parzen.ts stops summing a kernel's dims once it falls NEGLIGIBLE below the best
/// so far; each term only lowers the sum, so such a kernel stays below the final floor either way
/// and adds +0 here as there, and the best is the same: the bits are the TypeScript loop's.
#[allow(clippy::too_many_arguments)]
fn terms(
    points: &[f64],
    mus: &[f64],
    half_precision: &[f64],
    base: &[f64],
    cat_log_probs: &[f64],
    cat_index: &[f64],
    strides: &[f64],
    c: usize,
    out: &mut [f64],
) {
    let nk = base.len();
    SCRATCH.with(|cell| {
        let mut acc = cell.borrow_mut();
        if acc.len() < nk {
            acc.resize(nk, [0.0; P]);
        }
        let acc = &mut acc[..nk];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: the CPU has the feature. (No FMA: products and sums round as in JavaScript.)
            if std::arch::is_x86_feature_detected!("avx512f") {
                return unsafe {
                    terms_avx512(points, mus, half_precision, base, cat_log_probs, cat_index, strides, c, out, acc)
                };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return unsafe {
                    terms_avx2(points, mus, half_precision, base, cat_log_probs, cat_index, strides, c, out, acc)
                };
            }
        }
        terms_blocked(points, mus, half_precision, base, cat_log_probs, cat_index, strides, c, out, acc)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn terms_avx512(
    points: &[f64],
    mus: &[f64],
    half_precision: &[f64],
    base: &[f64],
    cat_log_probs: &[f64],
    cat_index: &[f64],
    strides: &[f64],
    c: usize,
    out: &mut [f64],
    acc: &mut [[f64; P]],
) {
    terms_blocked(points, mus, half_precision, base, cat_log_probs, cat_index, strides, c, out, acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn terms_avx2(
    points: &[f64],
    mus: &[f64],
    half_precision: &[f64],
    base: &[f64],
    cat_log_probs: &[f64],
    cat_index: &[f64],
    strides: &[f64],
    c: usize,
    out: &mut [f64],
    acc: &mut [[f64; P]],
) {
    terms_blocked(points, mus, half_precision, base, cat_log_probs, cat_index, strides, c, out, acc)
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn terms_blocked(
    points: &[f64],
    mus: &[f64],
    half_precision: &[f64],
    base: &[f64],
    cat_log_probs: &[f64],
    cat_index: &[f64],
    strides: &[f64],
    c: usize,
    out: &mut [f64],
    acc: &mut [[f64; P]],
) {
    let m = strides.len();
    let n = out.len() / 2;
    let strides: Vec<usize> = strides.iter().map(|&s| s as usize).collect();
    let mut xb = vec![[0.0f64; P]; c];
    let mut first = vec![[0usize; P]; m];
    for start in (0..n).step_by(P) {
        let len = P.min(n - start);
        // The block's points dim by dim, the last one repeated into lanes past the end.
        for lane in 0..P {
            let i = start + lane.min(len - 1);
            for j in 0..c {
                xb[j][lane] = points[i * c + j];
            }
            for d in 0..m {
                first[d][lane] = cat_index[i * m + d] as usize;
            }
        }
        let mut best = [f64::NEG_INFINITY; P];
        for (k, row) in acc.iter_mut().enumerate() {
            let mut s = [base[k]; P];
            let mu = &mus[k * c..(k + 1) * c];
            let hp = &half_precision[k * c..(k + 1) * c];
            for j in 0..c {
                let x = &xb[j];
                for lane in 0..P {
                    let z = x[lane] - mu[j];
                    s[lane] -= hp[j] * z * z;
                }
            }
            for d in 0..m {
                let offset = k * strides[d];
                for lane in 0..P {
                    s[lane] += cat_log_probs[first[d][lane] + offset];
                }
            }
            for lane in 0..P {
                // As `if s > best { best = s }`: NaN never becomes the best, ties keep the first.
                best[lane] = if s[lane] > best[lane] { s[lane] } else { best[lane] };
            }
            *row = s;
        }
        let mut floor = [0.0; P];
        for lane in 0..P {
            floor[lane] = best[lane] - NEGLIGIBLE;
        }
        let mut sum = [0.0f64; P];
        for row in acc.iter() {
            for lane in 0..P {
                let a = row[lane];
                let e = exp_nonpositive(a - best[lane]);
                sum[lane] += if a >= floor[lane] { e } else { 0.0 };
            }
        }
        for lane in 0..len {
            let i = start + lane;
            out[2 * i] = best[lane];
            out[2 * i + 1] = if best[lane] == f64::NEG_INFINITY { 0.0 } else { sum[lane] };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each entry of `row` becomes exp(a − best) if a ≥ best − NEGLIGIBLE, else 0.
    fn exp_row(row: &mut [f64], best: f64) {
        let floor = best - NEGLIGIBLE;
        for a in row.iter_mut() {
            let e = exp_nonpositive(*a - best);
            *a = if *a >= floor { e } else { 0.0 };
        }
    }

    /// The loop as first written, the reference the blocked one must match bit for bit: each
    /// point's kernel terms (dropping a kernel as soon as it falls NEGLIGIBLE below the best so far,
    /// exactly as parzen.ts), their exponentials, then each point's sum in kernel order.
    #[allow(clippy::too_many_arguments)]
    fn terms_reference(
        points: &[f64],
        mus: &[f64],
        half_precision: &[f64],
        base: &[f64],
        cat_log_probs: &[f64],
        cat_index: &[f64],
        strides: &[f64],
        c: usize,
        acc: &mut [f64],
        out: &mut [f64],
    ) {
        let nk = base.len();
        let m = strides.len();
        let n = out.len() / 2;
        if nk == 0 {
            for pair in out.chunks_exact_mut(2) {
                pair[0] = f64::NEG_INFINITY;
                pair[1] = 0.0;
            }
            return;
        }
        for (i, row) in acc.chunks_exact_mut(nk).take(n).enumerate() {
            let x = &points[i * c..(i + 1) * c];
            let cats = &cat_index[i * m..(i + 1) * m];
            let mut best = f64::NEG_INFINITY;
            'kernels: for k in 0..nk {
                let floor = best - NEGLIGIBLE;
                let mut s = base[k];
                let row_mu = &mus[k * c..(k + 1) * c];
                let row_hp = &half_precision[k * c..(k + 1) * c];
                for j in 0..c {
                    let z = x[j] - row_mu[j];
                    s -= row_hp[j] * z * z;
                    if s < floor {
                        row[k] = s;
                        continue 'kernels;
                    }
                }
                for d in 0..m {
                    s += cat_log_probs[cats[d] as usize + k * strides[d] as usize];
                }
                row[k] = s;
                if s > best {
                    best = s;
                }
            }
            out[2 * i] = best;
            if best == f64::NEG_INFINITY {
                row.fill(0.0);
            } else {
                exp_row(row, best);
            }
        }
        let rows = &acc[..n * nk];
        for first in (0..n).step_by(4) {
            let mut sums = [0.0f64; 4];
            if first + 4 <= n {
                let [r0, r1, r2, r3] =
                    [0, 1, 2, 3].map(|j| &rows[(first + j) * nk..(first + j + 1) * nk]);
                for k in 0..nk {
                    sums[0] += r0[k];
                    sums[1] += r1[k];
                    sums[2] += r2[k];
                    sums[3] += r3[k];
                }
            } else {
                for (j, s) in sums.iter_mut().enumerate().take(n - first) {
                    for &v in &rows[(first + j) * nk..(first + j + 1) * nk] {
                        *s += v;
                    }
                }
            }
            for (j, s) in sums.iter().enumerate().take(n - first) {
                out[2 * (first + j) + 1] = *s;
            }
        }
    }


    /// fdlibm's `__ieee754_exp` as written (V8's `Math.exp`), the reference for `exp_nonpositive`.
    #[inline]
    fn exp_fdlibm(x: f64) -> f64 {
        const LN2_HI: [f64; 2] = [6.93147180369123816490e-01, -6.93147180369123816490e-01];
        const LN2_LO: [f64; 2] = [1.90821492927058770002e-10, -1.90821492927058770002e-10];
        const HALF: [f64; 2] = [0.5, -0.5];
        const INV_LN2: f64 = 1.44269504088896338700e+00;
        const P1: f64 = 1.66666666666666019037e-01;
        const P2: f64 = -2.77777777770155933842e-03;
        const P3: f64 = 6.61375632143793436117e-05;
        const P4: f64 = -1.65339022054652515390e-06;
        const P5: f64 = 4.13813679705723846039e-08;
        let bits = x.to_bits();
        let sign = (bits >> 63) as usize;
        let high = ((bits >> 32) as u32) & 0x7fff_ffff;
        if high >= 0x4086_2E42 {
            // |x| ≥ 709.78, ±inf or NaN: outside what the mixture produces; the platform agrees here.
            return x.exp();
        }
        if high < 0x3e30_0000 {
            return 1.0 + x;
        }
        let (x, hi, lo, k) = if high <= 0x3fd6_2e42 {
            (x, 0.0, 0.0, 0)
        } else {
            let (hi, lo, k) = if high < 0x3FF0_A2B2 {
                (x - LN2_HI[sign], LN2_LO[sign], 1 - 2 * sign as i32)
            } else {
                let k = (INV_LN2 * x + HALF[sign]) as i32;
                let t = k as f64;
                (x - t * LN2_HI[0], t * LN2_LO[0], k)
            };
            (hi - lo, hi, lo, k)
        };
        let t = x * x;
        let c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
        if k == 0 {
            return 1.0 - ((x * c) / (c - 2.0) - x);
        }
        let y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
        // 2^k is a normal number for every k reached from x ≥ −745 + ln 2 · 1021; below, scale twice.
        if k >= -1021 {
            y * f64::from_bits(((0x3ff + k) as u64) << 52)
        } else {
            y * f64::from_bits(((0x3ff + k + 1000) as u64) << 52)
                * f64::from_bits(((0x3ff - 1000) as u64) << 52)
        }
    }

    #[test]
    fn exp_matches_the_platform_to_an_ulp() {
        let mut x = 0.0f64;
        while x > -740.0 {
            let (a, b) = (exp_fdlibm(x), x.exp());
            assert!(
                (a - b).abs() <= 2.0 * f64::EPSILON * b,
                "exp({x}) = {a} vs {b}"
            );
            x -= 0.0137;
        }
        assert_eq!(exp_fdlibm(0.0), 1.0);
    }

    #[test]
    fn branchless_exp_is_fdlibm_bit_for_bit() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let check = |x: f64| {
            assert_eq!(
                exp_nonpositive(x).to_bits(),
                exp_fdlibm(x).to_bits(),
                "exp({x:e})"
            )
        };
        for _ in 0..2_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            check(-50.0 * u);
            check(-2.0 * u);
            check(-u * 1e-6);
        }
        // The branch boundaries of fdlibm (high words 0x3fd62e42, 0x3FF0A2B2, 0x3e300000) and zero.
        for high in [
            0x3fd6_2e42u64,
            0x3fd6_2e43,
            0x3ff0_a2b1,
            0x3ff0_a2b2,
            0x3e2f_ffff,
            0x3e30_0000,
        ] {
            for low in [0u64, 1, 0x8000_0000, 0xffff_ffff] {
                check(-f64::from_bits((high << 32) | low));
            }
        }
        check(0.0);
        check(-0.0);
        check(-50.0);
    }

    #[test]
    fn mixture_of_one_kernel_is_its_term() {
        let mut out = [0.0; 2];
        // (one point, two kernels)
        terms(&[0.5], &[0.0, 3.0], &[0.5, 0.5], &[0.0, -1.0], &[], &[], &[], 1, &mut out);
        assert_eq!(out[0], -0.125);
        let other = -1.0 - 0.5 * 2.5 * 2.5;
        assert!((out[1] - (1.0 + (other + 0.125f64).exp())).abs() < 1e-15);
    }

    /// A uniform draw in [0, 1) from an xorshift state.
    fn uniform(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn blocked_loop_is_the_reference_bit_for_bit() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut r = || uniform(&mut state);
        for case in 0..3000 {
            let nk = (r() * 300.0) as usize;
            let n = 1 + (r() * 30.0) as usize;
            let c = (r() * 4.0) as usize;
            let m = if c == 0 { 1 + (r() * 2.0) as usize } else { (r() * 3.0) as usize };
            // Points and kernels from packed (most kernels within 50 of the best) to spread out (most dropped).
            let spread = [0.1, 1.0, 10.0, 100.0][case % 4];
            let points: Vec<f64> = (0..n * c).map(|_| (r() - 0.5) * spread).collect();
            let mus: Vec<f64> = (0..nk * c).map(|_| (r() - 0.5) * spread).collect();
            let hp: Vec<f64> = (0..nk * c).map(|_| 0.5 / (0.01 + r()).powi(2)).collect();
            // A few kernels of weight zero (log weight −∞) and a tie of signed zeros.
            let base: Vec<f64> = (0..nk)
                .map(|k| match (k, r()) {
                    (_, u) if u < 0.02 => f64::NEG_INFINITY,
                    (0 | 1, _) if case % 7 == 0 => if k == 0 { -0.0 } else { 0.0 },
                    (_, u) => -(nk as f64 + 1.0).ln() - u * 5.0,
                })
                .collect();
            let choices: Vec<usize> = (0..m).map(|_| 1 + (r() * 5.0) as usize).collect();
            let mut cat_log_probs = vec![];
            let mut offsets = vec![];
            for &ch in &choices {
                offsets.push(cat_log_probs.len());
                for _ in 0..nk.max(1) * ch {
                    cat_log_probs.push((r() + 1e-9).ln() * 3.0);
                }
            }
            let strides: Vec<f64> = choices.iter().map(|&x| x as f64).collect();
            let cat_index: Vec<f64> = (0..n * m)
                .map(|t| (offsets[t % m] + (r() * choices[t % m] as f64) as usize) as f64)
                .collect();
            let mut acc = vec![0.0; n * nk];
            let mut expected = vec![0.0; 2 * n];
            terms_reference(&points, &mus, &hp, &base, &cat_log_probs, &cat_index, &strides, c, &mut acc, &mut expected);
            let mut got = vec![f64::NAN; 2 * n];
            terms(&points, &mus, &hp, &base, &cat_log_probs, &cat_index, &strides, c, &mut got);
            let mut generic = vec![f64::NAN; 2 * n];
            let mut scratch = vec![[0.0; P]; nk];
            terms_blocked(&points, &mus, &hp, &base, &cat_log_probs, &cat_index, &strides, c, &mut generic, &mut scratch);
            for i in 0..2 * n {
                assert_eq!(got[i].to_bits(), expected[i].to_bits(), "case {case}: out[{i}] {} vs {} (n {n}, K {nk}, c {c}, m {m})", got[i], expected[i]);
                assert_eq!(generic[i].to_bits(), expected[i].to_bits(), "case {case} (no SIMD): out[{i}]");
            }
        }
    }
}
