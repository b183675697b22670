// f32 path: the adapter's own exp/log (WGSL: log has 2^-21 absolute error on [0.5, 2], 3 ulp elsewhere).
alias real = f32;

// Terms of the atanh series in ln_ratio: |z| < 0.172 so z^12/13 < 2e-11, far below f32 rounding.
const ATANH_TERMS: u32 = 6u;

fn real_exp(x: f32) -> f32 {
    return exp(x);
}

fn real_ln(x: f32) -> f32 {
    return log(x);
}
