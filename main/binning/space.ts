/**
 * Search spaces for binning optimisation. Each maps a point of a box of independent int/float
 * parameters (what TPE and the other samplers propose) to a binning, such that *every* point
 * decodes to a valid, strictly increasing binning — no rejected trials.
 *
 * Variable widths are encoded as one weight per bin, normalised: width_i ∝ weight_i on top of a
 * minimum. Unlike stick-breaking, the weights are exchangeable, so no bin is favoured a priori.
 * Weights of bins beyond `n_bins` are ignored (the box has fixed dimension for the sampler).
 */

import { checkCuts } from './histogram'

export interface ParameterSpec {
  name: string
  kind: 'int' | 'float'
  low: number
  high: number
}

export type ParameterValues = Record<string, number>

export interface SearchSpace<Binning> {
  parameters: ParameterSpec[]
  /** The binning of a point of the box. */
  decode(values: ParameterValues): Binning
  /** A point that decodes to `binning` (to seed a study with a baseline such as the DP optimum). */
  encode(binning: Binning): ParameterValues
}

function value(values: ParameterValues, spec: ParameterSpec): number {
  const v = values[spec.name]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`parameter ${spec.name} is missing or not a number`)
  if (v < spec.low || v > spec.high) throw new RangeError(`parameter ${spec.name} = ${v} is outside [${spec.low}, ${spec.high}]`)
  if (spec.kind === 'int' && !Number.isInteger(v)) throw new RangeError(`parameter ${spec.name} = ${v} must be an integer`)
  return v
}

function checkBinRange(minBins: number, maxBins: number): void {
  if (!Number.isInteger(minBins) || !Number.isInteger(maxBins) || minBins < 1 || maxBins < minBins) {
    throw new RangeError(`need integers 1 ≤ minBins ≤ maxBins, got ${minBins}, ${maxBins}`)
  }
}

const weightName = (i: number): string => `width_${i}`

function weightSpecs(maxBins: number): ParameterSpec[] {
  return Array.from({ length: maxBins }, (_, i) => ({ name: weightName(i), kind: 'float' as const, low: 0, high: 1 }))
}

/** Normalised shares of the first n weights; equal shares when they are all zero. */
function shares(values: ParameterValues, specs: ParameterSpec[], n: number): number[] {
  const weights = specs.slice(0, n).map((spec) => value(values, spec))
  const total = weights.reduce((a, w) => a + w, 0)
  return total > 0 ? weights.map((w) => w / total) : weights.map(() => 1 / n)
}

/** Weights for the given extra amounts (largest = 1), padded with 1 for unused bins. */
function weightsFor(extras: number[], maxBins: number): ParameterValues {
  const largest = Math.max(...extras)
  const out: ParameterValues = {}
  for (let i = 0; i < maxBins; i++) out[weightName(i)] = i < extras.length ? (largest > 0 ? Math.max(extras[i], 0) / largest : 1) : 1
  return out
}

export interface UniformSpaceOptions {
  xmin: number
  xmax: number
  minBins: number
  maxBins: number
  /** Smallest allowed hi − lo; 10% of the range unless given. */
  minSpan?: number
}

/**
 * Equal-width bins on a free sub-range: n_bins, and lo/hi encoded as lo_fraction (position of lo in
 * the room left for the minimum span) and span_fraction (share of the rest of the range up to xmax).
 */
export function uniformSpace(options: UniformSpaceOptions): SearchSpace<number[]> {
  const { xmin, xmax, minBins, maxBins } = options
  checkBinRange(minBins, maxBins)
  const range = xmax - xmin
  const minSpan = options.minSpan ?? range / 10
  if (!(range > 0) || !(minSpan > 0) || minSpan > range) throw new RangeError(`need xmin < xmax and 0 < minSpan ≤ ${range}`)
  const parameters: ParameterSpec[] = [
    { name: 'n_bins', kind: 'int', low: minBins, high: maxBins },
    { name: 'lo_fraction', kind: 'float', low: 0, high: 1 },
    { name: 'span_fraction', kind: 'float', low: 0, high: 1 },
  ]
  const [nSpec, loSpec, spanSpec] = parameters
  return {
    parameters,
    decode(values) {
      const n = value(values, nSpec)
      const lo = xmin + value(values, loSpec) * (range - minSpan)
      const hi = Math.min(lo + minSpan + value(values, spanSpec) * (xmax - lo - minSpan), xmax)
      const width = (hi - lo) / n
      return Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + i * width))
    },
    encode(edges) {
      const n = edges.length - 1
      const lo = edges[0]
      const hi = edges[n]
      const roomForLo = range - minSpan
      const roomForSpan = xmax - lo - minSpan
      return {
        n_bins: n,
        lo_fraction: roomForLo > 0 ? (lo - xmin) / roomForLo : 0,
        span_fraction: roomForSpan > 0 ? (hi - lo - minSpan) / roomForSpan : 0,
      }
    },
  }
}

