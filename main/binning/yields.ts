/** Merged-bin yields of a signal/background pair of fine histograms, in O(1) per bin via prefix sums. */

import type { BinYields } from './constraints'
import { checkCuts, type Histogram, prefixSums } from './histogram'

export class FineYields {
  readonly nFine: number
  readonly edges: readonly number[]
  private readonly s: Float64Array
  private readonly b: Float64Array
  private readonly bSumw2: Float64Array
  private readonly bEntries: Float64Array

  constructor(signal: Histogram, background: Histogram) {
    const n = signal.sumw.length
    if (background.sumw.length !== n || signal.edges.length !== n + 1 || background.edges.length !== n + 1) {
      throw new RangeError('signal and background must have the same fine binning')
    }
    if (signal.edges.some((e, i) => e !== background.edges[i])) {
      throw new RangeError('signal and background must have the same fine edges')
    }
    this.nFine = n
    this.edges = signal.edges
    this.s = prefixSums(signal.sumw)
    this.b = prefixSums(background.sumw)
    this.bSumw2 = prefixSums(background.sumw2)
    this.bEntries = prefixSums(background.entries)
  }

  /** Yields of fine bins from … to−1 merged. */
  bin(from: number, to: number): BinYields {
    return {
      lo: this.edges[from],
      hi: this.edges[to],
      signal: this.s[to] - this.s[from],
      background: this.b[to] - this.b[from],
      backgroundSumw2: this.bSumw2[to] - this.bSumw2[from],
      backgroundEntries: Math.round(this.bEntries[to] - this.bEntries[from]),
    }
  }

  bins(cuts: readonly number[]): BinYields[] {
    checkCuts(cuts, this.nFine)
    return cuts.slice(1).map((to, k) => this.bin(cuts[k], to))
  }
}
