/**
 * Fine histograms from ROOT ntuples through the native reader (native/ntuple, bound in native/node
 * as `loadNtupleSample`). The binding is reached through `NtupleBinding`, so the logic here is
 * testable without the addon.
 */


import type { ErrorCode } from '../../preload/api'
import { nativeAddon } from '../engine/native'
import { HistuneError } from '../errors'
import { addHistograms, type Histogram } from './histogram'

/** One sample to read: its tree, the observable, the event weight and the selection (expressions). */
export interface NtupleSampleSpec {
  file: string
  tree: string
  observable: string
  /** Weight expression, e.g. `weight` or `0.7*weight`; 1 when absent. */
  weight?: string
  /** Selection expression, e.g. `lep_charge > 0`; all events when absent. */
  selection?: string
}

export interface BinContent {
  sumw: number
  sumw2: number
  entries: number
}

/** A filled histogram; events outside the edges are only in `underflow` / `overflow`. */
export interface FilledHistogram extends Histogram {
  underflow: BinContent
  overflow: BinContent
}

/** What the native `NtupleSample` offers: the selected, sorted events of one sample. */
export interface NtupleSample {
  readonly events: number
  range(): number[] | null
  total(): BinContent
  histogram(edges: number[]): FilledHistogram
  histograms(edgeSets: number[][]): FilledHistogram[]
}

export interface NtupleBinding {
  loadNtupleSample(spec: NtupleSampleSpec): Promise<NtupleSample>
}

/**
 * The addon reports errors as `{"code","message"}` JSON in the message; class methods are not
 * translated by native/node/index.cjs, so do it here.
 */
export function toHistuneError(error: unknown): HistuneError {
  if (error instanceof HistuneError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('{"code"')) {
    try {
      const payload = JSON.parse(message) as { code: ErrorCode; message: string }
      return new HistuneError(payload.code, payload.message)
    } catch {
      // fall through: not the addon's JSON after all
    }
  }
  const code = (error as { code?: unknown })?.code
  return new HistuneError(code === 'E_IO' || code === 'E_BAD_REQUEST' ? code : 'E_ENGINE', message)
}

function translated<T>(call: () => T): T {
  try {
    return call()
  } catch (error) {
    throw toHistuneError(error)
  }
}

/** Wraps a native sample so that its errors are HistuneErrors. */
export function withTranslatedErrors(sample: NtupleSample): NtupleSample {
  return {
    get events() {
      return sample.events
    },
    range: () => sample.range(),
    total: () => sample.total(),
    histogram: (edges) => translated(() => sample.histogram(edges)),
    histograms: (edgeSets) => translated(() => sample.histograms(edgeSets)),
  }
}

/** The addon's ntuple reader; E_ENGINE with the fix when the addon is not built or not wired. */
export function nativeNtupleBinding(): NtupleBinding {
  let addon: Partial<NtupleBinding>
  try {
    addon = nativeAddon() as unknown as Partial<NtupleBinding>
  } catch (error) {
    throw new HistuneError('E_ENGINE', (error as Error).message)
  }
  const load = addon.loadNtupleSample
  if (typeof load !== 'function') {
    throw new HistuneError('E_ENGINE', 'the native addon has no ntuple reader; wire native/ntuple/BINDING.md and run `npm run build:native`')
  }
  return {
    loadNtupleSample: async (spec) => {
      try {
        return withTranslatedErrors(await load(spec))
      } catch (error) {
        throw toHistuneError(error)
      }
    },
  }
}

/** Signal and background samples of one region; several samples of a kind are added. */
export interface RegionSamples {
  signal: NtupleSampleSpec[]
  background: NtupleSampleSpec[]
}

function checkSpec(spec: NtupleSampleSpec, where: string): void {
  for (const key of ['file', 'tree', 'observable'] as const) {
    if (typeof spec[key] !== 'string' || spec[key].trim() === '') {
      throw new HistuneError('E_BAD_REQUEST', `${where}: "${key}" must be a non-empty string`)
    }
  }
}

/** The loaded samples of a region, ready to be filled at any binning. */
export class NtupleRegion {
  private constructor(
    readonly signal: NtupleSample[],
    readonly background: NtupleSample[],
  ) {}

  static async load(binding: NtupleBinding, samples: RegionSamples): Promise<NtupleRegion> {
    if (samples.signal.length === 0 || samples.background.length === 0) {
      throw new HistuneError('E_BAD_REQUEST', 'a region needs at least one signal and one background sample')
    }
    samples.signal.forEach((s, i) => checkSpec(s, `signal sample ${i}`))
    samples.background.forEach((s, i) => checkSpec(s, `background sample ${i}`))
    const [signal, background] = await Promise.all([
      Promise.all(samples.signal.map((s) => binding.loadNtupleSample(s))),
      Promise.all(samples.background.map((s) => binding.loadNtupleSample(s))),
    ])
    return new NtupleRegion(signal, background)
  }

  /** Smallest and largest observable value over all samples (a default range for fine bins). */
  range(): [number, number] | null {
    const ranges = [...this.signal, ...this.background].map((s) => s.range()).filter((r): r is number[] => r !== null)
    if (ranges.length === 0) return null
    return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))]
  }

  /** Total signal and total background at `edges` (the input of baselines and the DP). */
  fill(edges: number[]): { signal: Histogram; background: Histogram } {
    const add = (samples: NtupleSample[]): Histogram =>
      addHistograms(
        samples.map((s) => {
          const { sumw, sumw2, entries } = s.histogram(edges)
          return { edges: [...edges], sumw, sumw2, entries }
        }),
      )
    return { signal: add(this.signal), background: add(this.background) }
  }
}
