/**
 * ROOT ntuples as a binned model: the events of every sample, variation and the data are read once
 * (loadNtupleSample); each binning only histograms them. Modifiers become pyhf modifiers:
 * staterror data = sqrt(Σw²) per bin, histosys templates from other trees or weight expressions
 * (a symmetrised down template is nominal − (up − nominal)), normfactor/normsys/lumi as written.
 * With `smoothing` the nominal and histosys templates are kernel-smoothed (smoothing.ts); staterror,
 * bin yields (the constraints) and fine histograms stay raw.
 */

import { dirname, isAbsolute, resolve } from 'node:path'

import { HistuneError } from '../errors'
import type { BinnedModel, ChannelEdges, ChannelInfo } from './binned-model'
import { yieldsOf } from './binned-model'
import type { BinYields } from './constraints'
import type { ModifierConfig, NtupleChannelConfig, NtupleHistosys, NtuplesModelConfig, NtupleSource, SmoothingConfig } from './config'
import { fineGrid, statisticalFineWidth } from './binning-space'
import { addHistograms, type Histogram } from './histogram'
import type { NtupleBinding, NtupleSample, NtupleSampleSpec } from './ntuple'
import type { PyhfModifier, PyhfWorkspace } from './rebin-workspace'
import { GaussianSmoother, keysBandwidths, silvermanBandwidth, SmoothedTemplate, smoothingCells } from './smoothing'
import { andSelections, type McPart, scaledWeight } from './validation'

export interface NtupleModelOptions {
  /** The config file: sample files are relative to its directory. */
  configFile?: string
  binding: NtupleBinding
  /** Only this part of the MC events (held-out validation); all events when absent. */
  part?: McPart
  /** Kernel-smoothed nominal and histosys templates in the workspace (staterror stays raw). */
  smoothing?: SmoothingConfig
}

interface LoadedSample {
  name: string
  isSignal: boolean
  nominal: NtupleSample
  modifiers: ModifierConfig[]
  /** Up and down samples per histosys name; down null when symmetrised. */
  variations: Map<string, { up: NtupleSample; down: NtupleSample | null }>
  /** The same templates kernel-smoothed (`smoothing`), with one set of kernels per sample. */
  smoothed?: {
    nominal: SmoothedTemplate
    variations: Map<string, { up: SmoothedTemplate; down: SmoothedTemplate | null }>
  }
}

/** Loads each distinct spec once, however many samples or models refer to it. */
export class SampleCache {
  private readonly loaded = new Map<string, Promise<NtupleSample>>()

  constructor(private readonly binding: NtupleBinding) {}

  load(spec: NtupleSampleSpec): Promise<NtupleSample> {
    const key = JSON.stringify([spec.file, spec.tree, spec.observable, spec.weight ?? null, spec.selection ?? null])
    let sample = this.loaded.get(key)
    if (sample === undefined) {
      sample = this.binding.loadNtupleSample(spec)
      this.loaded.set(key, sample)
    }
    return sample
  }
}

function histogramOf(sample: NtupleSample, edges: number[]): Histogram {
  const { sumw, sumw2, entries } = sample.histogram(edges)
  return { edges: [...edges], sumw, sumw2, entries }
}

/** [min, max] widened to multiples of 10^round(log10(1 % of the span)), the top strictly above max. */
export function roundedRange(min: number, max: number): [number, number] {
  const span = max - min
  if (!(span > 0)) return [min, min + 1]
  const exponent = Math.round(Math.log10(span / 100))
  // k / 10^-e rather than k · 10^e: 96 / 10 is 9.6, 96 · 0.1 is not.
  const at = (k: number): number => (exponent >= 0 ? k * 10 ** exponent : k / 10 ** -exponent)
  const step = at(1)
  return [at(Math.floor(min / step)), at(Math.floor(max / step) + 1)]
}

interface LoadedChannel {
  config: NtupleChannelConfig
  samples: LoadedSample[]
  data: NtupleSample | null
}

export class NtupleModel implements BinnedModel {
  readonly hasMcStatistics = true

  private constructor(
    private readonly config: NtuplesModelConfig,
    readonly channels: ChannelInfo[],
    private readonly loaded: LoadedChannel[],
  ) {}

