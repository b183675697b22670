/** Per-bin requirements analysts put on a binning, and a per-bin report against them. */

import { asimovZ, asimovZWithUncertainty } from './significance'

export interface BinConstraints {
  /** Minimum expected (weighted) background per bin. */
  minBackground?: number
  /** Maximum relative MC statistical error of the background, sqrt(Σw²)/Σw. */
  maxRelativeMcError?: number
  /** Minimum number of unweighted background MC events per bin. */
  minBackgroundEntries?: number
  /** Minimum bin width in the observable's units. */
  minWidth?: number
}

/** Yields of one (merged) bin. */
export interface BinYields {
  lo: number
  hi: number
  signal: number
  background: number
  backgroundSumw2: number
  backgroundEntries: number
}

export type ConstraintName = 'positiveBackground' | keyof BinConstraints

/**
 * Names of the requirements a bin fails. A bin without positive background always fails: its
 * significance is unbounded and its statistical model undefined.
 */
export function binViolations(bin: BinYields, constraints: BinConstraints): ConstraintName[] {
  const out: ConstraintName[] = []
  if (!(bin.background > 0)) out.push('positiveBackground')
  if (constraints.minBackground !== undefined && !(bin.background >= constraints.minBackground)) out.push('minBackground')
  if (
    constraints.maxRelativeMcError !== undefined &&
    !(Math.sqrt(bin.backgroundSumw2) <= constraints.maxRelativeMcError * bin.background)
  ) {
    out.push('maxRelativeMcError')
  }
  if (constraints.minBackgroundEntries !== undefined && !(bin.backgroundEntries >= constraints.minBackgroundEntries)) {
    out.push('minBackgroundEntries')
  }
  // A relative tolerance keeps bins exactly at the minimum width (edges from sums of floats) valid.
  if (constraints.minWidth !== undefined && !(bin.hi - bin.lo >= constraints.minWidth * (1 - 1e-12))) out.push('minWidth')
  return out
}

export function binSatisfies(bin: BinYields, constraints: BinConstraints): boolean {
  return binViolations(bin, constraints).length === 0
}

/** How the per-bin significance treats the background uncertainty. */
export interface SignificanceModel {
  /** Use the background's MC statistical error sqrt(Σw²) as σ_b. */
  mcStatUncertainty: boolean
  /** Relative background systematic δ, added to σ_b in quadrature as δ·b. */
  relativeBackgroundSystematic?: number
}

export const STAT_ONLY: SignificanceModel = { mcStatUncertainty: false }
export const MC_STAT: SignificanceModel = { mcStatUncertainty: true }

/** Asimov Z of one bin under `model`. */
export function binSignificance(bin: BinYields, model: SignificanceModel): number {
  const delta = model.relativeBackgroundSystematic ?? 0
  const variance = (model.mcStatUncertainty ? bin.backgroundSumw2 : 0) + (delta * bin.background) ** 2
  return variance > 0 ? asimovZWithUncertainty(bin.signal, bin.background, Math.sqrt(variance)) : asimovZ(bin.signal, bin.background)
}

export interface BinReport extends BinYields {
  z: number
  relativeMcError: number
  violations: ConstraintName[]
}

/** Per-bin table (yields, Z, relative MC error, failed requirements) for merged histograms. */
export function reportBins(
  bins: readonly BinYields[],
  constraints: BinConstraints,
  model: SignificanceModel = MC_STAT,
): { bins: BinReport[]; z: number } {
  const reports = bins.map((bin) => ({
    ...bin,
    z: binSignificance(bin, model),
    relativeMcError: bin.background > 0 ? Math.sqrt(bin.backgroundSumw2) / bin.background : Infinity,
    violations: binViolations(bin, constraints),
  }))
  return { bins: reports, z: Math.sqrt(reports.reduce((acc, r) => acc + r.z * r.z, 0)) }
}
