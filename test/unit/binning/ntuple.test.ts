import { describe, expect, it } from 'vitest'

import { HistuneError } from '../../../main/errors'
import {
  type FilledHistogram,
  nativeNtupleBinding,
  type NtupleBinding,
  NtupleRegion,
  type NtupleSample,
  type NtupleSampleSpec,
  toHistuneError,
  withTranslatedErrors,
} from '../../../main/binning/ntuple'
import { tutorialFineHistograms } from './fixture'

/** An in-memory sample with the native sample's semantics (bins [lo, hi), flow excluded). */
function memorySample(values: number[], weights: number[]): NtupleSample {
  const fill = (edges: number[]): FilledHistogram => {
    const n = edges.length - 1
    const h: FilledHistogram = {
      edges,
      sumw: Array(n).fill(0),
      sumw2: Array(n).fill(0),
      entries: Array(n).fill(0),
      underflow: { sumw: 0, sumw2: 0, entries: 0 },
      overflow: { sumw: 0, sumw2: 0, entries: 0 },
    }
    values.forEach((x, i) => {
      const w = weights[i]
      const k = edges.findIndex((e, j) => j < n && x >= e && x < edges[j + 1])
      const target = k >= 0 ? null : x < edges[0] ? h.underflow : h.overflow
      if (target) {
        target.sumw += w
        target.sumw2 += w * w
        target.entries += 1
      } else {
        h.sumw[k] += w
        h.sumw2[k] += w * w
        h.entries[k] += 1
      }
    })
    return h
  }
  return {
    events: values.length,
    range: () => (values.length ? [Math.min(...values), Math.max(...values)] : null),
    total: () => ({ sumw: weights.reduce((a, w) => a + w, 0), sumw2: weights.reduce((a, w) => a + w * w, 0), entries: values.length }),
    histogram: fill,
    histograms: (sets) => sets.map(fill),
  }
}

const TREES: Record<string, [number[], number[]]> = {
  signal: [[5, 7, 9], [1, 1, 2]],
  ttbar: [[1, 2, 6], [3, 1, 1]],
  wjets: [[0.5, 8, 12], [2, 2, 2]],
}

const memoryBinding: NtupleBinding = {
  loadNtupleSample: async (spec) => {
    const tree = TREES[spec.tree]
    if (!tree) throw new HistuneError('E_BAD_REQUEST', `no TTree named \`${spec.tree}\``)
    return memorySample(...tree)
  },
}

const spec = (tree: string): NtupleSampleSpec => ({ file: 'f.root', tree, observable: 'x', weight: 'w' })

describe('NtupleRegion', () => {
  it('adds the backgrounds and fills signal and background at the same edges', async () => {
    const region = await NtupleRegion.load(memoryBinding, { signal: [spec('signal')], background: [spec('ttbar'), spec('wjets')] })
    const { signal, background } = region.fill([0, 4, 10])
    expect(signal.sumw).toEqual([0, 4])
    expect(background.sumw).toEqual([6, 3])
    expect(background.sumw2).toEqual([14, 5])
    expect(background.entries).toEqual([3, 2])
    expect(region.range()).toEqual([0.5, 12])
  })

  it('refuses incomplete regions and sample specs, and passes the reader’s errors on', async () => {
    await expect(NtupleRegion.load(memoryBinding, { signal: [], background: [spec('ttbar')] })).rejects.toThrow(/at least one signal/)
    await expect(
      NtupleRegion.load(memoryBinding, { signal: [spec('signal')], background: [{ ...spec('ttbar'), observable: ' ' }] }),
    ).rejects.toThrow(/background sample 0: "observable"/)
    await expect(NtupleRegion.load(memoryBinding, { signal: [spec('signal')], background: [spec('zjets')] })).rejects.toThrow(/zjets/)
  })
})

describe('native error translation', () => {
  it('turns the addon’s JSON payload into a HistuneError with its code', () => {
    const e = toHistuneError(new Error('{"code":"E_BAD_REQUEST","message":"in expression `a >> 0` at position 3: unexpected `>`"}'))
    expect(e).toBeInstanceOf(HistuneError)
    expect(e.code).toBe('E_BAD_REQUEST')
    expect(e.message).toContain('position 3')
    expect(toHistuneError(new Error('boom')).code).toBe('E_ENGINE')
  })

  it('wraps sample methods', () => {
    const failing: NtupleSample = {
      ...memorySample([1], [1]),
      histogram: () => {
        throw new Error('{"code":"E_BAD_REQUEST","message":"invalid binning: need at least two edges, got 1"}')
      },
    }
    expect(() => withTranslatedErrors(failing).histogram([1])).toThrow(HistuneError)
    expect(withTranslatedErrors(failing).events).toBe(1)
  })
})

function wiredBinding(): NtupleBinding | null {
  try {
    return nativeNtupleBinding()
  } catch {
    return null
  }
}

const binding = wiredBinding()

describe.skipIf(binding === null)('native ntuple reader (when the addon is built with it)', () => {
  it('fills the tutorial ntuples like the stored fine histograms', async () => {
    const file = new URL('../../../../shared/fixtures/ntuples/prediction.root', import.meta.url).pathname
    const region = await NtupleRegion.load(binding!, {
      signal: [{ file, tree: 'signal', observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0' }],
      background: [{ file, tree: 'background', observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0' }],
    })
    const expected = tutorialFineHistograms()
    const { signal, background } = region.fill(expected.signal.edges)
    signal.sumw.forEach((w, i) => expect(w).toBeCloseTo(expected.signal.sumw[i], 9))
    expect(background.entries).toEqual(expected.background.entries)
  })
})