  static async load(config: NtuplesModelConfig, options: NtupleModelOptions & { cache?: SampleCache }): Promise<NtupleModel> {
    const base = options.configFile ? dirname(resolve(options.configFile)) : process.cwd()
    const cache = options.cache ?? new SampleCache(options.binding)
    const part = options.part
    const withContext = async (what: string, load: Promise<NtupleSample>): Promise<NtupleSample> => {
      try {
        return await load
      } catch (error) {
        const e = error instanceof HistuneError ? error : new HistuneError('E_IO', String((error as Error)?.message ?? error))
        throw new HistuneError(e.code, `${what}: ${e.message}`, { path: e.path, file: e.file ?? options.configFile, line: e.line })
      }
    }
    const loadChannel = async (channel: NtupleChannelConfig): Promise<LoadedChannel> => {
      const spec = (source: NtupleSource, mc: boolean): NtupleSampleSpec => ({
        file: isAbsolute(source.file) ? source.file : resolve(base, source.file),
        tree: source.tree,
        observable: channel.observable,
        weight: mc && part ? scaledWeight(source.weight, part.weightFactor) : source.weight,
        selection: andSelections(channel.selection, source.selection, mc ? part?.selection : undefined),
      })
      // One Promise.all over every read, so that no failed read is left unobserved.
      const [samples, data] = await Promise.all([
        Promise.all(
          channel.samples.map(async (s, i): Promise<LoadedSample> => {
            const where = `${channel.path}.samples[${i}] (${s.name})`
            const nominalSource: NtupleSource = { file: s.file, tree: s.tree, weight: s.weight, selection: s.selection }
            const histosys = s.modifiers.filter((m) => m.type === 'histosys')
            const [nominal, ...templates] = await Promise.all([
              withContext(where, cache.load(spec(nominalSource, true))),
              ...histosys.map(async (m) => {
                const h = m.data as NtupleHistosys
                const [up, down] = await Promise.all([
                  withContext(`${where} histosys ${m.name} up`, cache.load(spec({ ...nominalSource, ...h.up }, true))),
                  h.down === 'symmetrize' ? null : withContext(`${where} histosys ${m.name} down`, cache.load(spec({ ...nominalSource, ...h.down }, true))),
                ])
                return { up, down }
              }),
            ])
            return {
              name: s.name,
              isSignal: s.modifiers.some((m) => m.type === 'normfactor' && m.name === config.measurement.poi),
              nominal,
              modifiers: s.modifiers,
              variations: new Map(histosys.map((m, k) => [m.name, templates[k]])),
            }
          }),
        ),
        channel.data === 'asimov' ? null : withContext(`${channel.path}.data`, cache.load(spec(channel.data, false))),
      ])
      return { config: channel, samples, data }
    }
    const loaded = await Promise.all(config.channels.map(loadChannel))
    const channels = loaded.map((c): ChannelInfo => {
      const range = c.config.range ?? NtupleModel.rangeOf(c)
      const entries = c.samples.filter((s) => !s.isSignal).reduce((a, s) => a + s.nominal.histogram(range).entries[0], 0)
      return { name: c.config.name, range, grid: null, defaultFine: fineGrid({ width: statisticalFineWidth(range, entries) }, range) }
    })
    if (options.smoothing !== undefined) {
      for (const [i, channel] of loaded.entries()) NtupleModel.smooth(channel, channels[i].range, options.smoothing)
    }
    return new NtupleModel(config, channels, loaded)
  }

  /**
   * Smoothed templates for every sample of `channel`. The kernels come from the sample's nominal
   * events — kde: the configured bandwidth or Silverman's; keys: RooKeysPdf's adaptive bandwidth
   * at each point — and its variations share them (so that a variation's difference to nominal is
   * not made by different smoothing).
   */
  private static smooth(channel: LoadedChannel, range: [number, number], smoothing: SmoothingConfig): void {
    const cells = smoothingCells(range)
    for (const sample of channel.samples) {
      const nominal = sample.nominal.histogram(cells)
      const bandwidth: number | number[] =
        smoothing.method === 'keys' ? keysBandwidths(cells, nominal.sumw, nominal.sumw2, smoothing.rho) : (smoothing.bandwidth ?? silvermanBandwidth(cells, nominal.sumw, nominal.sumw2))
      // No events in range: nothing to smooth.
      if (typeof bandwidth === 'number' ? !Number.isFinite(bandwidth) : bandwidth.length === 0) continue
      const smoother = new GaussianSmoother(cells, bandwidth)
      const template = (s: NtupleSample): SmoothedTemplate => new SmoothedTemplate(cells, smoother.smooth(s.histogram(cells).sumw))
      sample.smoothed = {
        nominal: template(sample.nominal),
        variations: new Map([...sample.variations].map(([name, v]) => [name, { up: template(v.up), down: v.down === null ? null : template(v.down) }])),
      }
    }
  }

