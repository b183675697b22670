import { CategoricalDistribution, type Distribution, type NumericalDistribution } from '../../distributions.js'
import type { RandomState } from '../../rng.js'
import { fromTransformed, transformedBounds } from '../transform.js'
import { logGaussMass, logNormalPdf, truncnormPpf } from './normal.js'

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
  /** log of each kernel's mass over [low, high]. */
  logNorm: Float64Array
}

interface CategoricalKernels {
  kind: 'categorical'
  dist: CategoricalDistribution
  /** probs[k·C + c] */
  probs: Float64Array
  nChoices: number
}

type Kernels = NumericalKernels | CategoricalKernels

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

  constructor(
    space: Record<string, Distribution>,
    observations: Record<string, Float64Array>,
    obsWeights: ArrayLike<number>,
    options: ParzenOptions,
    priorWeightOverride?: number,
  ) {
    this.names = Object.keys(space)
    const nObs = obsWeights.length
    const nKernels = nObs + 1
    this.weights = new Float64Array(nKernels)
    let total = 0
    for (let i = 0; i < nObs; i++) total += this.weights[i] = obsWeights[i]!
    total += this.weights[nObs] = priorWeightOverride ?? options.priorWeight
    this.logWeights = new Float64Array(nKernels)
    for (let k = 0; k < nKernels; k++) {
      this.weights[k]! /= total
      this.logWeights[k] = Math.log(this.weights[k]!)
    }
    this.kernels = this.names.map((name) => {
      const dist = space[name]!
      const obs = observations[name] ?? new Float64Array(0)
      return dist instanceof CategoricalDistribution
        ? categoricalKernels(dist, obs, options)
        : numericalKernels(dist, obs, options)
    })
  }

  /** Draws `n` points; each picks one kernel and samples every dimension from it. */
  sample(rng: RandomState, n: number): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {}
    for (const name of this.names) out[name] = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const k = rng.choice(this.weights)
      for (let d = 0; d < this.kernels.length; d++) {
        const kern = this.kernels[d]!
        out[this.names[d]!]![i] = kern.kind === 'categorical' ? sampleCategorical(kern, k, rng) : sampleNumerical(kern, k, rng)
      }
    }
    return out
  }

  /** log density (mass for discrete dims) of each point under the mixture. */
  logPdf(points: Record<string, Float64Array>): Float64Array {
    const n = points[this.names[0]!]?.length ?? 0
    const nKernels = this.logWeights.length
    const acc = new Float64Array(nKernels * n)
    for (let k = 0; k < nKernels; k++) acc.fill(this.logWeights[k]!, k * n, (k + 1) * n)
    for (let d = 0; d < this.kernels.length; d++) {
      const kern = this.kernels[d]!
      const xs = points[this.names[d]!]!
      if (kern.kind === 'categorical') {
        for (let k = 0; k < nKernels; k++) {
          for (let i = 0; i < n; i++) acc[k * n + i]! += Math.log(kern.probs[k * kern.nChoices + xs[i]!]!)
        }
      } else {
        addNumericalLogPdf(kern, xs, acc, n)
      }
    }
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let m = -Infinity
      for (let k = 0; k < nKernels; k++) m = Math.max(m, acc[k * n + i]!)
      if (m === -Infinity) {
        out[i] = -Infinity
        continue
      }
      let s = 0
      for (let k = 0; k < nKernels; k++) s += Math.exp(acc[k * n + i]! - m)
      out[i] = m + Math.log(s)
    }
    return out
  }
}

