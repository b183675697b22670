/**
 * Asimov discovery significance of one counting bin (Cowan, Cranmer, Gross, Vitells,
 * arXiv:1007.1727), with and without an absolute background uncertainty σ_b.
 * Independent bins combine in quadrature: Z = sqrt(Σ Z_i²).
 */

/** Z_A = sqrt(2((s+b) ln(1+s/b) − s)); 0 when s ≤ 0, +∞ when b ≤ 0 < s. */
export function asimovZ(s: number, b: number): number {
  if (!(s > 0)) return 0
  if (!(b > 0)) return Infinity
  const q = 2 * ((s + b) * Math.log1p(s / b) - s)
  return Math.sqrt(Math.max(q, 0))
}

/**
 * Z_A with background uncertainty σ_b (Cowan's counting-experiment formula):
 * sqrt(2[(s+b) ln((s+b)(b+σ²)/(b²+(s+b)σ²)) − (b²/σ²) ln(1 + σ²s/(b(b+σ²)))]).
 */
export function asimovZWithUncertainty(s: number, b: number, sigmaB: number): number {
  if (!(s > 0)) return 0
  if (!(b > 0)) return Infinity
  const v = sigmaB * sigmaB
  // Below this the two logarithms cancel to rounding noise; the σ_b → 0 limit is Z_A.
  if (v <= 1e-12 * b) return asimovZ(s, b)
  const n = s + b
  const first = n * Math.log((n * (b + v)) / (b * b + n * v))
  const second = ((b * b) / v) * Math.log1p((v * s) / (b * (b + v)))
  return Math.sqrt(Math.max(2 * (first - second), 0))
}

/** Quadrature sum of per-bin significances. */
export function combinedZ(perBin: readonly number[]): number {
  return Math.sqrt(perBin.reduce((acc, z) => acc + z * z, 0))
}
