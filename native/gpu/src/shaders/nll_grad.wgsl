// Main-bin Poisson part of −logpdf and its gradient for a batch of (parameters, dataset) items.
// One workgroup per item; phases separated by storage barriers:
//   1. per sample: sample-wide factors f_k, f'_k and their product P_s;
//      per sample-bin: base_sb = nominal + Σ histosys Δ and Q_sb = Π per-bin factors;
//   2. per main bin: ν_b = Σ_s P_s·Q_sb·base_sb, the deviance d(n_b, ν_b) and w_b = ∂d/∂ν_b;
//   3. per sample: S_s = Σ_b w_b·Q_sb·base_sb;
//   4. per parameter: ∂/∂θ_k as a fixed-order sum over the terms that involve θ_k.
// Every sum runs in a fixed order, so the result is bit-for-bit reproducible on one device.
// The header (generated in Rust) defines `real`, the table offsets and sizes, and the
// interpolation codes; the prelude defines real_exp/real_ln.

@group(0) @binding(0) var<storage, read> model_index: array<u32>;
@group(0) @binding(1) var<storage, read> model_value: array<real>;
@group(0) @binding(2) var<storage, read> observed: array<real>;
@group(0) @binding(3) var<storage, read> pars: array<real>;
@group(0) @binding(4) var<storage, read> item_dataset: array<u32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<real>;
@group(0) @binding(6) var<storage, read_write> result: array<real>;

// Start of this item's value table: 0 for one model; for candidate binnings of one structure
// (VALUE_STRIDE > 0) each dataset index is also a model, whose value table starts at
// dataset · VALUE_STRIDE.
var<private> value0: u32;

// Bit 0: some ν_b = 0 with n_b > 0 (−logpdf = +∞); bit 1: some ν_b < 0 with n_b > 0 (NaN).
var<workgroup> domain_flags: atomic<u32>;

struct ValueSlope {
    value: real,
    slope: real,
}

// ln(a / b) for a, b > 0; near a = b through 2·atanh((a − b)/(a + b)), which keeps the
// relative precision of the small result that a plain log(a / b) would lose.
fn ln_ratio(a: real, b: real) -> real {
    let z = (a - b) / (a + b);
    if (abs(z) < 0.172) {
        let z2 = z * z;
        var s: real = 1.0 / real(2u * ATANH_TERMS + 1u);
        for (var j: i32 = i32(ATANH_TERMS) - 1; j >= 0; j = j - 1) {
            s = s * z2 + 1.0 / real(2 * j + 1);
        }
        return 2.0 * z * s;
    }
    return real_ln(a / b);
}

// Normsys factor κ(α) of scalar entry e (code1 or code4); constants at 10·e:
// up, down, ln up, ln down, c0..c5.
fn normsys(e: u32, alpha: real) -> ValueSlope {
    let c = value0 + OFF_SCALAR_VALUES + 10u * e;
    let ln_up = model_value[c + 2u];
    let ln_down = model_value[c + 3u];
    if (NORMSYS_CODE == 4u && abs(alpha) < 1.0) {
        let a = alpha;
        let a2 = a * a;
        let a3 = a2 * a;
        let a4 = a3 * a;
        let a5 = a4 * a;
        let a6 = a5 * a;
        let v = 1.0 + (model_value[c + 4u] * a + model_value[c + 5u] * a2 + model_value[c + 6u] * a3
            + model_value[c + 7u] * a4 + model_value[c + 8u] * a5 + model_value[c + 9u] * a6);
        let dv = model_value[c + 4u] + 2.0 * model_value[c + 5u] * a + 3.0 * model_value[c + 6u] * a2
            + 4.0 * model_value[c + 7u] * a3 + 5.0 * model_value[c + 8u] * a4 + 6.0 * model_value[c + 9u] * a5;
        return ValueSlope(v, dv);
    }
    // Code1's kink at α = 0 takes the slope from above, as the engine does.
    if (alpha == 0.0) {
        return ValueSlope(1.0, ln_up);
    }
    if (alpha > 0.0) {
        let v = real_exp(alpha * ln_up);
        return ValueSlope(v, v * ln_up);
    }
    let v = real_exp(-alpha * ln_down);
    return ValueSlope(v, -v * ln_down);
}