export interface VariableWidthSpaceOptions {
  xmin: number
  xmax: number
  minBins: number
  maxBins: number
  /** Smallest bin width; must be positive (a weight of 0 gives exactly this width). */
  minWidth: number
}

/** Free variable-width edges spanning [xmin, xmax]: n_bins and one width weight per bin. */
export function variableWidthSpace(options: VariableWidthSpaceOptions): SearchSpace<number[]> {
  const { xmin, xmax, minBins, maxBins, minWidth } = options
  checkBinRange(minBins, maxBins)
  const range = xmax - xmin
  if (!(range > 0)) throw new RangeError(`need xmin < xmax, got [${xmin}, ${xmax}]`)
  if (!(minWidth > 0) || maxBins * minWidth > range) {
    throw new RangeError(`minWidth must be positive and fit ${maxBins} times into ${range}, got ${minWidth}`)
  }
  const nSpec: ParameterSpec = { name: 'n_bins', kind: 'int', low: minBins, high: maxBins }
  const weights = weightSpecs(maxBins)
  return {
    parameters: [nSpec, ...weights],
    decode(values) {
      const n = value(values, nSpec)
      const free = range - n * minWidth
      const edges = [xmin]
      let share = 0
      for (const s of shares(values, weights, n)) {
        share += s
        edges.push(xmin + edges.length * minWidth + free * share)
      }
      edges[n] = xmax
      return edges
    },
    encode(edges) {
      const n = edges.length - 1
      return { n_bins: n, ...weightsFor(edges.slice(1).map((e, i) => e - edges[i] - minWidth), maxBins) }
    },
  }
}

export interface MergeSpaceOptions {
  /** Number of fine bins to merge. */
  nFine: number
  minBins: number
  maxBins: number
  /** Smallest number of fine bins per merged bin (1 unless given). */
  minFineBins?: number
}

/** Integer fine-bin counts from shares by the largest-remainder method; they sum to `total`. */
function allocate(total: number, fractions: number[]): number[] {
  // The small tolerance keeps exact shares (from `encode`) from losing a unit to rounding.
  const exact = fractions.map((f) => f * total)
  const counts = exact.map((x) => Math.floor(x + 1e-9))
  let left = total - counts.reduce((a, c) => a + c, 0)
  const order = exact.map((x, i) => ({ i, remainder: x - counts[i] })).sort((a, b) => b.remainder - a.remainder || a.i - b.i)
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k].i]++
  return counts
}

/** Contiguous merges of a fine binning into n_bins bins: cuts (fine-edge indices) from 0 to nFine. */
export function mergeSpace(options: MergeSpaceOptions): SearchSpace<number[]> {
  const { nFine, minBins, maxBins } = options
  const minFineBins = options.minFineBins ?? 1
  checkBinRange(minBins, maxBins)
  if (!Number.isInteger(minFineBins) || minFineBins < 1 || maxBins * minFineBins > nFine) {
    throw new RangeError(`cannot merge ${nFine} fine bins into up to ${maxBins} bins of at least ${minFineBins}`)
  }
  const nSpec: ParameterSpec = { name: 'n_bins', kind: 'int', low: minBins, high: maxBins }
  const weights = weightSpecs(maxBins)
  return {
    parameters: [nSpec, ...weights],
    decode(values) {
      const n = value(values, nSpec)
      const counts = allocate(nFine - n * minFineBins, shares(values, weights, n))
      const cuts = [0]
      for (const c of counts) cuts.push(cuts[cuts.length - 1] + minFineBins + c)
      return cuts
    },
    encode(cuts) {
      checkCuts(cuts, nFine)
      const n = cuts.length - 1
      return { n_bins: n, ...weightsFor(cuts.slice(1).map((c, i) => c - cuts[i] - minFineBins), maxBins) }
    },
  }
}
