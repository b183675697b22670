import { describe, expect, it } from 'vitest'

import {
  type BinConstraints,
  binSignificance,
  binViolations,
  MC_STAT,
  reportBins,
  type SignificanceModel,
  STAT_ONLY,
} from '../../../main/binning/constraints'
import { type Histogram, mergeHistogram } from '../../../main/binning/histogram'
import { optimalBinning, optimalBinningsByCount } from '../../../main/binning/optimal'
import { transfoD } from '../../../main/binning/transfo'
import { FineYields } from '../../../main/binning/yields'
import { tutorialFineHistograms } from './fixture'

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomPair(n: number, seed: number): { signal: Histogram; background: Histogram } {
  const u = generator(seed)
  const edges = [0]
  for (let i = 0; i < n; i++) edges.push(edges[i] + 0.5 + u() * 2)
  const entries = Array.from({ length: n }, () => Math.floor(u() * 30))
  const background: Histogram = {
    edges,
    sumw: entries.map((e) => e * (0.05 + u() * 0.3)),
    sumw2: entries.map((e) => e * 0.02),
    entries,
  }
  // Signal rises towards the right, as for a discriminant.
  const signal: Histogram = { edges, sumw: edges.slice(1).map((x) => u() * x * 0.1), sumw2: Array(n).fill(0.01), entries: Array(n).fill(20) }
  return { signal, background }
}

/** Best Σ Z² over every subset of inner cuts, optionally with exactly / at most k bins. */
function bruteForce(
  signal: Histogram,
  background: Histogram,
  constraints: BinConstraints,
  model: SignificanceModel,
  bins: { exactly?: number; atMost?: number },
): number {
  const n = signal.sumw.length
  let best = -Infinity
  for (let mask = 0; mask < 1 << (n - 1); mask++) {
    const cuts = [0]
    for (let i = 1; i < n; i++) if (mask & (1 << (i - 1))) cuts.push(i)
    cuts.push(n)
    const k = cuts.length - 1
    if (bins.exactly !== undefined && k !== bins.exactly) continue
    if (bins.atMost !== undefined && k > bins.atMost) continue
    const s = mergeHistogram(signal, cuts)
    const b = mergeHistogram(background, cuts)
    let sum = 0
    for (let j = 0; j < k; j++) {
      const bin = { lo: s.edges[j], hi: s.edges[j + 1], signal: s.sumw[j], background: b.sumw[j], backgroundSumw2: b.sumw2[j], backgroundEntries: b.entries[j] }
      sum += binViolations(bin, constraints).length > 0 ? -Infinity : binSignificance(bin, model) ** 2
    }
    if (sum > best) best = sum
  }
  return best
}

const CONSTRAINT_SETS: BinConstraints[] = [
  {},
  { minBackground: 2 },
  { maxRelativeMcError: 0.35 },
  { minBackgroundEntries: 25, minWidth: 2.5 },
  { minBackground: 1, maxRelativeMcError: 0.3, minBackgroundEntries: 10, minWidth: 1.5 },
]

describe('exact optimal binning (dynamic programming)', () => {
  it('equals brute force over all merges, any number of bins', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const { signal, background } = randomPair(9, seed)
      for (const constraints of CONSTRAINT_SETS) {
        for (const model of [STAT_ONLY, MC_STAT]) {
          const expected = bruteForce(signal, background, constraints, model, {})
          const found = optimalBinning(signal, background, { constraints, model })
          if (expected === -Infinity) {
            expect(found).toBeNull()
            continue
          }
          expect(found).not.toBeNull()
          expect(found!.sumZ2).toBeCloseTo(expected, 10)
          const report = reportBins(new FineYields(signal, background).bins(found!.cuts), constraints, model)
          expect(report.bins.every((bin) => bin.violations.length === 0)).toBe(true)
          expect(report.z).toBeCloseTo(found!.z, 10)
        }
      }
    }
  })

  it('equals brute force for exactly k bins and for at most k bins', () => {
    const { signal, background } = randomPair(8, 42)
    const constraints = { minBackground: 0.5 }
    for (let k = 1; k <= 8; k++) {
      const exact = bruteForce(signal, background, constraints, MC_STAT, { exactly: k })
      const found = optimalBinning(signal, background, { constraints, nBins: k })
      if (exact === -Infinity) expect(found).toBeNull()
      else {
        expect(found!.cuts).toHaveLength(k + 1)
        expect(found!.sumZ2).toBeCloseTo(exact, 10)
      }
      const atMost = bruteForce(signal, background, constraints, MC_STAT, { atMost: k })
      const capped = optimalBinning(signal, background, { constraints, maxBins: k })
      expect(capped!.cuts.length - 1).toBeLessThanOrEqual(k)
      expect(capped!.sumZ2).toBeCloseTo(atMost, 10)
    }
  })

  it('one table for every bin count gives what one programme per count gives', () => {
    const { signal, background } = randomPair(12, 7)
    const constraints = { minBackground: 0.3 }
    const table = optimalBinningsByCount(signal, background, { constraints, maxBins: 14 })
    for (let k = 1; k <= 14; k++) {
      const alone = optimalBinning(signal, background, { constraints, nBins: k })
      const read = table(k)
      if (alone === null) expect(read).toBeNull()
      else expect(read).toEqual(alone)
    }
    expect(() => table(15)).toThrow(/maxBins 14/)
    expect(() => table(0)).toThrow(RangeError)
  })

  it('returns null when no merge satisfies the constraints', () => {
    const { signal, background } = randomPair(6, 3)
    const total = background.sumw.reduce((a, x) => a + x, 0)
    expect(optimalBinning(signal, background, { constraints: { minBackground: total * 1.01 } })).toBeNull()
    expect(optimalBinning(signal, background, { nBins: 7 })).toBeNull()
    expect(() => optimalBinning(signal, background, { nBins: 0 })).toThrow(RangeError)
  })

  it('beats TransfoD(2,2) at equal bin count on the tutorial ntuples, within the constraints', () => {
    const { signal, background } = tutorialFineHistograms()
    const constraints = { minBackground: 1, maxRelativeMcError: 0.2 }
    const best = optimalBinning(signal, background, { constraints, nBins: 4 })!
    // The reference study found [0, 410, 455, 695, 1400] with Z = 3.894 (σ_b² = Σw²).
    expect(best.edges).toEqual([0, 410, 455, 695, 1400])
    expect(best.z).toBeCloseTo(3.894, 3)
    const yields = new FineYields(signal, background)
    const transfo = reportBins(yields.bins(transfoD(signal, background, 2, 2)), constraints)
    expect(transfo.z).toBeCloseTo(3.625, 3)
    expect(best.z).toBeGreaterThan(transfo.z)
    for (const bin of reportBins(yields.bins(best.cuts), constraints).bins) {
      expect(bin.background).toBeGreaterThanOrEqual(1)
      expect(bin.relativeMcError).toBeLessThanOrEqual(0.2)
    }
  })
})
