import type { FilledHistogram, NtupleBinding, NtupleSample, NtupleSampleSpec } from '../../../main/binning/ntuple'

/** Events of a tree: observable values and the branch `weight`. */
export type MemoryTrees = Record<string, { x: number[]; weight: number[] }>

/**
 * Weights of a weight expression in the few forms the ntuple models write: `weight`, `weight_up`
 * (1.2·weight here), `0.7*weight`, and `<factor> * (<expression>)`.
 */
function weightsOf(expression: string | undefined, weight: number[]): number[] {
  if (expression === undefined) return weight.map(() => 1)
  const scaled = /^([0-9.]+) \* \((.*)\)$/.exec(expression)
  if (scaled) return weightsOf(scaled[2], weight).map((w) => Number(scaled[1]) * w)
  if (expression === 'weight') return weight
  if (expression === 'weight_up') return weight.map((w) => 1.2 * w)
  if (expression === '0.7*weight') return weight.map((w) => 0.7 * w)
  throw new Error(`the memory binding does not know the weight "${expression}"`)
}

function sample(x: number[], w: number[]): NtupleSample {
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
    x.forEach((v, i) => {
      const k = edges.findIndex((e, j) => j < n && v >= e && v < edges[j + 1])
      if (k < 0) return
      h.sumw[k] += w[i]
      h.sumw2[k] += w[i] * w[i]
      h.entries[k] += 1
    })
    return h
  }
  return {
    events: x.length,
    range: () => (x.length ? [Math.min(...x), Math.max(...x)] : null),
    total: () => ({ sumw: w.reduce((a, b) => a + b, 0), sumw2: w.reduce((a, b) => a + b * b, 0), entries: x.length }),
    histogram: fill,
    histograms: (sets) => sets.map(fill),
  }
}

/** A binding over in-memory trees that records every spec it is asked to load. */
export function memoryBinding(trees: MemoryTrees): NtupleBinding & { loaded: NtupleSampleSpec[] } {
  const loaded: NtupleSampleSpec[] = []
  return {
    loaded,
    loadNtupleSample: async (spec) => {
      loaded.push(spec)
      const tree = trees[spec.tree]
      if (tree === undefined) throw new Error(`no tree ${spec.tree}`)
      return sample(tree.x, weightsOf(spec.weight, tree.weight))
    },
  }
}
