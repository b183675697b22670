import { describe, expect, it } from 'vitest'

import { mergeSpace, type ParameterValues, type SearchSpace, uniformSpace, variableWidthSpace } from '../../../main/binning/space'

function randomPoint(space: SearchSpace<number[]>, u: () => number): ParameterValues {
  const point: ParameterValues = {}
  for (const p of space.parameters) {
    const x = p.low + u() * (p.high - p.low)
    point[p.name] = p.kind === 'int' ? Math.min(p.high, Math.floor(p.low + u() * (p.high - p.low + 1))) : x
  }
  return point
}

function corners(space: SearchSpace<number[]>): ParameterValues[] {
  const low: ParameterValues = {}
  const high: ParameterValues = {}
  for (const p of space.parameters) {
    low[p.name] = p.low
    high[p.name] = p.high
  }
  return [low, high]
}

let state = 12345
const u = (): number => {
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648
}

function expectIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1])
}

describe('uniform space', () => {
  const space = uniformSpace({ xmin: 0, xmax: 1400, minBins: 2, maxBins: 12, minSpan: 100 })

  it('decodes every point to equal-width bins inside the range', () => {
    for (const point of [...corners(space), ...Array.from({ length: 200 }, () => randomPoint(space, u))]) {
      const edges = space.decode(point)
      expect(edges).toHaveLength(point.n_bins + 1)
      expectIncreasing(edges)
      expect(edges[0]).toBeGreaterThanOrEqual(0)
      expect(edges[edges.length - 1]).toBeLessThanOrEqual(1400)
      expect(edges[edges.length - 1] - edges[0]).toBeGreaterThanOrEqual(100 - 1e-9)
      const widths = edges.slice(1).map((e, i) => e - edges[i])
      for (const w of widths) expect(w).toBeCloseTo(widths[0], 9)
    }
  })

  it('encodes a binning to a point that decodes back to it', () => {
    const edges = [200, 300, 400, 500, 600]
    const back = space.decode(space.encode(edges))
    back.forEach((e, i) => expect(e).toBeCloseTo(edges[i], 9))
  })

  it('refuses points outside the box', () => {
    expect(() => space.decode({ n_bins: 13, lo_fraction: 0, span_fraction: 0 })).toThrow(RangeError)
    expect(() => space.decode({ n_bins: 3, lo_fraction: 0.5 })).toThrow(/span_fraction/)
    expect(() => space.decode({ n_bins: 2.5, lo_fraction: 0, span_fraction: 0 })).toThrow(/integer/)
  })
})

describe('variable-width space', () => {
  const space = variableWidthSpace({ xmin: 0, xmax: 1400, minBins: 1, maxBins: 10, minWidth: 20 })

  it('decodes every point to ordered edges spanning the range with the minimum width', () => {
    for (const point of [...corners(space), ...Array.from({ length: 300 }, () => randomPoint(space, u))]) {
      const edges = space.decode(point)
      expect(edges).toHaveLength(point.n_bins + 1)
      expect(edges[0]).toBe(0)
      expect(edges[edges.length - 1]).toBe(1400)
      for (let i = 1; i < edges.length; i++) expect(edges[i] - edges[i - 1]).toBeGreaterThanOrEqual(20 - 1e-9)
    }
  })

  it('gives widths in proportion to the weights above the minimum', () => {
    const point = { n_bins: 3, width_0: 1, width_1: 0, width_2: 0.5, ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`width_${i + 3}`, 0.3])) }
    // free = 1400 − 3·20 = 1340, shares 2/3, 0, 1/3
    const edges = space.decode(point)
    expect(edges[1]).toBeCloseTo(20 + 1340 * (2 / 3), 9)
    expect(edges[2] - edges[1]).toBeCloseTo(20, 9)
  })

  it('round-trips any valid binning', () => {
    const edges = [0, 350, 470, 550, 1400]
    const back = space.decode(space.encode(edges))
    back.forEach((e, i) => expect(e).toBeCloseTo(edges[i], 9))
  })

  it('refuses a minimum width that cannot fit', () => {
    expect(() => variableWidthSpace({ xmin: 0, xmax: 100, minBins: 1, maxBins: 10, minWidth: 11 })).toThrow(RangeError)
    expect(() => variableWidthSpace({ xmin: 0, xmax: 100, minBins: 1, maxBins: 10, minWidth: 0 })).toThrow(RangeError)
  })
})

describe('merge space', () => {
  const space = mergeSpace({ nFine: 280, minBins: 2, maxBins: 12, minFineBins: 3 })

  it('decodes every point to exactly n_bins contiguous merges of at least minFineBins', () => {
    for (const point of [...corners(space), ...Array.from({ length: 300 }, () => randomPoint(space, u))]) {
      const cuts = space.decode(point)
      expect(cuts).toHaveLength(point.n_bins + 1)
      expect(cuts[0]).toBe(0)
      expect(cuts[cuts.length - 1]).toBe(280)
      for (let i = 1; i < cuts.length; i++) {
        expect(Number.isInteger(cuts[i])).toBe(true)
        expect(cuts[i] - cuts[i - 1]).toBeGreaterThanOrEqual(3)
      }
    }
  })

  it('round-trips merges exactly', () => {
    for (const cuts of [[0, 70, 94, 139, 280], [0, 3, 6, 280], [0, 277, 280]]) {
      expect(space.decode(space.encode(cuts))).toEqual(cuts)
    }
  })

  it('splits evenly when all weights are zero', () => {
    const small = mergeSpace({ nFine: 10, minBins: 1, maxBins: 3 })
    expect(small.decode({ n_bins: 3, width_0: 0, width_1: 0, width_2: 0 })).toEqual([0, 4, 7, 10])
  })

  it('refuses more bins than fine bins allow', () => {
    expect(() => mergeSpace({ nFine: 10, minBins: 1, maxBins: 6, minFineBins: 2 })).toThrow(RangeError)
  })
})
