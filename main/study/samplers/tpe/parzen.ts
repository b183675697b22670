import { CategoricalDistribution, type Distribution, type NumericalDistribution } from '../../distributions.js'
import type { RandomState } from '../../rng.js'
import { fromTransformed, transformedBounds } from '../transform.js'
import { logGaussMass, logNdtr, truncnormPpf } from './normal.js'
import { heapAllocator, type Allocator } from './arena.js'
import type { KernelMemo, SubsetOrder } from './sorted-column.js'
import { nativeMixtureTerms } from './native-mixture.js'

export interface ParzenOptions {
  priorWeight: number
  considerMagicClip: boolean
  considerEndpoints: boolean
  /** Magic clip: minimum bandwidth = range · max(minBandwidthFactor, 1/(n_obs + 2)^bandwidthExponent). */
  minBandwidthFactor: number
  bandwidthExponent: number
}

interface NumericalKernels {
  kind: 'numerical'
  dist: NumericalDistribution
  low: number
  high: number
  mus: Float64Array
  sigmas: Float64Array
  logSigmas: Float64Array
  /** log of each kernel's mass over [low, high]: 0 where it is `interior`, else logGaussMass. */
  logNorm: Float64Array
  /** 1 where the kernel is more than INTERIOR_Z sigmas inside both bounds. */
  interior: Uint8Array
  /** The column memo that kernel k's terms are kept in at `slots[k]`, when built from a column. */
  memo: KernelMemo | undefined
  slots: Uint32Array | undefined
}

interface CategoricalKernels {
  kind: 'categorical'
  dist: CategoricalDistribution
  /** probs[k·C + c] */
  probs: Float64Array
  logProbs: Float64Array
  nChoices: number
}

type Kernels = NumericalKernels | CategoricalKernels

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)
/** Φ(−10) ≈ 7.6e−24: a kernel this many sigmas inside both bounds has log mass 0 to double precision. */
const INTERIOR_Z = 10
/**
 * Kernels whose log density falls this far below the best one at a point add less than e^−50 to
 * the mixture, so they are left out of the sum (and stop being evaluated as soon as they fall so far).
 */
const NEGLIGIBLE = 50

/** The continuous dims in kernel-major layout, for evaluating one kernel's product density in one pass. */
interface ContinuousBlock {
  /** Index of each continuous dim in `names`. */
  dims: number[]
  log: boolean[]
  /** mus[k·c + j] */
  mus: Float64Array
  /** 1/(2σ²), same layout. */
  halfPrecision: Float64Array
  /** Σ_j log(σ √(2π) · mass over the bounds), per kernel. */
  logNorm: Float64Array
}

/** Normalised kernel weights: one per observation, then the prior's; and their logs. */
export interface KernelWeights {
  weights: Float64Array
  logWeights: Float64Array
}

/** The kernel weights of observations weighted `obsWeights` and a prior weighted `priorWeight`. */
export function kernelWeights(obsWeights: ArrayLike<number>, priorWeight: number, alloc: Allocator = heapAllocator): KernelWeights {
  const nObs = obsWeights.length
  const nKernels = nObs + 1
  const weights = alloc.f64(nKernels)
  let total = 0
  for (let i = 0; i < nObs; i++) total += weights[i] = obsWeights[i]!
  total += weights[nObs] = priorWeight
  const logWeights = alloc.f64(nKernels)
  for (let k = 0; k < nKernels; k++) {
    weights[k]! /= total
    logWeights[k] = Math.log(weights[k]!)
  }
  return { weights, logWeights }
}

/**
 * A mixture of product kernels: one kernel per observation plus a prior kernel, sharing the kernel
 * index across dimensions (so with several params it is Optuna's multivariate estimator). Values are
 * in internal representation (categorical = index).
 */
export class ParzenEstimator {
  readonly names: string[]
  readonly logWeights: Float64Array
  private readonly weights: Float64Array
  private readonly kernels: Kernels[]
  private readonly continuous: ContinuousBlock

