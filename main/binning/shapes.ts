/**
 * Analytic densities as a binned model (the tutorial): each sample's yield in a bin is the integral
 * of its density over the bin, or — the tutorial taken literally — the density at the bin centre
 * times the bin width. The observed data are the nominal expectation, or given events.
 */

import type { BinnedModel, ChannelEdges, ChannelInfo } from './binned-model'
import type { BinYields } from './constraints'
import type { ModifierConfig, ShapesChannelConfig, ShapesModelConfig } from './config'
import { compileExpression, type Density } from './expression'
import type { Histogram } from './histogram'
import { integrate } from './quadrature'
import type { PyhfModifier, PyhfWorkspace } from './rebin-workspace'

/** Yield of `density` in each bin of `edges`. */
export function densityYields(density: Density, edges: readonly number[], integrated: boolean): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = edges[i]
    const hi = edges[i + 1]
    out.push(integrated ? integrate(density, lo, hi) : density((lo + hi) / 2) * (hi - lo))
  }
  return out
}

/** Counts of `events` per bin [lo, hi); the last bin also takes events at its upper edge. */
export function countEvents(events: readonly number[], edges: readonly number[]): number[] {
  const n = edges.length - 1
  const counts = new Array<number>(n).fill(0)
  for (const x of events) {
    if (!(x >= edges[0] && x <= edges[n])) continue
    let lo = 0
    let hi = n
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (x >= edges[mid]) lo = mid
      else hi = mid
    }
    counts[lo]++
  }
  return counts
}

interface CompiledSample {
  name: string
  density: Density
  modifiers: ModifierConfig[]
  variations: Map<string, { hi: Density; lo: Density }>
  isSignal: boolean
}

interface CompiledChannel {
  config: ShapesChannelConfig
  samples: CompiledSample[]
}

export class ShapesModel implements BinnedModel {
  readonly channels: ChannelInfo[]
  readonly hasMcStatistics = false
  private readonly compiled: CompiledChannel[]

  constructor(private readonly config: ShapesModelConfig) {
    this.channels = config.channels.map((c) => ({ name: c.name, range: c.range, grid: null }))
    this.compiled = config.channels.map((channel) => ({
      config: channel,
      samples: channel.samples.map((s) => {
        const variations = new Map<string, { hi: Density; lo: Density }>()
        for (const m of s.modifiers) {
          if (m.type !== 'histosys') continue
          const d = m.data as { hi_density: string; lo_density: string }
          variations.set(m.name, { hi: compileExpression(d.hi_density, channel.observable), lo: compileExpression(d.lo_density, channel.observable) })
        }
        return {
          name: s.name,
          density: compileExpression(s.density, channel.observable),
          modifiers: s.modifiers,
          variations,
          isSignal: s.modifiers.some((m) => m.type === 'normfactor' && m.name === config.measurement.poi),
        }
      }),
    }))
  }

  private channel(name: string): CompiledChannel {
    const channel = this.compiled.find((c) => c.config.name === name)
    if (channel === undefined) throw new RangeError(`no channel "${name}"`)
    return channel
  }

  private static edgesOf(edges: ChannelEdges, channel: string): number[] {
    const e = edges[channel]
    if (e === undefined) throw new RangeError(`no edges for channel "${channel}"`)
    return e
  }

  private yields(density: Density, edges: readonly number[]): number[] {
    return densityYields(density, edges, this.config.integrate)
  }

  workspace(channelEdges: ChannelEdges): PyhfWorkspace {
    const channels = this.compiled.map(({ config, samples: compiled }) => {
      const edges = ShapesModel.edgesOf(channelEdges, config.name)
      const samples = compiled.map((s) => ({
        name: s.name,
        data: this.yields(s.density, edges),
        modifiers: s.modifiers.map((m): PyhfModifier => {
          const variation = s.variations.get(m.name)
          if (m.type === 'histosys' && variation) {
            return { name: m.name, type: m.type, data: { hi_data: this.yields(variation.hi, edges), lo_data: this.yields(variation.lo, edges) } }
          }
          return { name: m.name, type: m.type, data: structuredClone(m.data) }
        }),
      }))
      const observed = config.data === 'asimov' ? samples[0].data.map((_, i) => samples.reduce((a, s) => a + s.data[i], 0)) : countEvents(config.data.events, edges)
      return { channel: { name: config.name, samples }, observation: { name: config.name, data: observed } }
    })
    const { name, poi, parameters } = this.config.measurement
    return {
      version: '1.0.0',
      channels: channels.map((c) => c.channel),
      observations: channels.map((c) => c.observation),
      measurements: [{ name, config: { poi, parameters: structuredClone(parameters) } }],
    }
  }

  private split(channel: CompiledChannel, edges: readonly number[]): { signal: number[]; background: number[] } {
    const n = edges.length - 1
    const signal = new Array<number>(n).fill(0)
    const background = new Array<number>(n).fill(0)
    for (const s of channel.samples) {
      const y = this.yields(s.density, edges)
      const target = s.isSignal ? signal : background
      y.forEach((v, i) => (target[i] += v))
    }
    return { signal, background }
  }

  binYields(channelEdges: ChannelEdges): Record<string, BinYields[]> {
    const out: Record<string, BinYields[]> = {}
    for (const channel of this.compiled) {
      const edges = ShapesModel.edgesOf(channelEdges, channel.config.name)
      const { signal, background } = this.split(channel, edges)
      out[channel.config.name] = signal.map((s, i) => ({
        lo: edges[i],
        hi: edges[i + 1],
        signal: s,
        background: background[i],
        backgroundSumw2: 0,
        backgroundEntries: 0,
      }))
    }
    return out
  }

  fineHistograms(channel: string, edges: number[]): { signal: Histogram; background: Histogram } {
    const { signal, background } = this.split(this.channel(channel), edges)
    const zeros = signal.map(() => 0)
    return {
      signal: { edges: [...edges], sumw: signal, sumw2: zeros, entries: zeros },
      background: { edges: [...edges], sumw: background, sumw2: zeros, entries: zeros },
    }
  }
}
