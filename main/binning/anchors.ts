/**
 * The reference binnings a result should be compared with, at the same bin count and scored the
 * same way: equal width, flat signal, flat background, TRExFitter TransfoD(n/2, n/2) and
 * TransfoF(n/2, n/2) (whose bin count TRExFitter does not control), and the exact DP optimum.
 */

import { equalWidthCuts, flatCuts } from './baselines'
import { type BinConstraints, type BinReport, MC_STAT, reportBins, type SignificanceModel } from './constraints'
import type { Histogram } from './histogram'
import { optimalBinning } from './optimal'
import { transfoD, transfoF } from './transfo'
import { FineYields } from './yields'

export interface AnchorBinning {
  method: 'equal-width' | 'flat-signal' | 'flat-background' | 'TransfoD' | 'TransfoF' | 'optimal'
  /** e.g. `TransfoD(2,2)`. */
  label: string
  cuts: number[]
  edges: number[]
  bins: BinReport[]
  /** Quadrature sum of the per-bin Z under the chosen model. */
  z: number
  /** Whether every bin satisfies the constraints. */
  valid: boolean
}

export function anchorBinnings(
  signal: Histogram,
  background: Histogram,
  nBins: number,
  options: { constraints?: BinConstraints; model?: SignificanceModel } = {},
): AnchorBinning[] {
  const constraints = options.constraints ?? {}
  const model = options.model ?? MC_STAT
  const yields = new FineYields(signal, background)
  const half = nBins / 2
  const candidates: [AnchorBinning['method'], string, number[] | null][] = [
    ['equal-width', `equal width ${nBins}`, equalWidthCuts(yields.nFine, nBins)],
    ['flat-signal', `flat signal ${nBins}`, flatCuts(signal.sumw, nBins)],
    ['flat-background', `flat background ${nBins}`, flatCuts(background.sumw, nBins)],
    ['TransfoD', `TransfoD(${half},${half})`, transfoD(signal, background, half, half)],
    ['TransfoF', `TransfoF(${half},${half})`, transfoF(signal, background, half, half)],
    ['optimal', `optimal ${nBins}`, optimalBinning(signal, background, { constraints, model, nBins })?.cuts ?? null],
  ]
  return candidates
    .filter((c): c is [AnchorBinning['method'], string, number[]] => c[2] !== null)
    .map(([method, label, cuts]) => {
      const report = reportBins(yields.bins(cuts), constraints, model)
      return {
        method,
        label,
        cuts,
        edges: cuts.map((c) => yields.edges[c]),
        bins: report.bins,
        z: report.z,
        valid: report.bins.every((b) => b.violations.length === 0),
      }
    })
}
