/**
 * What the binning objective needs from an input model (analytic shapes, ntuples, a fine-binned
 * workspace): a pyhf workspace at any binning, per-bin yields for the constraints, and fine
 * signal/background histograms for the baselines.
 */

import type { BinYields } from './constraints'
import type { Histogram } from './histogram'
import type { PyhfWorkspace } from './rebin-workspace'

export interface ChannelInfo {
  name: string
  /** The observable range of the channel. */
  range: [number, number]
  /** Edges the binning must be drawn from (a workspace's own bins); null when any edges work. */
  grid: number[] | null
  /**
   * The fine grid a `fine_merges` space without `fine` merges (ntuples: set by the background MC
   * statistics, see `statisticalFineWidth`).
   */
  defaultFine?: number[]
}

/** Edges per channel name. */
export type ChannelEdges = Record<string, number[]>

export interface BinnedModel {
  readonly channels: ChannelInfo[]
  /** Whether background MC statistics (Σw², event counts) are known. */
  readonly hasMcStatistics: boolean
  /** The workspace at `edges`, with the observed data as configured. */
  workspace(edges: ChannelEdges): PyhfWorkspace
  /** Per channel and bin: signal (POI samples), background (the others), Σw², MC event counts. */
  binYields(edges: ChannelEdges): Record<string, BinYields[]>
  /** Total signal and background of `channel` at the fine edges `edges`. */
  fineHistograms(channel: string, edges: number[]): { signal: Histogram; background: Histogram }
}

/** Per-bin yields from signal and background histograms on the same edges. */
export function yieldsOf(signal: Histogram, background: Histogram): BinYields[] {
  return signal.sumw.map((s, i) => ({
    lo: signal.edges[i],
    hi: signal.edges[i + 1],
    signal: s,
    background: background.sumw[i],
    backgroundSumw2: background.sumw2[i],
    backgroundEntries: background.entries[i],
  }))
}
