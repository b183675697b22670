/**
 * Adaptive Gauss–Legendre integration: a 20-point rule on an interval, compared with the rule on its
 * two halves; an interval is split until they agree to the requested relative accuracy.
 */

/** Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1] (Newton on Pₙ). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n)
  const weights = new Float64Array(n)
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5))
    let dp = 0
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1
      let p1 = x
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        p0 = p1
        p1 = p2
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1)
      const step = p1 / dp
      x -= step
      if (Math.abs(step) < 1e-16) break
    }
    nodes[i] = -x
    nodes[n - 1 - i] = x
    weights[i] = weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp)
  }
  return { nodes, weights }
}

const RULE = gaussLegendre(20)

function rule(f: (x: number) => number, a: number, b: number): number {
  const half = (b - a) / 2
  const mid = (a + b) / 2
  let sum = 0
  for (let i = 0; i < RULE.nodes.length; i++) sum += RULE.weights[i] * f(mid + half * RULE.nodes[i])
  return sum * half
}

/** ∫ₐᵇ f to `relTol` relative (plus a tiny absolute floor for integrals that vanish). */
export function integrate(f: (x: number) => number, a: number, b: number, relTol = 1e-13): number {
  if (a === b) return 0
  // An interval is accepted when its halves agree with it at two successive levels: across a kink a
  // single agreement can be a coincidence (seen: 6e-11 relative). A kink closer to an end than the
  // rule's outermost node (0.34 % of the width) stays unseen until the interval is small enough, so
  // densities with kinks are best integrated on cells that isolate them (shapes.ts does).
  const recurse = (lo: number, hi: number, whole: number, depth: number, scale: number, parentAgreed: boolean): number => {
    const mid = (lo + hi) / 2
    const left = rule(f, lo, mid)
    const right = rule(f, mid, hi)
    const halves = left + right
    const agreed = Math.abs(halves - whole) <= relTol * Math.max(Math.abs(halves), scale)
    if (depth >= 30 || (agreed && parentAgreed)) return halves
    return recurse(lo, mid, left, depth + 1, scale, agreed) + recurse(mid, hi, right, depth + 1, scale, agreed)
  }
  const whole = rule(f, a, b)
  // Parts are judged against ∫|f| over the whole interval, so flat tails (and integrals that cancel)
  // do not split forever.
  const magnitude = rule((x) => Math.abs(f(x)), a, b)
  return recurse(a, b, whole, 0, magnitude * 1e-3, false)
}