// Histosys change Δ(α) of histosys entry e (code0, code2 or code4p); constants at 4·e:
// code0 and code4p: up, down (, s, a); code2: a, b.
fn histosys(e: u32, alpha: real) -> ValueSlope {
    let c = value0 + OFF_HISTOSYS_VALUES + 4u * e;
    let p0 = model_value[c];
    let p1 = model_value[c + 1u];
    if (HISTOSYS_CODE == 0u) {
        if (alpha >= 0.0) {
            return ValueSlope(alpha * p0, p0);
        }
        return ValueSlope(alpha * p1, p1);
    }
    if (HISTOSYS_CODE == 2u) {
        if (alpha > 1.0) {
            return ValueSlope((alpha - 1.0) * (p1 + 2.0 * p0), p1 + 2.0 * p0);
        }
        if (alpha >= -1.0) {
            return ValueSlope(alpha * alpha * p0 + alpha * p1, 2.0 * p0 * alpha + p1);
        }
        return ValueSlope(alpha * (p1 - 2.0 * p0), p1 - 2.0 * p0);
    }
    // code4p
    if (alpha > 1.0) {
        return ValueSlope(alpha * p0, p0);
    }
    if (alpha < -1.0) {
        return ValueSlope(alpha * p1, p1);
    }
    let s = model_value[c + 2u];
    let a = model_value[c + 3u];
    let a2 = alpha * alpha;
    let poly = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0);
    let dpoly = alpha * (a2 * (a2 * 18.0 - 40.0) + 30.0);
    return ValueSlope(poly * a + alpha * s, dpoly * a + s);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let item = group.x;
    let p0 = item * N_PARS;
    let sc = item * SCRATCH_STRIDE;
    let n0 = item_dataset[item] * N_MAIN;
    value0 = item_dataset[item] * VALUE_STRIDE;
    let out0 = item * RESULT_STRIDE;
    if (t == 0u) {
        atomicStore(&domain_flags, 0u);
    }
    workgroupBarrier();

    // 1a. Sample-wide factors.
    for (var s: u32 = t; s < N_SAMPLES; s = s + WORKGROUP_SIZE) {
        var product: real = 1.0;
        let first = model_index[OFF_SAMPLE_SCALAR_START + s];
        let last = model_index[OFF_SAMPLE_SCALAR_START + s + 1u];
        for (var e: u32 = first; e < last; e = e + 1u) {
            let alpha = pars[p0 + model_index[OFF_SCALAR_PAR + e]];
            var f = ValueSlope(alpha, 1.0);
            if (model_index[OFF_SCALAR_KIND + e] == 1u) {
                f = normsys(e, alpha);
            }
            scratch[sc + SCR_FACTOR + e] = f.value;
            scratch[sc + SCR_FACTOR_SLOPE + e] = f.slope;
            product = product * f.value;
        }
        scratch[sc + SCR_SAMPLE_PRODUCT + s] = product;
    }
    // 1b. Per sample-bin base yield and per-bin factor product.
    for (var sb: u32 = t; sb < N_SAMPLE_BINS; sb = sb + WORKGROUP_SIZE) {
        var base = model_value[value0 + OFF_NOMINAL + sb];
        let h_first = model_index[OFF_SB_HISTOSYS_START + sb];
        let h_last = model_index[OFF_SB_HISTOSYS_START + sb + 1u];
        for (var e: u32 = h_first; e < h_last; e = e + 1u) {
            base = base + histosys(e, pars[p0 + model_index[OFF_HISTOSYS_PAR + e]]).value;
        }
        var q: real = 1.0;
        let f_first = model_index[OFF_SB_BINFACTOR_START + sb];
        let f_last = model_index[OFF_SB_BINFACTOR_START + sb + 1u];
        for (var e: u32 = f_first; e < f_last; e = e + 1u) {
            q = q * pars[p0 + model_index[OFF_BINFACTOR_PAR + e]];
        }
        scratch[sc + SCR_BASE + sb] = base;
        scratch[sc + SCR_BIN_PRODUCT + sb] = q;
    }
    storageBarrier();

    // 2. Rates, deviances (one fixed-order partial sum per invocation) and weights.
    var deviance: real = 0.0;
    for (var b: u32 = t; b < N_MAIN; b = b + WORKGROUP_SIZE) {
        var nu: real = 0.0;
        let first = model_index[OFF_BIN_SB_START + b];
        let last = model_index[OFF_BIN_SB_START + b + 1u];
        for (var i: u32 = first; i < last; i = i + 1u) {
            let sb = model_index[OFF_BIN_SB + i];
            let s = model_index[OFF_SB_SAMPLE + sb];
            nu = nu + scratch[sc + SCR_SAMPLE_PRODUCT + s] * scratch[sc + SCR_BIN_PRODUCT + sb] * scratch[sc + SCR_BASE + sb];
        }
        let n = observed[n0 + b];
        var w: real = 1.0;
        if (n == 0.0) {
            deviance = deviance + nu;
        } else if (nu > 0.0) {
            deviance = deviance + ((nu - n) - n * ln_ratio(nu, n));
            w = 1.0 - n / nu;
        } else {
            if (nu == 0.0) {
                atomicOr(&domain_flags, 1u);
            } else {
                atomicOr(&domain_flags, 2u);
            }
            w = 0.0;
        }
        scratch[sc + SCR_WEIGHT + b] = w;
    }
    result[out0 + t] = deviance;
    storageBarrier();

    // 3. Per-sample weighted sums for the sample-wide factors.
    for (var s: u32 = t; s < N_SAMPLES; s = s + WORKGROUP_SIZE) {
        var sum: real = 0.0;
        let first = model_index[OFF_SAMPLE_SB_START + s];
        let last = model_index[OFF_SAMPLE_SB_START + s + 1u];
        for (var sb: u32 = first; sb < last; sb = sb + 1u) {
            let b = model_index[OFF_SB_BIN + sb];
            sum = sum + scratch[sc + SCR_WEIGHT + b] * scratch[sc + SCR_BIN_PRODUCT + sb] * scratch[sc + SCR_BASE + sb];
        }
        scratch[sc + SCR_SAMPLE_SUM + s] = sum;
    }
    storageBarrier();

    // 4. Gradient, one parameter per invocation.
    for (var k: u32 = t; k < N_PARS; k = k + WORKGROUP_SIZE) {
        var g: real = 0.0;
        let first = model_index[OFF_PAR_TERM_START + k];
        let last = model_index[OFF_PAR_TERM_START + k + 1u];
        for (var i: u32 = first; i < last; i = i + 1u) {
            let kind = model_index[OFF_PAR_TERMS + 2u * i];
            let e = model_index[OFF_PAR_TERMS + 2u * i + 1u];
            if (kind == 0u) {
                // ∂ν_sb/∂f_e = (Π_{j≠e} f_j)·Q_sb·base_sb, summed over the sample's bins in S_s.
                let s = model_index[OFF_SCALAR_SAMPLE + e];
                var others: real = 1.0;
                let j_first = model_index[OFF_SAMPLE_SCALAR_START + s];
                let j_last = model_index[OFF_SAMPLE_SCALAR_START + s + 1u];
                for (var j: u32 = j_first; j < j_last; j = j + 1u) {
                    if (j != e) {
                        others = others * scratch[sc + SCR_FACTOR + j];
                    }
                }
                g = g + scratch[sc + SCR_SAMPLE_SUM + s] * others * scratch[sc + SCR_FACTOR_SLOPE + e];
            } else if (kind == 1u) {
                let sb = model_index[OFF_BINFACTOR_SB + e];
                let s = model_index[OFF_SB_SAMPLE + sb];
                let b = model_index[OFF_SB_BIN + sb];
                var others: real = 1.0;
                let j_first = model_index[OFF_SB_BINFACTOR_START + sb];
                let j_last = model_index[OFF_SB_BINFACTOR_START + sb + 1u];
                for (var j: u32 = j_first; j < j_last; j = j + 1u) {
                    if (j != e) {
                        others = others * pars[p0 + model_index[OFF_BINFACTOR_PAR + j]];
                    }
                }
                g = g + scratch[sc + SCR_WEIGHT + b] * scratch[sc + SCR_SAMPLE_PRODUCT + s] * others * scratch[sc + SCR_BASE + sb];
            } else {
                let sb = model_index[OFF_HISTOSYS_SB + e];
                let s = model_index[OFF_SB_SAMPLE + sb];
                let b = model_index[OFF_SB_BIN + sb];
                let slope = histosys(e, pars[p0 + k]).slope;
                g = g + scratch[sc + SCR_WEIGHT + b] * scratch[sc + SCR_SAMPLE_PRODUCT + s] * scratch[sc + SCR_BIN_PRODUCT + sb] * slope;
            }
        }
        result[out0 + WORKGROUP_SIZE + k] = g;
    }
    workgroupBarrier();
    if (t == 0u) {
        result[out0 + WORKGROUP_SIZE + N_PARS] = real(atomicLoad(&domain_flags));
    }
}