  constructor(
    space: Record<string, Distribution>,
    observations: Record<string, Float64Array>,
    /** The observations' weights, or the kernel weights made from them (`kernelWeights`, which then ignores `priorWeightOverride`). */
    obsWeights: ArrayLike<number> | KernelWeights,
    options: ParzenOptions,
    priorWeightOverride?: number,
    /** The sorted order of each numerical param's observations, when the caller keeps it (see SortedColumn). */
    orders?: Record<string, SubsetOrder>,
    /** Where the kernels' arrays come from; an arena's views must not outlive its next rewind. */
    private readonly alloc: Allocator = heapAllocator,
  ) {
    this.names = Object.keys(space)
    const kernel = 'logWeights' in obsWeights ? obsWeights : kernelWeights(obsWeights, priorWeightOverride ?? options.priorWeight, alloc)
    this.weights = kernel.weights
    this.logWeights = kernel.logWeights
    const nKernels = this.weights.length
    const nObs = nKernels - 1
    this.kernels = this.names.map((name) => {
      const dist = space[name]!
      const obs = observations[name]
      const order = orders?.[name]
      if (obs === undefined && (order === undefined || dist instanceof CategoricalDistribution) && nObs > 0) {
        throw new Error(`No observations of ${name}`)
      }
      return dist instanceof CategoricalDistribution
        ? categoricalKernels(dist, obs ?? new Float64Array(0), options, alloc)
        : numericalKernels(dist, obs, nObs, options, alloc, order)
    })
    this.continuous = continuousBlock(this.kernels, nKernels, alloc)
  }

  /** Draws `n` points; each picks one kernel and samples every dimension from it. */
  sample(rng: RandomState, n: number): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {}
    for (const name of this.names) out[name] = this.alloc.f64(n)
    for (let i = 0; i < n; i++) {
      const k = rng.choice(this.weights)
      for (let d = 0; d < this.kernels.length; d++) {
        const kern = this.kernels[d]!
        out[this.names[d]!]![i] = kern.kind === 'categorical' ? sampleCategorical(kern, k, rng) : sampleNumerical(kern, k, rng)
      }
    }
    return out
  }

  /**
   * log density (mass for discrete dims) of each point under the mixture. Point by point, each
   * kernel's log term is summed over the continuous dims, then the categorical, then the discrete
   * ones; every term is ≤ 0 once the kernel's normalisation is taken out first, so a kernel is
   * dropped as soon as its partial sum falls NEGLIGIBLE below the best kernel so far (it could
   * only add less than e^−50 of the mixture), which skips most of the work far from a point.
   */
  logPdf(points: Record<string, Float64Array>): Float64Array {
    const n = points[this.names[0]!]?.length ?? 0
    const nKernels = this.logWeights.length
    const { dims, log, mus, halfPrecision, logNorm } = this.continuous
    const c = dims.length
    const columns = dims.map((d) => points[this.names[d]!]!)
    const categorical: { logProbs: Float64Array; nChoices: number; xs: Float64Array }[] = []
    const discrete: { kern: NumericalKernels; xs: Float64Array; cells: Map<number, Float64Array>; row: Float64Array }[] = []
    this.kernels.forEach((kern, d) => {
      const xs = points[this.names[d]!]!
      if (kern.kind === 'categorical') categorical.push({ logProbs: kern.logProbs, nChoices: kern.nChoices, xs })
      else if (kern.dist.step !== null) discrete.push({ kern, xs, cells: new Map(), row: new Float64Array(0) })
    })
    const out = this.alloc.f64(n)
    const native = discrete.length === 0 ? nativeMixtureTerms(n * nKernels) : null
    if (native !== null) {
      // The same loop in Rust (native/node/src/parzen.rs), bit for bit; log(sum) stays here.
      const pts = this.alloc.f64(n * c)
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) pts[i * c + j] = log[j] ? Math.log(columns[j]![i]!) : columns[j]![i]!
      const m = categorical.length
      const catIndex = this.alloc.f64(n * m)
      const catStride = this.alloc.f64(m)
      let offset = 0
      categorical.forEach(({ logProbs, nChoices, xs }, d) => {
        catStride[d] = nChoices
        for (let i = 0; i < n; i++) catIndex[i * m + d] = offset + xs[i]!
        offset += logProbs.length
      })
      const catLogProbs = this.alloc.f64(offset)
      offset = 0
      for (const { logProbs } of categorical) catLogProbs.set(logProbs, (offset += logProbs.length) - logProbs.length)
      const base = this.alloc.f64(nKernels)
      for (let k = 0; k < nKernels; k++) base[k] = this.logWeights[k]! - logNorm[k]!
      const terms = this.alloc.f64(2 * n)
      native(pts, mus, halfPrecision, base, catLogProbs, catIndex, catStride, terms)
      for (let i = 0; i < n; i++) {
        const best = terms[2 * i]!
        out[i] = best === -Infinity ? -Infinity : best + Math.log(terms[2 * i + 1]!)
      }
      return out
    }
    const x = this.alloc.f64(c)
    const acc = this.alloc.f64(nKernels)
    const logWeights = this.logWeights
    const hasOther = categorical.length > 0 || discrete.length > 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) x[j] = log[j] ? Math.log(columns[j]![i]!) : columns[j]![i]!
      // Each distinct value of a discrete dim has one row of cell masses, filled as kernels need them.
      for (const dim of discrete) {
        const v = dim.xs[i]!
        let row = dim.cells.get(v)
        if (row === undefined) dim.cells.set(v, (row = this.alloc.f64(nKernels).fill(NaN)))
        dim.row = row
      }
      let best = -Infinity
      kernels: for (let k = 0; k < nKernels; k++) {
        const floor = best - NEGLIGIBLE
        let s = logWeights[k]! - logNorm[k]!
        for (let j = 0, p = k * c; j < c; j++, p++) {
          const z = x[j]! - mus[p]!
          s -= halfPrecision[p]! * z * z
          if (s < floor) {
            acc[k] = s
            continue kernels
          }
        }
        if (hasOther) {
          for (const { logProbs, nChoices, xs } of categorical) s += logProbs[k * nChoices + xs[i]!]!
          for (const dim of discrete) {
            if (s < floor) break
            let m = dim.row[k]!
            if (Number.isNaN(m)) dim.row[k] = m = cellLogMass(dim.kern, dim.xs[i]!, k)
            s += m
          }
        }
        acc[k] = s
        if (s > best) best = s
      }
      if (best === -Infinity) {
        out[i] = -Infinity
        continue
      }
      let sum = 0
      const floor = best - NEGLIGIBLE
      for (let k = 0; k < nKernels; k++) {
        const a = acc[k]!
        if (a >= floor) sum += Math.exp(a - best)
      }
      out[i] = best + Math.log(sum)
    }
    return out
  }
}

