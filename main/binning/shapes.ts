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
import { gaussLegendre, integrate } from './quadrature'
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

const PART_RULE = gaussLegendre(16)

/** ∫ₐᵇ f by the fixed 16-point Gauss–Legendre rule (for intervals where it is known to be exact enough). */
function fixedRule(f: Density, a: number, b: number): number {
  const half = (b - a) / 2
  const mid = (a + b) / 2
  let sum = 0
  for (let i = 0; i < PART_RULE.nodes.length; i++) sum += PART_RULE.weights[i] * f(mid + half * PART_RULE.nodes[i])
  return sum * half
}

/**
 * A density's integrals over the cells of a fine grid of its range, worked out once, so that a bin
 * costs the cells it covers plus two partial cells at its edges by a fixed 16-point rule instead
 * of an adaptive integration of its own. Every yield is still a sum of non-negative parts for a
 * non-negative density (no differences of running totals), so small bins keep their relative
 * accuracy. A cell is smooth when the rule on it and the rule on its two halves agree to 1e-15
 * (as the adaptive integrator judges its intervals, only tighter); other cells (a kink, a narrow
 * peak) are integrated adaptively, their parts too.
 */
export class CellIntegrals {
  private readonly cells: Float64Array
  /** 1 where the fixed rule is exact enough inside the cell. */
  private readonly smooth: Uint8Array
  private readonly width: number

  constructor(
    private readonly density: Density,
    private readonly lo: number,
    private readonly hi: number,
    private readonly n = 256,
  ) {
    this.width = (hi - lo) / n
    this.cells = new Float64Array(n)
    this.smooth = new Uint8Array(n)
    for (let j = 0; j < n; j++) {
      const a = this.edge(j)
      const b = this.edge(j + 1)
      const mid = (a + b) / 2
      const whole = fixedRule(density, a, b)
      const halves = fixedRule(density, a, mid) + fixedRule(density, mid, b)
      const smooth = Math.abs(halves - whole) <= 1e-15 * Math.abs(halves)
      this.smooth[j] = smooth ? 1 : 0
      this.cells[j] = smooth ? halves : integrate(density, a, b, 1e-14)
    }
  }

  private edge(j: number): number {
    return j === this.n ? this.hi : this.lo + j * this.width
  }

  /** The cell holding x (lo ≤ x ≤ hi), so that edge(j) ≤ x ≤ edge(j + 1) despite rounding. */
  private cellOf(x: number): number {
    let j = Math.min(this.n - 1, Math.max(0, Math.floor((x - this.lo) / this.width)))
    while (j > 0 && x < this.edge(j)) j--
    while (j < this.n - 1 && x > this.edge(j + 1)) j++
    return j
  }

  private part(j: number, a: number, b: number): number {
    if (a === b) return 0
    return this.smooth[j] === 1 ? fixedRule(this.density, a, b) : integrate(this.density, a, b)
  }

  /** ∫ₐᵇ of the density; intervals leaving the grid's range are integrated adaptively. */
  between(a: number, b: number): number {
    if (!(a >= this.lo && b <= this.hi && a <= b)) return integrate(this.density, a, b)
    const ja = this.cellOf(a)
    const jb = this.cellOf(b)
    if (ja === jb) return this.part(ja, a, b)
    let sum = this.part(ja, a, this.edge(ja + 1))
    for (let j = ja + 1; j < jb; j++) sum += this.cells[j]
    return sum + this.part(jb, this.edge(jb), b)
  }
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

/** A density with what the model remembers of it: its cell integrals and the last edges' yields. */
interface DensityTerm {
  density: Density
  cells: CellIntegrals | null
  last: { edges: number[]; yields: number[] } | null
}

interface CompiledSample {
  name: string
  density: DensityTerm
  modifiers: ModifierConfig[]
  variations: Map<string, { hi: DensityTerm; lo: DensityTerm }>
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
        const term = (text: string): DensityTerm => ({ density: compileExpression(text, channel.observable), cells: null, last: null })
        const variations = new Map<string, { hi: DensityTerm; lo: DensityTerm }>()
        for (const m of s.modifiers) {
          if (m.type !== 'histosys') continue
          const d = m.data as { hi_density: string; lo_density: string }
          variations.set(m.name, { hi: term(d.hi_density), lo: term(d.lo_density) })
        }
        return {
          name: s.name,
          density: term(s.density),
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

  /** Yields of a density in the bins of a channel (the same edges twice in a row: the same array). */
  private yields(term: DensityTerm, edges: readonly number[], range: [number, number]): number[] {
    const last = term.last
    if (last !== null && last.edges.length === edges.length && last.edges.every((e, i) => e === edges[i])) return last.yields
    let yields: number[]
    if (this.config.integrate) {
      term.cells ??= new CellIntegrals(term.density, range[0], range[1])
      const cells = term.cells
      yields = []
      for (let i = 0; i + 1 < edges.length; i++) yields.push(cells.between(edges[i], edges[i + 1]))
    } else {
      yields = densityYields(term.density, edges, false)
    }
    term.last = { edges: [...edges], yields }
    return yields
  }

  workspace(channelEdges: ChannelEdges): PyhfWorkspace {
    const channels = this.compiled.map(({ config, samples: compiled }) => {
      const edges = ShapesModel.edgesOf(channelEdges, config.name)
      const samples = compiled.map((s) => ({
        name: s.name,
        data: [...this.yields(s.density, edges, config.range)],
        modifiers: s.modifiers.map((m): PyhfModifier => {
          const variation = s.variations.get(m.name)
          if (m.type === 'histosys' && variation) {
            return {
              name: m.name,
              type: m.type,
              data: { hi_data: [...this.yields(variation.hi, edges, config.range)], lo_data: [...this.yields(variation.lo, edges, config.range)] },
            }
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
      const y = this.yields(s.density, edges, channel.config.range)
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
