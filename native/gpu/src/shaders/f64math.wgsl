// exp and ln in f64 from +, ×, ÷ and floor only (no GLSL.std.450 transcendentals).

// ln 2 split so that k·LN2_HI is exact for |k| < 2^11 (fdlibm's constants).
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+00;
const SQRT2: f64 = 1.41421356237309504880e+00;

// 2^k for |k| ≤ 1100 by binary powering (each product is exact until the result leaves range).
fn pow2_f64(k: i32) -> f64 {
    var result: f64 = 1.0;
    var base: f64 = 2.0;
    if (k < 0) {
        base = 0.5;
    }
    var m: u32 = u32(abs(k));
    while (m != 0u) {
        if ((m & 1u) != 0u) {
            result = result * base;
        }
        base = base * base;
        m = m >> 1u;
    }
    return result;
}

// e^x = 2^k · e^r with k = round(x / ln 2), |r| ≤ ln2/2; e^r by its Taylor series to r^17/17!
// (truncation < 2e-20 relative). Arguments are clamped to [-745, 709.7]: beyond, the result
// under- or overflows anyway, and the likelihood never needs it.
fn exp_f64(x_in: f64) -> f64 {
    let x = clamp(x_in, -745.0, 709.7);
    let kf = floor(x * INV_LN2 + 0.5);
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    var p: f64 = 1.0;
    for (var i: u32 = 17u; i >= 1u; i = i - 1u) {
        p = 1.0 + p * r / f64(i);
    }
    // Split the scaling so that 2^k never overflows before the product does (k up to 1024).
    let k = i32(kf);
    let k1 = k / 2;
    return p * pow2_f64(k1) * pow2_f64(k - k1);
}

// 2·atanh(z) = ln((1 + z)/(1 − z)) for |z| ≤ 0.172, by its odd series.
fn atanh2_f64(z: f64, terms: u32) -> f64 {
    let z2 = z * z;
    var s: f64 = 1.0 / f64(2u * terms + 1u);
    for (var j: i32 = i32(terms) - 1; j >= 0; j = j - 1) {
        s = s * z2 + 1.0 / f64(2 * j + 1);
    }
    return 2.0 * z * s;
}

// ln x for finite x > 0: x = 2^k · m with m in [1/√2, √2) by exact binary scaling (greedy over
// the bits of k), then ln m = 2·atanh((m − 1)/(m + 1)).
fn ln_f64(x: f64) -> f64 {
    var m = x;
    var k: i32 = 0;
    if (m >= 2.0) {
        if (m >= 0x1p512) {
            m = m * 0x1p-512;
            k = k + 512;
        }
        if (m >= 0x1p256) {
            m = m * 0x1p-256;
            k = k + 256;
        }
        if (m >= 0x1p128) {
            m = m * 0x1p-128;
            k = k + 128;
        }
        if (m >= 0x1p64) {
            m = m * 0x1p-64;
            k = k + 64;
        }
        if (m >= 0x1p32) {
            m = m * 0x1p-32;
            k = k + 32;
        }
        if (m >= 0x1p16) {
            m = m * 0x1p-16;
            k = k + 16;
        }
        if (m >= 0x1p8) {
            m = m * 0x1p-8;
            k = k + 8;
        }
        if (m >= 0x1p4) {
            m = m * 0x1p-4;
            k = k + 4;
        }
        if (m >= 0x1p2) {
            m = m * 0x1p-2;
            k = k + 2;
        }
        if (m >= 0x1p1) {
            m = m * 0x1p-1;
            k = k + 1;
        }
    } else if (m < 1.0) {
        if (m * 0x1p512 < 2.0) {
            m = m * 0x1p512;
            k = k - 512;
        }
        if (m * 0x1p256 < 2.0) {
            m = m * 0x1p256;
            k = k - 256;
        }
        if (m * 0x1p128 < 2.0) {
            m = m * 0x1p128;
            k = k - 128;
        }
        if (m * 0x1p64 < 2.0) {
            m = m * 0x1p64;
            k = k - 64;
        }
        if (m * 0x1p32 < 2.0) {
            m = m * 0x1p32;
            k = k - 32;
        }
        if (m * 0x1p16 < 2.0) {
            m = m * 0x1p16;
            k = k - 16;
        }
        if (m * 0x1p8 < 2.0) {
            m = m * 0x1p8;
            k = k - 8;
        }
        if (m * 0x1p4 < 2.0) {
            m = m * 0x1p4;
            k = k - 4;
        }
        if (m * 0x1p2 < 2.0) {
            m = m * 0x1p2;
            k = k - 2;
        }
        if (m * 0x1p1 < 2.0) {
            m = m * 0x1p1;
            k = k - 1;
        }
    }
    if (m > SQRT2) {
        m = m * 0.5;
        k = k + 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let kf = f64(k);
    return kf * LN2_HI + (atanh2_f64(z, 13u) + kf * LN2_LO);
}
