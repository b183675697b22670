/**
 * The parameters a study suggests for a binning config, in a neutral form (name, int/float, low,
 * high, step, log) that the study engine maps to its distributions, and their decoding into edges
 * per channel. With one channel the names are the space's own (`n_bins`, `lo`, `hi`, `width_3`);
 * with several they are prefixed by the channel (`SR.n_bins`).
 */

import { HistuneError } from '../errors'
import { equalWidthEdges } from './baselines'
import type { ChannelEdges, ChannelInfo } from './binned-model'
import type { BuilderValue, ChannelBinningConfig, FineGridConfig, ParameterRange } from './config'
import { cutsFromEdges } from './histogram'
import { mergeSpace, type ParameterValues, type SearchSpace, variableWidthSpace } from './space'

export interface NumericParameter {
  name: string
  type: 'int' | 'float'
  low: number
  high: number
  step?: number
  log?: boolean
}

/** A choice among values (a Python builder's categorical keyword argument). */
export interface CategoricalParameter {
  name: string
  type: 'categorical'
  choices: BuilderValue[]
}

export type ParameterDescriptor = NumericParameter | CategoricalParameter

export interface BinningSpace {
  parameters: NumericParameter[]
  /** Edges per channel of a suggested point. */
  decode(params: ParameterValues): ChannelEdges
  /** A point decoding to `edges` (to enqueue a baseline as a trial); null if the space cannot express it. */
  encode(edges: ChannelEdges): ParameterValues | null
}

/** Edges of a fine grid over `range`; a `width` grid is extended to whole bins. */
export function fineGrid(config: FineGridConfig, range: [number, number]): number[] {
  const [lo, hi] = range
  if ('edges' in config) return [...config.edges]
  if ('bins' in config) return equalWidthEdges(config.bins, lo, hi)
  const n = Math.max(1, Math.ceil((hi - lo) / config.width - 1e-9))
  return Array.from({ length: n + 1 }, (_, i) => lo + i * config.width)
}

/**
 * The fine-bin width for ntuples when the config gives none: the range split into 2·n^(1/3) bins
 * (the Rice rule; n the unweighted background MC events in it), rounded to the nearest 1, 2, 2.5
 * or 5 × 10^k. Finer grids let the optimiser line edges up with MC fluctuations that do not hold
 * on independent events (test/bench/heldout_vs_transfod.mjs measures it; README "Binning on
 * finite MC").
 */
export function statisticalFineWidth(range: [number, number], backgroundEntries: number): number {
  const span = range[1] - range[0]
  const raw = span / Math.max(1, 2 * Math.cbrt(backgroundEntries))
  const decade = 10 ** Math.floor(Math.log10(raw))
  const candidates = [1, 2, 2.5, 5, 10].map((m) => m * decade)
  return candidates.reduce((best, c) => (Math.abs(Math.log(c / raw)) < Math.abs(Math.log(best / raw)) ? c : best))
}

function schemaError(path: string, message: string): HistuneError {
  return new HistuneError('E_SCHEMA', message, { path })
}

interface ChannelSpace {
  parameters: NumericParameter[]
  decode(values: ParameterValues): number[]
  encode(edges: number[]): ParameterValues | null
}

/** Equal-width bins between lo and hi, each either searched or fixed. */
function uniformChannel(spec: Extract<ChannelBinningConfig, { space: 'uniform' }>, channel: ChannelInfo, path: string): ChannelSpace {
  const [xmin, xmax] = channel.range
  const bound = (key: 'lo' | 'hi', value: ParameterRange | number | null, fallback: number): ParameterRange | number => {
    const v = value ?? fallback
    const [low, high] = typeof v === 'number' ? [v, v] : [v.low, v.high]
    if (low < xmin || high > xmax) throw schemaError(`${path}.${key}`, `${key} must stay within the observable range [${xmin}, ${xmax}]`)
    return v
  }
  const lo = bound('lo', spec.lo, xmin)
  const hi = bound('hi', spec.hi, xmax)
  const top = (v: ParameterRange | number): number => (typeof v === 'number' ? v : v.high)
  const bottom = (v: ParameterRange | number): number => (typeof v === 'number' ? v : v.low)
  if (!(top(lo) < bottom(hi))) throw schemaError(path, `every lo must be below every hi: lo up to ${top(lo)}, hi from ${bottom(hi)}`)
  const parameters: NumericParameter[] = [{ name: 'n_bins', type: 'int', ...spec.nBins }]
  if (typeof lo !== 'number') parameters.push({ name: 'lo', type: 'float', ...lo })
  if (typeof hi !== 'number') parameters.push({ name: 'hi', type: 'float', ...hi })
  const valueOf = (values: ParameterValues, name: string, fixed: ParameterRange | number): number =>
    typeof fixed === 'number' ? fixed : checked(values, parameters.find((p) => p.name === name)!)
  return {
    parameters,
    decode: (values) => equalWidthEdges(checked(values, parameters[0]), valueOf(values, 'lo', lo), valueOf(values, 'hi', hi)),
    encode: (edges) => {
      const n = edges.length - 1
      const width = (edges[n] - edges[0]) / n
      if (edges.some((e, i) => Math.abs(e - (edges[0] + i * width)) > 1e-9 * Math.max(1, Math.abs(width)))) return null
      const point: ParameterValues = { n_bins: n }
      if (typeof lo !== 'number') point.lo = edges[0]
      else if (Math.abs(edges[0] - lo) > 1e-12) return null
      if (typeof hi !== 'number') point.hi = edges[n]
      else if (Math.abs(edges[n] - hi) > 1e-12) return null
      return parameters.every((p) => inside(point[p.name], p)) ? point : null
    },
  }
}