/**
 * The ascending order of `values`, ties kept in their original order (a stable argsort, inverted),
 * from a native typed-array sort and binary searches.
 */
function sortOrder(values: Float64Array, alloc: Allocator): SubsetOrder {
  const n = values.length
  const sorted = alloc.f64(n)
  sorted.set(values)
  sorted.sort()
  const ranks = alloc.u32(n)
  const taken = alloc.u32(n).fill(0)
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid]! < v) lo = mid + 1
      else hi = mid
    }
    ranks[i] = lo + taken[lo]!++
  }
  return { sorted, ranks }
}

/** Kernels of n observations: their internal values, or their order alone (which holds the transformed values). */
function numericalKernels(
  dist: NumericalDistribution,
  internalObs: Float64Array | undefined,
  n: number,
  options: ParzenOptions,
  alloc: Allocator,
  order?: SubsetOrder,
): NumericalKernels {
  const [low, high] = transformedBounds(dist)
  const maxSigma = high - low
  const minSigma = options.considerMagicClip
    ? (high - low) * Math.max(options.minBandwidthFactor, 1 / Math.pow(n + 2, options.bandwidthExponent))
    : 1e-12
  const kern: NumericalKernels = {
    kind: 'numerical',
    dist,
    low,
    high,
    mus: alloc.f64(n + 1),
    sigmas: alloc.f64(n + 1),
    logSigmas: alloc.f64(n + 1),
    logNorm: alloc.f64(n + 1),
    interior: alloc.u8(n + 1),
    memo: undefined,
    slots: undefined,
  }
  const { mus, sigmas } = kern
  const clip = { minSigma, maxSigma, logMinSigma: Math.log(minSigma) }
  if (order !== undefined) {
    kernelsFromOrder(kern, order, n, options, clip, alloc)
  } else {
    for (let i = 0; i < n; i++) mus[i] = dist.log ? Math.log(internalObs![i]!) : internalObs![i]!
    if (n > 0) {
      const { sorted, ranks } = sortOrder(mus.subarray(0, n), alloc)
      for (let i = 0; i < n; i++) sigmas[i] = neighbourBandwidth(sorted, ranks[i]!, low, high, options.considerEndpoints)
    }
    for (let k = 0; k < n; k++) setTerms(kern, k, clip, mus[k]!, sigmas[k]!)
  }
  setTerms(kern, n, clip, 0.5 * (low + high), high - low)
  return kern
}

