import { describe, expect, it } from 'vitest'

import { transfoD, transfoF, transfoJ } from '../../../main/binning/transfo'
import { FineYields } from '../../../main/binning/yields'
import { histogram, tutorialFineHistograms } from './fixture'

describe('TransfoD', () => {
  it('closes a bin once zs·s/S + zb·b/B exceeds 1, walking down from the top', () => {
    // S = B = 10, zs = zb = 1, so Z = (s + b)/10. From the top: bin 5 gives Z = 0.6, +bin 4 0.9,
    // +bin 3 1.1 → closes at 3. Bins 2…0 reach only 0.9: the incomplete tail stays (2 bins ≤ zs+zb).
    const s = histogram([0, 0, 1, 1, 2, 6])
    const b = histogram([4, 3, 1, 1, 1, 0])
    expect(transfoD(s, b, 1, 1)).toEqual([0, 3, 6])
  })

  it('keeps the extension whose 1/Z is closest to 1 and merges an extra tail bin', () => {
    // Bin 5 alone: Z = 0.95 (|1/Z − 1| = 0.053); adding bin 4 gives Z = 1.5 (0.333, worse): bin 4
    // starts the next bin. Bins 4…1 reach Z = 1.0 exactly (not > 1); adding bin 0 gives 1.05, which
    // passes but is further from 1, so that bin closes at 1. Bin 0 alone is a third, incomplete bin:
    // 3 > zs + zb, so it joins the bin above.
    const s = histogram([0, 0, 1, 1, 3, 5])
    const b = histogram([0.5, 0.5, 1, 1, 2.5, 4.5])
    expect(transfoD(s, b, 1, 1)).toEqual([0, 5, 6])
  })

  it('with zb = 0 gives flat-signal bins', () => {
    const s = histogram([1, 1, 1, 1, 1, 1, 1, 1])
    const b = histogram([5, 1, 1, 1, 1, 1, 1, 5])
    expect(transfoD(s, b, 4, 0)).toEqual([0, 2, 4, 6, 8])
  })

  it('reproduces the TransfoD(2,2) edges on the tutorial ntuples', () => {
    // Derived by hand from the definition on the 5 GeV fine histograms: with S = 61.08 and
    // B = 514.86, walking down from 1400 GeV the bins close at 550 (Z = 1.02), 470 (1.02) and
    // 350 (1.01); the rest holds Z ≈ 0.96 and stays a bin of its own (4 bins = zs + zb).
    const { signal, background } = tutorialFineHistograms()
    const cuts = transfoD(signal, background, 2, 2)
    expect(cuts.map((c) => signal.edges[c])).toEqual([0, 350, 470, 550, 1400])
    const S = signal.sumw.reduce((a, x) => a + x, 0)
    const B = background.sumw.reduce((a, x) => a + x, 0)
    const zD = new FineYields(signal, background).bins(cuts).map((bin) => (2 * bin.signal) / S + (2 * bin.background) / B)
    expect(zD.reduce((a, z) => a + z, 0)).toBeCloseTo(4, 10)
    for (const z of zD) expect(Math.abs(z - 1)).toBeLessThan(0.05)
  })

  it('agrees with the published study for (3,3) and (5,5)', () => {
    const { signal, background } = tutorialFineHistograms()
    const edges = (cuts: number[]): number[] => cuts.map((c) => signal.edges[c])
    expect(edges(transfoD(signal, background, 3, 3))).toEqual([0, 285, 405, 470, 520, 590, 1400])
    expect(edges(transfoD(signal, background, 5, 5))).toEqual([0, 220, 310, 385, 435, 470, 500, 535, 575, 630, 1400])
  })
})

describe('TransfoF', () => {
  it('requires a 10% background MC error before closing a bin and always merges the bottom bin', () => {
    // Every fine bin has b = 10 from 10 unit-weight events: 10 fine bins give exactly 10% (not < 10%),
    // 11 give 9.5%. From the top: 22…32 and 11…21 close; 0…10 also passes, but TRExFitter merges
    // the bin that reaches the bottom into its neighbour regardless.
    const n = 33
    const s = histogram(Array(n).fill(5))
    const b = histogram(Array(n).fill(10), Array(n).fill(10))
    expect(transfoF(s, b, 100, 100)).toEqual([0, 22, 33])
  })

  it('agrees with the published study for (5,5)', () => {
    const { signal, background } = tutorialFineHistograms()
    const edges = transfoF(signal, background, 5, 5).map((c) => signal.edges[c])
    expect(edges).toEqual([0, 260, 340, 385, 405, 430, 455, 480, 510, 545, 590, 640, 740, 1400])
  })
})

describe('TransfoJ', () => {
  it('raises the background minimum by one per bin until s/b drops below the average', () => {
    // S = 21, B = 23, S/B = 0.91. From the top: bin 5 (b = 6 > 5, s/b = 2) closes, goal 6;
    // bins 4–3 (b = 7 > 6, s/b = 1.14) close, goal 7; bins 2–1 (b = 8 > 7) close with s/b = 0.125,
    // below S/B: the target becomes (b of bins 0–1 = 5) / 5 = 1, and bin 0 (b = 2) closes alone.
    const s = histogram([0, 1, 0, 4, 4, 12])
    const b = histogram([2, 3, 5, 4, 3, 6])
    expect(transfoJ(s, b, 5, 1, 5)).toEqual([0, 1, 3, 5, 6])
  })

  it('agrees with the published study for its defaults', () => {
    const { signal, background } = tutorialFineHistograms()
    expect(transfoJ(signal, background).map((c) => signal.edges[c])).toEqual([0, 220, 310, 390, 505, 885, 1400])
  })
})