  /**
   * The nominal samples' observable range, rounded outward to multiples of the power of ten nearest
   * 1 % of it (so that fine grids get round edges); the upper end lies above the largest value,
   * which bins [lo, hi) would otherwise drop.
   */
  private static rangeOf(channel: LoadedChannel): [number, number] {
    const ranges = channel.samples.map((s) => s.nominal.range()).filter((r): r is number[] => r !== null)
    if (ranges.length === 0) {
      throw new HistuneError('E_EMPTY', `no sample of channel ${channel.config.name} has events after the selection: give its range`, { path: `${channel.config.path}.samples` })
    }
    return roundedRange(Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1])))
  }

  private channel(name: string): LoadedChannel {
    const channel = this.loaded.find((c) => c.config.name === name)
    if (channel === undefined) throw new RangeError(`no channel "${name}"`)
    return channel
  }

  private static edgesOf(edges: ChannelEdges, channel: string): number[] {
    const e = edges[channel]
    if (e === undefined) throw new RangeError(`no edges for channel "${channel}"`)
    return e
  }

  /** `nominal`: the sample's template (smoothed or not); `raw`: its MC histogram, for staterror. */
  private static modifier(m: ModifierConfig, sample: LoadedSample, nominal: number[], raw: Histogram, edges: number[]): PyhfModifier {
    switch (m.type) {
      case 'staterror':
        return { name: m.name, type: m.type, data: raw.sumw2.map(Math.sqrt) }
      case 'histosys': {
        const v = sample.smoothed?.variations.get(m.name) ?? sample.variations.get(m.name)!
        const sumw = (t: NtupleSample | SmoothedTemplate): number[] => (t instanceof SmoothedTemplate ? t.histogram(edges) : t.histogram(edges).sumw)
        const hi = sumw(v.up)
        const lo = v.down === null ? nominal.map((n, i) => 2 * n - hi[i]) : sumw(v.down)
        return { name: m.name, type: m.type, data: { hi_data: hi, lo_data: lo } }
      }
      default:
        return { name: m.name, type: m.type, data: structuredClone(m.data) }
    }
  }

  workspace(channelEdges: ChannelEdges): PyhfWorkspace {
    const channels = this.loaded.map((channel) => {
      const edges = NtupleModel.edgesOf(channelEdges, channel.config.name)
      const samples = channel.samples.map((s) => {
        const raw = histogramOf(s.nominal, edges)
        const nominal = s.smoothed === undefined ? raw.sumw : s.smoothed.nominal.histogram(edges)
        return { name: s.name, data: nominal, modifiers: s.modifiers.map((m) => NtupleModel.modifier(m, s, nominal, raw, edges)) }
      })
      const observed = channel.data === null ? samples[0].data.map((_, i) => samples.reduce((a, s) => a + s.data[i], 0)) : channel.data.histogram(edges).sumw
      return { channel: { name: channel.config.name, samples }, observation: { name: channel.config.name, data: observed } }
    })
    const { name, poi, parameters } = this.config.measurement
    return {
      version: '1.0.0',
      channels: channels.map((c) => c.channel),
      observations: channels.map((c) => c.observation),
      measurements: [{ name, config: { poi, parameters: structuredClone(parameters) } }],
    }
  }

  fineHistograms(name: string, edges: number[]): { signal: Histogram; background: Histogram } {
    const channel = this.channel(name)
    const total = (signal: boolean): Histogram => {
      const picked = channel.samples.filter((s) => s.isSignal === signal)
      // A control region without signal has an empty signal histogram.
      if (picked.length === 0) return { edges: [...edges], sumw: edges.slice(1).map(() => 0), sumw2: edges.slice(1).map(() => 0), entries: edges.slice(1).map(() => 0) }
      return addHistograms(picked.map((s) => histogramOf(s.nominal, edges)))
    }
    return { signal: total(true), background: total(false) }
  }

  binYields(channelEdges: ChannelEdges): Record<string, BinYields[]> {
    const out: Record<string, BinYields[]> = {}
    for (const channel of this.loaded) {
      const { signal, background } = this.fineHistograms(channel.config.name, NtupleModel.edgesOf(channelEdges, channel.config.name))
      out[channel.config.name] = yieldsOf(signal, background)
    }
    return out
  }
}
