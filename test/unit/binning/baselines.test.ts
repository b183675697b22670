import { describe, expect, it } from 'vitest'

import { equalWidthCuts, equalWidthEdges, flatCuts } from '../../../main/binning/baselines'
import { mergeValues } from '../../../main/binning/histogram'
import { tutorialFineHistograms } from './fixture'

describe('equal-width binnings', () => {
  it('spans [lo, hi] with equal widths and the exact upper edge', () => {
    expect(equalWidthEdges(4, 200, 600)).toEqual([200, 300, 400, 500, 600])
    const edges = equalWidthEdges(3, 0, 1)
    expect(edges[3]).toBe(1)
    expect(edges[1]).toBeCloseTo(1 / 3, 15)
    expect(() => equalWidthEdges(0, 0, 1)).toThrow(RangeError)
    expect(() => equalWidthEdges(2, 1, 1)).toThrow(RangeError)
  })

  it('rounds to the fine grid', () => {
    expect(equalWidthCuts(280, 4)).toEqual([0, 70, 140, 210, 280])
    expect(equalWidthCuts(10, 3)).toEqual([0, 3, 7, 10])
    expect(() => equalWidthCuts(3, 4)).toThrow(RangeError)
  })
})

describe('flat binnings', () => {
  it('puts equal content in every bin when the grid allows', () => {
    expect(flatCuts([1, 1, 1, 1, 1, 1, 1, 1], 4)).toEqual([0, 2, 4, 6, 8])
    expect(flatCuts([4, 1, 1, 1, 1], 2)).toEqual([0, 1, 5])
  })

  it('returns fewer bins when content is concentrated in one fine bin', () => {
    // Targets 25, 50, 75 of 100: the nearest fine edges are 1, 1 (again) and 2.
    expect(flatCuts([0, 100, 0, 0], 4)).toEqual([0, 1, 2, 4])
  })

  it('gives about S/n signal per bin on the tutorial ntuples', () => {
    const { signal, background } = tutorialFineHistograms()
    for (const [h, n] of [[signal, 4], [background, 6]] as const) {
      const sums = mergeValues(h.sumw, flatCuts(h.sumw, n))
      const total = sums.reduce((a, x) => a + x, 0)
      expect(sums).toHaveLength(n)
      for (const sum of sums) expect(Math.abs(sum / total - 1 / n)).toBeLessThan(0.02)
    }
  })
})
