/**
 * The exact optimum of Σ Z_i² over all contiguous merges of a fine binning (optimal partitioning by
 * dynamic programming, O(K·N²) for exactly K bins, O(N²) for any number). Bins that fail a
 * constraint score −∞, so the optimum respects every constraint or does not exist.
 *
 * Σ Z_i² is the exact discovery q0 for independent bins (stat-only, or per-bin MC-stat nuisances);
 * with nuisances shared across bins it is a starting point for the profile-likelihood optimiser.
 */

import { type BinConstraints, binSatisfies, binSignificance, MC_STAT, type SignificanceModel } from './constraints'
import type { Histogram } from './histogram'
import { FineYields } from './yields'

export interface OptimalBinningOptions {
  constraints?: BinConstraints
  /** Per-bin significance; MC-stat-aware by default. */
  model?: SignificanceModel
  /** Exactly this many bins. */
  nBins?: number
  /** At most this many bins (ignored when nBins is given). */
  maxBins?: number
}

export interface OptimalBinning {
  cuts: number[]
  edges: number[]
  /** Σ Z_i², the figure of merit maximised. */
  sumZ2: number
  /** sqrt(Σ Z_i²). */
  z: number
}

function scorer(yields: FineYields, options: OptimalBinningOptions): (from: number, to: number) => number {
  const constraints = options.constraints ?? {}
  const model = options.model ?? MC_STAT
  return (from, to) => {
    const bin = yields.bin(from, to)
    if (!binSatisfies(bin, constraints)) return -Infinity
    return binSignificance(bin, model) ** 2
  }
}

function result(yields: FineYields, cuts: number[], sumZ2: number): OptimalBinning {
  return { cuts, edges: cuts.map((c) => yields.edges[c]), sumZ2, z: Math.sqrt(sumZ2) }
}

/** Best partition of fine bins 0 … j−1 for every j, any number of bins. */
function anyNumberOfBins(yields: FineYields, score: (from: number, to: number) => number): OptimalBinning | null {
  const n = yields.nFine
  const best = new Float64Array(n + 1).fill(-Infinity)
  const previous = new Int32Array(n + 1).fill(-1)
  best[0] = 0
  for (let to = 1; to <= n; to++) {
    for (let from = 0; from < to; from++) {
      if (best[from] === -Infinity) continue
      const candidate = best[from] + score(from, to)
      if (candidate > best[to]) {
        best[to] = candidate
        previous[to] = from
      }
    }
  }
  if (best[n] === -Infinity) return null
  const cuts = [n]
  while (cuts[0] !== 0) cuts.unshift(previous[cuts[0]])
  return result(yields, cuts, best[n])
}

/**
 * best[k][j]: best partition of fine bins 0 … j−1 into exactly k bins, for k ≤ maxK. Each segment
 * is scored once and offered to every k (the score is the expensive part, not the additions).
 */
function fixedNumberOfBins(
  yields: FineYields,
  score: (from: number, to: number) => number,
  maxK: number,
): { best: Float64Array[]; previous: Int32Array[] } {
  const n = yields.nFine
  const best = Array.from({ length: maxK + 1 }, () => new Float64Array(n + 1).fill(-Infinity))
  const previous = Array.from({ length: maxK + 1 }, () => new Int32Array(n + 1).fill(-1))
  best[0][0] = 0
  for (let to = 1; to <= n; to++) {
    for (let from = 0; from < to; from++) {
      const segment = score(from, to)
      if (segment === -Infinity) continue
      for (let k = 1; k <= Math.min(maxK, from + 1); k++) {
        const before = best[k - 1][from]
        if (before === -Infinity) continue
        if (before + segment > best[k][to]) {
          best[k][to] = before + segment
          previous[k][to] = from
        }
      }
    }
  }
  return { best, previous }
}

/**
 * The exact optimum for every bin count up to `maxBins` from one dynamic programme: the returned
 * function reads off the best partition into exactly n bins (null where none satisfies the
 * constraints), so baselines at several counts cost one O(maxBins·N²) pass, not one per count.
 */
export function optimalBinningsByCount(
  signal: Histogram,
  background: Histogram,
  options: Omit<OptimalBinningOptions, 'nBins'> & { maxBins: number },
): (nBins: number) => OptimalBinning | null {
  const yields = new FineYields(signal, background)
  const n = yields.nFine
  if (!Number.isInteger(options.maxBins) || options.maxBins < 1) throw new RangeError(`maxBins must be a positive integer, got ${options.maxBins}`)
  const maxK = Math.min(options.maxBins, n)
  const { best, previous } = fixedNumberOfBins(yields, scorer(yields, options), maxK)
  return (k) => {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`nBins must be a positive integer, got ${k}`)
    if (k > maxK || best[k][n] === -Infinity) {
      if (k > options.maxBins) throw new RangeError(`nBins ${k} is above the maxBins ${options.maxBins} this table was built for`)
      return null
    }
    const cuts = [n]
    for (let level = k; level > 0; level--) cuts.unshift(previous[level][cuts[0]])
    return result(yields, cuts, best[k][n])
  }
}

export function optimalBinning(signal: Histogram, background: Histogram, options: OptimalBinningOptions = {}): OptimalBinning | null {
  const yields = new FineYields(signal, background)
  const n = yields.nFine
  const score = scorer(yields, options)
  const { nBins, maxBins } = options
  for (const [name, value] of [['nBins', nBins], ['maxBins', maxBins]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  }
  if (nBins === undefined && (maxBins === undefined || maxBins >= n)) return anyNumberOfBins(yields, score)
  const maxK = Math.min(nBins ?? maxBins ?? n, n)
  if (nBins !== undefined && nBins > n) return null
  const { best, previous } = fixedNumberOfBins(yields, score, maxK)
  let k = maxK
  if (nBins === undefined) {
    // The fewest bins among equally good partitions.
    k = 1
    for (let candidate = 2; candidate <= maxK; candidate++) if (best[candidate][n] > best[k][n]) k = candidate
  }
  if (best[k][n] === -Infinity) return null
  const cuts = [n]
  for (let level = k; level > 0; level--) cuts.unshift(previous[level][cuts[0]])
  return result(yields, cuts, best[k][n])
}