function numericalKernels(dist: NumericalDistribution, internalObs: Float64Array, options: ParzenOptions): NumericalKernels {
  const [low, high] = transformedBounds(dist)
  const n = internalObs.length
  const mus = new Float64Array(n + 1)
  const sigmas = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) mus[i] = dist.log ? Math.log(internalObs[i]!) : internalObs[i]!
  if (n > 0) {
    // Hyperopt's neighbour rule: each kernel is as wide as the larger gap to its sorted neighbours.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => mus[a]! - mus[b]!)
    const ext = [low, ...order.map((i) => mus[i]!), high]
    for (let j = 0; j < n; j++) {
      sigmas[order[j]!] = Math.max(ext[j + 1]! - ext[j]!, ext[j + 2]! - ext[j + 1]!)
    }
    if (!options.considerEndpoints && ext.length >= 4) {
      sigmas[order[0]!] = ext[2]! - ext[1]!
      sigmas[order[n - 1]!] = ext[ext.length - 2]! - ext[ext.length - 3]!
    }
  }
  mus[n] = 0.5 * (low + high)
  sigmas[n] = high - low
  const maxSigma = high - low
  const minSigma = options.considerMagicClip
    ? (high - low) * Math.max(options.minBandwidthFactor, 1 / Math.pow(n + 2, options.bandwidthExponent))
    : 1e-12
  const logNorm = new Float64Array(n + 1)
  for (let k = 0; k <= n; k++) {
    sigmas[k] = Math.min(Math.max(sigmas[k]!, minSigma), maxSigma)
    logNorm[k] = logGaussMass((low - mus[k]!) / sigmas[k]!, (high - mus[k]!) / sigmas[k]!)
  }
  return { kind: 'numerical', dist, low, high, mus, sigmas, logNorm }
}

function categoricalKernels(dist: CategoricalDistribution, obs: Float64Array, options: ParzenOptions): CategoricalKernels {
  const c = dist.choices.length
  const nKernels = obs.length + 1
  const probs = new Float64Array(nKernels * c).fill(options.priorWeight / nKernels)
  for (let i = 0; i < obs.length; i++) probs[i * c + obs[i]!]! += 1
  for (let k = 0; k < nKernels; k++) {
    let s = 0
    for (let j = 0; j < c; j++) s += probs[k * c + j]!
    for (let j = 0; j < c; j++) probs[k * c + j]! /= s
  }
  return { kind: 'categorical', dist, probs, nChoices: c }
}

function sampleCategorical(kern: CategoricalKernels, k: number, rng: RandomState): number {
  return rng.choice(kern.probs.subarray(k * kern.nChoices, (k + 1) * kern.nChoices))
}

function sampleNumerical(kern: NumericalKernels, k: number, rng: RandomState): number {
  const mu = kern.mus[k]!
  const sigma = kern.sigmas[k]!
  const z = truncnormPpf(rng.random(), (kern.low - mu) / sigma, (kern.high - mu) / sigma)
  return fromTransformed(kern.dist, mu + sigma * z)
}

function addNumericalLogPdf(kern: NumericalKernels, xs: Float64Array, acc: Float64Array, n: number): void {
  const { dist, mus, sigmas, logNorm } = kern
  const nKernels = mus.length
  const cellMass = dist.step === null ? [] : Array.from({ length: nKernels }, () => new Float64Array(n))
  if (dist.step === null) {
    const offset = new Float64Array(nKernels)
    for (let k = 0; k < nKernels; k++) offset[k] = Math.log(sigmas[k]!) + logNorm[k]!
    for (let i = 0; i < n; i++) {
      const x = dist.log ? Math.log(xs[i]!) : xs[i]!
      for (let k = 0; k < nKernels; k++) {
        acc[k * n + i]! += logNormalPdf((x - mus[k]!) / sigmas[k]!) - offset[k]!
      }
    }
    return
  }
  // Discrete: the probability mass of the cell [x − step/2, x + step/2] (in log space for log ints).
  // Candidates often repeat a grid value, so each distinct value is evaluated once.
  const half = dist.step / 2
  const firstIndex = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const x = xs[i]!
    const seen = firstIndex.get(x)
    if (seen !== undefined) {
      for (let k = 0; k < nKernels; k++) acc[k * n + i]! += cellMass[k]![seen]!
      continue
    }
    firstIndex.set(x, i)
    const lo = dist.log ? Math.log(x - half) : x - half
    const hi = dist.log ? Math.log(x + half) : x + half
    for (let k = 0; k < nKernels; k++) {
      const s = sigmas[k]!
      const m = logGaussMass((lo - mus[k]!) / s, (hi - mus[k]!) / s) - logNorm[k]!
      cellMass[k]![i] = m
      acc[k * n + i]! += m
    }
  }
}