function inside(v: number | undefined, p: NumericParameter): boolean {
  return v !== undefined && v >= p.low && v <= p.high && (p.type === 'float' || Number.isInteger(v))
}

function checked(values: ParameterValues, p: NumericParameter): number {
  const v = values[p.name]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HistuneError('E_BAD_REQUEST', `parameter ${p.name} is missing or not a number`)
  if (!inside(v, p)) throw new HistuneError('E_BAD_REQUEST', `parameter ${p.name} = ${v} is outside [${p.low}, ${p.high}]${p.type === 'int' ? ' or not an integer' : ''}`)
  return v
}

/** A space.ts search space as a channel space (its cuts mapped to fine edges when `grid` is given). */
function fromSearchSpace(space: SearchSpace<number[]>, grid: number[] | null): ChannelSpace {
  const parameters = space.parameters.map((p): NumericParameter => ({ name: p.name, type: p.kind, low: p.low, high: p.high }))
  const wrap = <T>(f: () => T): T => {
    try {
      return f()
    } catch (error) {
      if (error instanceof RangeError) throw new HistuneError('E_BAD_REQUEST', error.message)
      throw error
    }
  }
  return {
    parameters,
    decode: (values) =>
      wrap(() => {
        const out = space.decode(values)
        return grid === null ? out : out.map((c) => grid[c])
      }),
    encode: (edges) => {
      try {
        const point = space.encode(grid === null ? edges : cutsFromEdges(grid, edges))
        return parameters.every((p) => inside(point[p.name], p)) ? point : null
      } catch {
        return null
      }
    },
  }
}

function channelSpace(spec: ChannelBinningConfig, channel: ChannelInfo, path: string, minWidth: number | undefined): ChannelSpace {
  const [xmin, xmax] = channel.range
  const minBins = spec.nBins.low
  const maxBins = spec.nBins.high
  const guard = <T>(f: () => T): T => {
    try {
      return f()
    } catch (error) {
      if (error instanceof RangeError) throw schemaError(path, error.message)
      throw error
    }
  }
  switch (spec.space) {
    case 'uniform':
      return uniformChannel(spec, channel, path)
    case 'free_edges': {
      const width = spec.minWidth ?? minWidth ?? ((xmax - xmin) * 1e-3) / maxBins
      return guard(() => fromSearchSpace(variableWidthSpace({ xmin, xmax, minBins, maxBins, minWidth: width }), null))
    }
    case 'fine_merges': {
      const grid = channel.grid ?? (spec.fine === null ? (channel.defaultFine ?? null) : fineGrid(spec.fine, channel.range))
      if (grid === null) throw schemaError(`${path}.fine`, 'fine_merges needs a fine grid: fine: {width: …}, {bins: …} or {edges: […]}')
      return guard(() => fromSearchSpace(mergeSpace({ nFine: grid.length - 1, minBins, maxBins, minFineBins: spec.minFineBins }), grid))
    }
  }
}

/** The search space of a study: one channel space per channel. */
export function binningSpace(
  specs: Record<string, ChannelBinningConfig>,
  channels: ChannelInfo[],
  options: { minWidth?: number } = {},
): BinningSpace {
  const prefixed = channels.length > 1
  const parts = channels.map((channel) => {
    const path = prefixed ? `binning.channels.${channel.name}` : 'binning'
    return { channel: channel.name, prefix: prefixed ? `${channel.name}.` : '', space: channelSpace(specs[channel.name], channel, path, options.minWidth) }
  })
  return {
    parameters: parts.flatMap(({ prefix, space }) => space.parameters.map((p) => ({ ...p, name: prefix + p.name }))),
    decode(params) {
      const out: ChannelEdges = {}
      for (const { channel, prefix, space } of parts) {
        const own: ParameterValues = {}
        for (const p of space.parameters) own[p.name] = params[prefix + p.name]
        out[channel] = space.decode(own)
      }
      return out
    },
    encode(edges) {
      const out: ParameterValues = {}
      for (const { channel, prefix, space } of parts) {
        const e = edges[channel]
        const point = e === undefined ? null : space.encode(e)
        if (point === null) return null
        for (const [k, v] of Object.entries(point)) out[prefix + k] = v
      }
      return out
    },
  }
}