/**
 * Hyperopt's neighbour rule: a kernel is as wide as the larger gap to its sorted neighbours (the
 * bounds at the ends, or, without `considerEndpoints`, the one gap of the end kernels).
 */
function neighbourBandwidth(sorted: Float64Array, j: number, low: number, high: number, considerEndpoints: boolean): number {
  const n = sorted.length
  if (!considerEndpoints && n >= 2) {
    if (j === 0) return sorted[1]! - sorted[0]!
    if (j === n - 1) return sorted[n - 1]! - sorted[n - 2]!
  }
  const x = sorted[j]!
  const below = j === 0 ? low : sorted[j - 1]!
  const above = j === n - 1 ? high : sorted[j + 1]!
  return Math.max(x - below, above - x)
}

interface BandwidthClip {
  minSigma: number
  maxSigma: number
  /** Most bandwidths are clipped to minSigma: its log is taken once. */
  logMinSigma: number
}

/** Kernel k centred on mu with the neighbour bandwidth sigma: its clipped bandwidth, the log of it, its log mass. */
function setTerms(kern: NumericalKernels, k: number, clip: BandwidthClip, mu: number, sigma: number): void {
  const s = Math.min(Math.max(sigma, clip.minSigma), clip.maxSigma)
  kern.mus[k] = mu
  kern.sigmas[k] = s
  kern.logSigmas[k] = s === clip.minSigma ? clip.logMinSigma : Math.log(s)
  const a = (kern.low - mu) / s
  const b = (kern.high - mu) / s
  const interior = a < -INTERIOR_Z && b > INTERIOR_Z
  kern.interior[k] = interior ? 1 : 0
  kern.logNorm[k] = interior ? 0 : logGaussMass(a, b)
}

/**
 * The kernels of a subset, taken in ascending order of their centres (the neighbour rule reads
 * neighbours in sequence) and put in observation order; the column's memo has the terms of those
 * whose bandwidth is unchanged.
 */
function kernelsFromOrder(kern: NumericalKernels, order: SubsetOrder, n: number, options: ParzenOptions, clip: BandwidthClip, alloc: Allocator): void {
  const { sorted, ranks, slots } = order
  const memo = slots === undefined ? undefined : order.column?.kernelMemo(kern.low, kern.high)
  let members = order.members
  if (members === undefined) {
    members = alloc.u32(n)
    for (let i = 0; i < n; i++) members[ranks[i]!] = i
  }
  const { low, high, mus, sigmas, logSigmas, logNorm, interior } = kern
  if (memo !== undefined) {
    kern.memo = memo
    kern.slots = alloc.u32(n)
  }
  const kernelSlots = kern.slots
  const { minSigma, maxSigma } = clip
  const considerEndpoints = options.considerEndpoints
  const memoSigma = memo?.sigma
  const endGaps = !considerEndpoints && n >= 2
  // The neighbour rule (as neighbourBandwidth) with the neighbours carried along.
  let before = low
  let mu = sorted[0]!
  for (let j = 0; j < n; j++) {
    const i = members[j]!
    const after = j === n - 1 ? high : sorted[j + 1]!
    const sigma = endGaps && j === 0 ? after - mu : endGaps && j === n - 1 ? mu - before : Math.max(mu - before, after - mu)
    const s = Math.min(Math.max(sigma, minSigma), maxSigma)
    const slot = memoSigma === undefined ? -1 : slots![j]!
    if (slot >= 0) kernelSlots![i] = slot
    if (slot >= 0 && memoSigma![slot] === s) {
      mus[i] = mu
      sigmas[i] = s
      logSigmas[i] = memo!.logSigma[slot]!
      logNorm[i] = memo!.logNorm[slot]!
      interior[i] = memo!.interior[slot]!
    } else {
      setTerms(kern, i, clip, mu, sigma)
      if (slot >= 0) {
        memoSigma![slot] = s
        memo!.logSigma[slot] = logSigmas[i]!
        memo!.logNorm[slot] = logNorm[i]!
        memo!.interior[slot] = interior[i]!
      }
    }
    before = mu
    mu = after
  }
}

