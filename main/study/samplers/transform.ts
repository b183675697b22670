import { CategoricalDistribution, type Distribution, type NumericalDistribution } from '../distributions.js'

/**
 * The "transformed" space of a numerical distribution (Optuna's `_transform`): log scale for log
 * distributions, and bounds widened by half a step on each side for discrete ones, so that every
 * grid value owns an equal share of the interval.
 */
export function transformedBounds(dist: NumericalDistribution): [number, number] {
  let low = dist.low
  let high = dist.high
  if (dist.step !== null) {
    low -= dist.step / 2
    high += dist.step / 2
  }
  if (dist.log) return [Math.log(low), Math.log(high)]
  return [low, high]
}

export function toTransformed(dist: NumericalDistribution, internal: number): number {
  return dist.log ? Math.log(internal) : internal
}

/** Back from the transformed space to a valid internal value: exp, snap to the step grid, clip. */
export function fromTransformed(dist: NumericalDistribution, x: number): number {
  let v = dist.log ? Math.exp(x) : x
  if (dist.step !== null) {
    v = dist.low + Math.round((v - dist.low) / dist.step) * dist.step
    if (dist.kind === 'float') v = roundToStepPrecision(v, dist.step, dist.low)
  } else if (dist.kind === 'int') {
    v = Math.round(v)
  }
  return Math.min(Math.max(v, dist.low), dist.high)
}

/** Removes the floating-point noise that `low + k·step` picks up (0.30000000000000004 → 0.3). */
function roundToStepPrecision(v: number, step: number, low: number): number {
  const decimals = Math.max(decimalPlaces(step), decimalPlaces(low))
  return decimals < 15 ? Number(v.toFixed(decimals)) : v
}

function decimalPlaces(x: number): number {
  const s = String(x)
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0)
  return s.split('.')[1]?.length ?? 0
}

export function isCategorical(d: Distribution): d is CategoricalDistribution {
  return d instanceof CategoricalDistribution
}
