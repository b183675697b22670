// f64 path: SPIR-V's GLSL.std.450 Exp/Log are defined for 16/32-bit floats only, so the
// transcendentals come from f64math.wgsl (appended after this prelude).
alias real = f64;

// |z| < 0.172 so z^24/25 < 1.8e-20: below f64 rounding of the leading term.
const ATANH_TERMS: u32 = 13u;

fn real_exp(x: f64) -> f64 {
    return exp_f64(x);
}

fn real_ln(x: f64) -> f64 {
    return ln_f64(x);
}
