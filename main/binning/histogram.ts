/**
 * Fine-binned histograms (Σw, Σw², unweighted counts) and contiguous merges of their bins.
 *
 * A merge is described by `cuts`: increasing fine-edge indices from 0 to the number of fine bins;
 * new bin k holds fine bins cuts[k] … cuts[k+1]−1.
 */

export interface Histogram {
  /** n+1 increasing edges. */
  edges: number[]
  /** Sum of weights per bin. */
  sumw: number[]
  /** Sum of squared weights per bin (MC statistical variance). */
  sumw2: number[]
  /** Unweighted number of MC events per bin. */
  entries: number[]
}

export function binCount(histogram: Histogram): number {
  return histogram.sumw.length
}

/** Throws unless cuts start at 0, end at `nFine` and increase strictly. */
export function checkCuts(cuts: readonly number[], nFine: number): void {
  if (cuts.length < 2 || cuts[0] !== 0 || cuts[cuts.length - 1] !== nFine) {
    throw new RangeError(`cuts must run from 0 to ${nFine}, got [${cuts.join(', ')}]`)
  }
  for (let k = 1; k < cuts.length; k++) {
    if (!Number.isInteger(cuts[k]) || cuts[k] <= cuts[k - 1]) {
      throw new RangeError(`cuts must be strictly increasing integers, got [${cuts.join(', ')}]`)
    }
  }
}

/** Sum `values` over each merged bin. */
export function mergeValues(values: readonly number[], cuts: readonly number[]): number[] {
  checkCuts(cuts, values.length)
  const out: number[] = []
  for (let k = 0; k + 1 < cuts.length; k++) {
    let sum = 0
    for (let i = cuts[k]; i < cuts[k + 1]; i++) sum += values[i]
    out.push(sum)
  }
  return out
}

export function mergeHistogram(histogram: Histogram, cuts: readonly number[]): Histogram {
  return {
    edges: cuts.map((c) => histogram.edges[c]),
    sumw: mergeValues(histogram.sumw, cuts),
    sumw2: mergeValues(histogram.sumw2, cuts),
    entries: mergeValues(histogram.entries, cuts),
  }
}

/** Bin-by-bin sum of histograms on the same edges (e.g. all backgrounds). */
export function addHistograms(histograms: readonly Histogram[]): Histogram {
  if (histograms.length === 0) throw new RangeError('need at least one histogram to add')
  const [first] = histograms
  for (const h of histograms) {
    if (h.edges.length !== first.edges.length || h.edges.some((e, i) => e !== first.edges[i])) {
      throw new RangeError('histograms to add must have identical edges')
    }
  }
  const sum = (pick: (h: Histogram) => number[]): number[] =>
    pick(first).map((_, i) => histograms.reduce((acc, h) => acc + pick(h)[i], 0))
  return { edges: [...first.edges], sumw: sum((h) => h.sumw), sumw2: sum((h) => h.sumw2), entries: sum((h) => h.entries) }
}

/** Fine-edge indices of `edges`; throws if an edge is not (within `tolerance`) on the fine grid. */
export function cutsFromEdges(fineEdges: readonly number[], edges: readonly number[], tolerance = 1e-9): number[] {
  const scale = Math.max(1, Math.abs(fineEdges[fineEdges.length - 1] - fineEdges[0]))
  const cuts = edges.map((edge) => {
    const index = fineEdges.findIndex((f) => Math.abs(f - edge) <= tolerance * scale)
    if (index < 0) throw new RangeError(`edge ${edge} is not an edge of the fine binning`)
    return index
  })
  checkCuts(cuts, fineEdges.length - 1)
  return cuts
}

/** Running sums with a leading 0: prefix[j] − prefix[i] is the sum over bins i … j−1. */
export function prefixSums(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length + 1)
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i] + values[i]
  return out
}
