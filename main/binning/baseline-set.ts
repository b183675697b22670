/**
 * The baseline binnings a config asks for, per channel, at the same bin counts: equal width, flat
 * signal, flat background, TRExFitter TransfoD/TransfoF and the exact DP optimum of Σ Z_A(σ_b)²
 * under the study's constraints. TransfoD/F with explicit (zs, zb) choose their own bin count; when
 * `n_bins` is not given, the other baselines use those counts ("at equal bin count").
 */

import { equalWidthCuts, equalWidthEdges, flatCuts } from './baselines'
import type { BinnedModel, ChannelEdges, ChannelInfo } from './binned-model'
import { fineGrid } from './binning-space'
import type { BaselineMethod, BinningConfig, StudyConfig } from './config'
import type { BinConstraints } from './constraints'
import type { Histogram } from './histogram'
import { optimalBinningsByCount, type OptimalBinning } from './optimal'
import { transfoD, transfoF } from './transfo'

export interface BaselineBinning {
  method: BaselineMethod['kind']
  edges: ChannelEdges
}

/** Outcome per baseline name: edges, or why the baseline does not exist. */
export type BaselineBinnings = Record<string, BaselineBinning | { method: BaselineMethod['kind']; error: string }>

function fineEdgesFor(config: StudyConfig, binning: BinningConfig, channel: ChannelInfo): number[] {
  if (config.baselines.fine !== null) return fineGrid(config.baselines.fine, channel.range)
  if (channel.grid !== null) return channel.grid
  const spec = binning.channels[channel.name]
  if (spec?.space === 'fine_merges' && spec.fine !== null) return fineGrid(spec.fine, channel.range)
  if (spec?.space === 'fine_merges' && channel.defaultFine !== undefined) return channel.defaultFine
  return fineGrid({ bins: 400 }, channel.range)
}

export function binConstraints(config: StudyConfig): BinConstraints {
  const c = config.constraints
  const out: BinConstraints = {}
  if (c.minBackground !== undefined) out.minBackground = c.minBackground
  if (c.maxMcRelError !== undefined) out.maxRelativeMcError = c.maxMcRelError
  if (c.minMcEvents !== undefined) out.minBackgroundEntries = c.minMcEvents
  if (c.minWidth !== undefined) out.minWidth = c.minWidth
  return out
}

const countLabel = (counts: Record<string, number>): string => {
  const values = Object.values(counts)
  return values.every((n) => n === values[0]) ? String(values[0]) : Object.entries(counts).map(([c, n]) => `${c}${n}`).join('_')
}

/** Baseline edges per channel, computed on `model` (the training part when validating). */
export function baselineBinnings(config: StudyConfig, model: BinnedModel): BaselineBinnings {
  const channels = model.channels.map((c) => {
    const fine = fineEdgesFor(config, config.binning, c)
    return { ...c, fine, ...model.fineHistograms(c.name, fine) }
  })
  const constraints = binConstraints(config)
  const out: BaselineBinnings = {}
  const derivedCounts: Record<string, number>[] = []

  const transfo = (kind: 'transfo_d' | 'transfo_f', signal: Histogram, background: Histogram, zs: number, zb: number): number[] =>
    kind === 'transfo_d' ? transfoD(signal, background, zs, zb) : transfoF(signal, background, zs, zb)

  for (const method of config.baselines.methods) {
    if ((method.kind !== 'transfo_d' && method.kind !== 'transfo_f') || method.zs === undefined || method.zb === undefined) continue
    const { zs, zb } = method
    const edges: ChannelEdges = {}
    const counts: Record<string, number> = {}
    for (const c of channels) {
      const cuts = transfo(method.kind, c.signal, c.background, zs, zb)
      edges[c.name] = cuts.map((k) => c.fine[k])
      counts[c.name] = cuts.length - 1
    }
    out[`${method.kind}_${zs}_${zb}`] = { method: method.kind, edges }
    derivedCounts.push(counts)
  }

  const countSets = config.baselines.nBins !== null ? config.baselines.nBins.map((n) => Object.fromEntries(channels.map((c) => [c.name, n]))) : derivedCounts
  // One dynamic programme per channel serves every bin count asked of it.
  const optimumTables = new Map<string, (nBins: number) => OptimalBinning | null>()
  const optimum = (c: (typeof channels)[number], n: number): OptimalBinning | null => {
    let table = optimumTables.get(c.name)
    if (table === undefined) {
      const maxBins = Math.max(...countSets.map((counts) => counts[c.name] ?? 1))
      table = optimalBinningsByCount(c.signal, c.background, { constraints, maxBins })
      optimumTables.set(c.name, table)
    }
    return table(n)
  }
  for (const counts of countSets) {
    const label = countLabel(counts)
    for (const method of config.baselines.methods) {
      if ((method.kind === 'transfo_d' || method.kind === 'transfo_f') && method.zs !== undefined) continue
      const name = `${method.kind}_${label}`
      if (out[name] !== undefined) continue
      const edges: ChannelEdges = {}
      let error: string | null = null
      for (const c of channels) {
        const n = counts[c.name]
        let cuts: number[] | null
        try {
          switch (method.kind) {
            case 'equal_width':
              if (c.grid === null) {
                edges[c.name] = equalWidthEdges(n, c.range[0], c.range[1])
                continue
              }
              cuts = equalWidthCuts(c.fine.length - 1, n)
              break
            case 'flat_signal':
              cuts = flatCuts(c.signal.sumw, n)
              break
            case 'flat_background':
              cuts = flatCuts(c.background.sumw, n)
              break
            case 'transfo_d':
            case 'transfo_f':
              cuts = transfo(method.kind, c.signal, c.background, n / 2, n / 2)
              break
            case 'dp_optimum':
              cuts = optimum(c, n)?.cuts ?? null
              if (cuts === null) error = `no binning of channel ${c.name} into ${n} bins of the fine grid satisfies the constraints`
              break
          }
        } catch (e) {
          error = `channel ${c.name}: ${(e as Error).message}`
          cuts = null
        }
        if (cuts === null) break
        edges[c.name] = cuts.map((k) => c.fine[k])
      }
      out[name] = error === null ? { method: method.kind, edges } : { method: method.kind, error }
    }
  }
  return out
}
