/**
 * Standard normal CDF machinery in log space, accurate far into the tails (TPE evaluates truncated
 * normals whose bounds can sit tens of sigmas from the mean).
 */

const SQRT2 = Math.SQRT2
const SQRT_PI = Math.sqrt(Math.PI)
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/** erf by its Taylor series; used for |x| < 2 where it converges fast and cancels little. */
function erfSeries(x: number): number {
  const x2 = x * x
  let term = x
  let sum = x
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n
    const add = term / (2 * n + 1)
    sum += add
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
  }
  return (2 / Math.sqrt(Math.PI)) * sum
}

/** x·√π·exp(x²)·erfc(x) for x > 0 by its continued fraction with `terms` terms. */
function scaledErfcxContinuedFraction(x: number, terms: number): number {
  let t = x
  for (let n = terms; n >= 1; n--) t = x + n / 2 / t
  return x / t
}

interface ChebyshevPiece {
  a: number
  b: number
  c: Float64Array
}

/** Chebyshev interpolant of f on [a, b] with n terms (f at the Chebyshev nodes, compensated sums). */
function chebyshevPiece(f: (x: number) => number, a: number, b: number, n: number): ChebyshevPiece {
  const fx = Array.from({ length: n }, (_, k) => f(0.5 * (a + b) + 0.5 * (b - a) * Math.cos((Math.PI * (k + 0.5)) / n)))
  const c = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    let sum = 0
    let compensation = 0
    for (let k = 0; k < n; k++) {
      const y = fx[k]! * Math.cos((Math.PI * j * (k + 0.5)) / n) - compensation
      const t = sum + y
      compensation = t - sum - y
      sum = t
    }
    c[j] = (2 / n) * sum
  }
  return { a, b, c }
}

function chebyshevValue({ a, b, c }: ChebyshevPiece, x: number): number {
  const t = (2 * x - a - b) / (b - a)
  const t2 = 2 * t
  let b1 = 0
  let b2 = 0
  for (let j = c.length - 1; j >= 1; j--) {
    const b0 = c[j]! + t2 * b1 - b2
    b2 = b1
    b1 = b0
  }
  return t * b1 - b2 + 0.5 * c[0]!
}

// Below x = 8 the continued fraction needs 25–90 divisions; x·√π·erfcx(x) is smooth and close to 1
// there, so Chebyshev series fitted once to the converged fraction replace it (to ~3e-15 relative).
const ERFCX_PIECES = [
  [2, 3, 22],
  [3, 4.5, 20],
  [4.5, 8, 20],
].map(([a, b, n]) => chebyshevPiece((x) => scaledErfcxContinuedFraction(x, 400), a!, b!, n!))

/** Scaled complementary error function exp(x²)·erfc(x) for x ≥ 2. */
function erfcxLarge(x: number): number {
  if (x < 8) return chebyshevValue(x < 3 ? ERFCX_PIECES[0]! : x < 4.5 ? ERFCX_PIECES[1]! : ERFCX_PIECES[2]!, x) / (x * SQRT_PI)
  let t = x
  for (let n = 12; n >= 1; n--) t = x + n / 2 / t
  return 1 / (SQRT_PI * t)
}

export function erf(x: number): number {
  if (Math.abs(x) < 2) return erfSeries(x)
  const c = Math.exp(-x * x) * erfcxLarge(Math.abs(x))
  return x > 0 ? 1 - c : c - 1
}

export function erfc(x: number): number {
  if (x >= 2) return Math.exp(-x * x) * erfcxLarge(x)
  if (x <= -2) return 2 - Math.exp(-x * x) * erfcxLarge(-x)
  return 1 - erfSeries(x)
}

/** Φ(x). */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x / SQRT2)
}

/** log Φ(x), accurate for very negative x. */
export function logNdtr(x: number): number {
  if (x > 6) return Math.log1p(-0.5 * erfc(x / SQRT2))
  const z = -x / SQRT2
  if (z < 2) return Math.log(0.5 * erfc(z))
  return Math.log(0.5) - z * z + Math.log(erfcxLarge(z))
}

/** log φ(x). */
export function logNormalPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI
}

// Acklam's rational approximation to Φ⁻¹, refined below by Newton steps.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]

function acklam(p: number): number {
  const pLow = 0.02425
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1)
  }
  if (p > 1 - pLow) return -acklam(1 - p)
  const q = p - 0.5
  const r = q * q
  return ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
}

/** Φ⁻¹(p). */
export function ndtri(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  let x = acklam(p)
  for (let i = 0; i < 2; i++) {
    const e = ndtr(x) - p
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x)
    x = x - u / (1 + 0.5 * x * u)
  }
  return x
}

/** Φ⁻¹(exp(y)) for y ≤ 0, stable when exp(y) underflows. */
export function ndtriExp(y: number): number {
  if (y >= 0) return Infinity
  if (y > -3.5) {
    const p = Math.exp(y)
    if (p < 0.9) return ndtri(p)
    return -ndtri(-Math.expm1(y))
  }
  // Left tail: start from the asymptote log Φ(x) ≈ −x²/2 − log(−x) − log √(2π), then Newton on log Φ.
  const t = -2 * y
  let x = -Math.sqrt(Math.max(t - Math.log(t) - Math.log(2 * Math.PI), 1e-8))
  for (let i = 0; i < 50; i++) {
    const lp = logNdtr(x)
    const slope = Math.exp(logNormalPdf(x) - lp)
    const dx = (lp - y) / slope
    x -= dx
    if (Math.abs(dx) < 1e-14 * Math.max(1, Math.abs(x))) break
  }
  return x
}

/** log(exp(a) − exp(b)) for a ≥ b. */
export function logDiffExp(a: number, b: number): number {
  if (b === -Infinity) return a
  return a + Math.log1p(-Math.exp(b - a))
}

export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  const m = Math.max(a, b)
  return m + Math.log1p(Math.exp(-Math.abs(a - b)))
}

/** log(Φ(b) − Φ(a)) for a ≤ b, evaluated on whichever side keeps precision. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiffExp(logNdtr(b), logNdtr(a))
  if (a > 0) return logDiffExp(logNdtr(-a), logNdtr(-b))
  return Math.log1p(-ndtr(a) - ndtr(-b))
}

/**
 * Quantile of the standard normal truncated to [a, b]. A caller that keeps them may pass its log
 * mass and `logTail`, the log mass below a if a < 0, else above b.
 */
export function truncnormPpf(q: number, a: number, b: number, logMass = logGaussMass(a, b), logTail = a < 0 ? logNdtr(a) : logNdtr(-b)): number {
  if (a < 0) {
    const logPhi = logAddExp(logTail, Math.log(q) + logMass)
    return Math.min(Math.max(ndtriExp(logPhi), a), b)
  }
  const logPhi = logAddExp(logTail, Math.log1p(-q) + logMass)
  return Math.min(Math.max(-ndtriExp(logPhi), a), b)
}