function categoricalKernels(dist: CategoricalDistribution, obs: Float64Array, options: ParzenOptions, alloc: Allocator): CategoricalKernels {
  const c = dist.choices.length
  const nKernels = obs.length + 1
  const probs = alloc.f64(nKernels * c).fill(options.priorWeight / nKernels)
  for (let i = 0; i < obs.length; i++) probs[i * c + obs[i]!]! += 1
  const logProbs = alloc.f64(nKernels * c)
  for (let k = 0; k < nKernels; k++) {
    let s = 0
    for (let j = 0; j < c; j++) s += probs[k * c + j]!
    for (let j = 0; j < c; j++) logProbs[k * c + j] = Math.log((probs[k * c + j]! /= s))
  }
  return { kind: 'categorical', dist, probs, logProbs, nChoices: c }
}

function sampleCategorical(kern: CategoricalKernels, k: number, rng: RandomState): number {
  return rng.choice(kern.probs.subarray(k * kern.nChoices, (k + 1) * kern.nChoices))
}

function sampleNumerical(kern: NumericalKernels, k: number, rng: RandomState): number {
  const mu = kern.mus[k]!
  const sigma = kern.sigmas[k]!
  const a = (kern.low - mu) / sigma
  const b = (kern.high - mu) / sigma
  // The quantile's terms that depend on the kernel alone, from the column's memo when it has them.
  const memo = kern.memo
  const slot = memo !== undefined && k < kern.slots!.length ? kern.slots![k]! : -1
  let logMass: number
  let logTail: number
  if (slot >= 0 && memo!.tailSigma[slot] === sigma) {
    logMass = memo!.logMass[slot]!
    logTail = memo!.logTail[slot]!
  } else {
    logMass = kern.interior[k] === 1 ? logGaussMass(a, b) : kern.logNorm[k]!
    logTail = a < 0 ? logNdtr(a) : logNdtr(-b)
    if (slot >= 0) {
      memo!.tailSigma[slot] = sigma
      memo!.logMass[slot] = logMass
      memo!.logTail[slot] = logTail
    }
  }
  const z = truncnormPpf(rng.random(), a, b, logMass, logTail)
  return fromTransformed(kern.dist, mu + sigma * z)
}

function continuousBlock(kernels: Kernels[], nKernels: number, alloc: Allocator): ContinuousBlock {
  const dims: number[] = []
  kernels.forEach((kern, d) => {
    if (kern.kind === 'numerical' && kern.dist.step === null) dims.push(d)
  })
  const c = dims.length
  // One dim (univariate sampling): its kernels' centres are the block's.
  const mus = c === 1 ? (kernels[dims[0]!] as NumericalKernels).mus : alloc.f64(nKernels * c)
  const halfPrecision = alloc.f64(nKernels * c)
  const logNorm = alloc.f64(nKernels).fill(0)
  dims.forEach((d, j) => {
    const kern = kernels[d] as NumericalKernels
    const { sigmas, logSigmas } = kern
    const dimMus = kern.mus
    const dimLogNorm = kern.logNorm
    for (let k = 0; k < nKernels; k++) {
      const sigma = sigmas[k]!
      if (c > 1) mus[k * c + j] = dimMus[k]!
      halfPrecision[k * c + j] = 0.5 / (sigma * sigma)
      logNorm[k]! += logSigmas[k]! + LOG_SQRT_2PI + dimLogNorm[k]!
    }
  })
  return { dims, log: dims.map((d) => (kernels[d] as NumericalKernels).dist.log), mus, halfPrecision, logNorm }
}

/** Discrete: log of kernel k's probability mass on the cell [x − step/2, x + step/2] (in log space for log ints). */
function cellLogMass(kern: NumericalKernels, x: number, k: number): number {
  const half = kern.dist.step! / 2
  const lo = kern.dist.log ? Math.log(x - half) : x - half
  const hi = kern.dist.log ? Math.log(x + half) : x + half
  const mu = kern.mus[k]!
  const s = kern.sigmas[k]!
  return logGaussMass((lo - mu) / s, (hi - mu) / s) - kern.logNorm[k]!
}
