import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { Histogram } from '../../../main/binning/histogram'

interface FineFixture {
  edges: number[]
  signal: Omit<Histogram, 'edges'>
  background: Omit<Histogram, 'edges'>
  background_varied: Omit<Histogram, 'edges'>
}

/** jet_pt (lep_charge > 0) of the tutorial ntuples in 280 bins of 5 GeV on [0, 1400]. */
export function tutorialFineHistograms(): { signal: Histogram; background: Histogram; backgroundVaried: Histogram } {
  const raw = JSON.parse(readFileSync(join(__dirname, 'fixtures/prediction-jet_pt-5gev.json'), 'utf8')) as FineFixture
  return {
    signal: { edges: raw.edges, ...raw.signal },
    background: { edges: raw.edges, ...raw.background },
    backgroundVaried: { edges: raw.edges, ...raw.background_varied },
  }
}

/** A histogram on edges 0, 1, …, n with the given bin contents. */
export function histogram(sumw: number[], sumw2?: number[], entries?: number[]): Histogram {
  return {
    edges: sumw.map((_, i) => i).concat(sumw.length),
    sumw,
    sumw2: sumw2 ?? sumw.map((w) => w),
    entries: entries ?? sumw.map(() => 10),
  }
}
