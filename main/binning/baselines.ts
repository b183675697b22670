/** Simple reference binnings: equal width and equal-population ("flat") binnings. */

import { checkCuts } from './histogram'

/** `nBins` equal-width edges on [lo, hi]; the last edge is exactly `hi`. */
export function equalWidthEdges(nBins: number, lo: number, hi: number): number[] {
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`need a positive number of bins, got ${nBins}`)
  if (!(hi > lo)) throw new RangeError(`need lo < hi, got [${lo}, ${hi}]`)
  const width = (hi - lo) / nBins
  return Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? hi : lo + i * width))
}

/** Equal-width merge of `nFine` fine bins into `nBins` (fine-grid rounding of the ideal edges). */
export function equalWidthCuts(nFine: number, nBins: number): number[] {
  if (!Number.isInteger(nBins) || nBins < 1 || nBins > nFine) {
    throw new RangeError(`cannot make ${nBins} bins from ${nFine} fine bins`)
  }
  const cuts = Array.from({ length: nBins + 1 }, (_, k) => Math.round((k * nFine) / nBins))
  checkCuts(cuts, nFine)
  return cuts
}

/**
 * Cuts on the fine grid that split `content` into `nBins` bins of about equal sum: each inner cut is
 * the fine edge whose cumulative fraction is nearest k/nBins. Fewer bins come back when the content
 * is too concentrated to give every bin a fine bin of its own.
 */
export function flatCuts(content: readonly number[], nBins: number): number[] {
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`need a positive number of bins, got ${nBins}`)
  const n = content.length
  const cumulative = [0]
  for (const c of content) cumulative.push(cumulative[cumulative.length - 1] + Math.max(c, 0))
  const total = cumulative[n]
  if (!(total > 0)) throw new RangeError('a flat binning needs positive total content')
  const cuts = [0]
  let j = 1
  for (let k = 1; k < nBins; k++) {
    const target = (k * total) / nBins
    while (j < n - 1 && cumulative[j + 1] <= target) j++
    const nearest = j < n - 1 && target - cumulative[j] > cumulative[j + 1] - target ? j + 1 : j
    if (nearest > cuts[cuts.length - 1] && nearest < n) cuts.push(nearest)
  }
  cuts.push(n)
  return cuts
}
