import { describe, expect, it } from 'vitest'

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseStudyConfig, type NtuplesModelConfig } from '../../../main/binning/config'
import { nativeNtupleBinding } from '../../../main/binning/ntuple'
import { NtupleModel } from '../../../main/binning/ntuple-model'
import { createBinningObjective } from '../../../main/binning/objective'
import { keysBandwidths, silvermanBandwidth, SmoothedTemplate, smoothCells, smoothingCells } from '../../../main/binning/smoothing'
import { memoryBinding } from './memory-ntuples'

/** A falling spectrum with a bump, 400 weighted events on [0, 100) from a fixed LCG. */
function events(): { x: number[]; weight: number[] } {
  let state = 12345
  const uniform = () => ((state = (state * 48271) % 2147483647) / 2147483647)
  const x: number[] = []
  const weight: number[] = []
  for (let i = 0; i < 400; i++) {
    x.push(i % 4 === 0 ? 60 + 10 * (uniform() - 0.5) : Math.min(99.9, -20 * Math.log(1 - uniform())))
    weight.push(0.5 + uniform())
  }
  return { x, weight }
}

function histogram(x: number[], w: number[], edges: number[]): number[] {
  const out = new Array(edges.length - 1).fill(0)
  x.forEach((v, i) => {
    const k = edges.findIndex((e, j) => j < edges.length - 1 && v >= e && v < edges[j + 1])
    if (k >= 0) out[k] += w[i]
  })
  return out
}

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0)

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x))
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x)
  return x >= 0 ? y : -y
}

describe('kernel smoothing of templates', () => {
  const { x, weight } = events()
  const cells = smoothingCells([0, 100])
  const raw = histogram(x, weight, cells)

  it('uses round cells of a tenth of the range step', () => {
    expect(cells.length).toBe(1001)
    expect(cells[7]).toBeCloseTo(0.7, 12)
    expect(smoothingCells([20, 1260]).length).toBe(1241)
    expect(smoothingCells([20, 1260])[5]).toBeCloseTo(25, 12)
  })

  it('conserves the total yield at any bandwidth, with reflection at both ends', () => {
    for (const h of [0.3, 2, 10, 40, 500]) {
      const smoothed = smoothCells(cells, raw, h)
      expect(sum(smoothed)).toBeCloseTo(sum(raw), 9)
      expect(Math.min(...smoothed)).toBeGreaterThanOrEqual(0)
      const template = new SmoothedTemplate(cells, smoothed)
      expect(sum(template.histogram([0, 5, 30, 55, 100]))).toBeCloseTo(sum(raw), 9)
    }
  })

  it('reduces to the raw histogram as the bandwidth goes to 0', () => {
    const edges = [0, 5, 10, 25, 40, 65, 100]
    const template = new SmoothedTemplate(cells, smoothCells(cells, raw, 1e-3))
    const direct = histogram(x, weight, edges)
    template.histogram(edges).forEach((v, i) => expect(v).toBeCloseTo(direct[i], 9))
    // A wide kernel does change the shape.
    const wide = new SmoothedTemplate(cells, smoothCells(cells, raw, 10)).histogram(edges)
    expect(Math.max(...wide.map((v, i) => Math.abs(v - direct[i])))).toBeGreaterThan(1)
  })

  it('is deterministic', () => {
    const h = silvermanBandwidth(cells, raw, histogram(x, weight.map((w) => w * w), cells))
    expect(h).toBe(silvermanBandwidth(cells, raw, histogram(x, weight.map((w) => w * w), cells)))
    expect(smoothCells(cells, raw, h)).toEqual(smoothCells(cells, raw, h))
  })

  it("gives Silverman's bandwidth for a known spread", () => {
    // Unit weights, uniform over the cells of [0, 100): σ = 100/√12, IQR = 50, n = 1000.
    const c = smoothingCells([0, 100])
    const flat = new Array(1000).fill(1)
    expect(silvermanBandwidth(c, flat, flat)).toBeCloseTo(0.9 * Math.min(100 / Math.sqrt(12), 50 / 1.34) * 1000 ** -0.2, 1)
    expect(() => smoothCells(c, flat, 0)).toThrow(/bandwidth/)
  })

  it('equals the sum over mirror images of each cell, for narrow and for kernels wider than the range', () => {
    // Direct: the Gaussian mass of every image of cell i (reflected about 0 and 100, period 200) in cell j.
    const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2))
    const coarse = smoothingCells([0, 100]).filter((_, i) => i % 20 === 0)
    const contents = histogram(x, weight, coarse)
    for (const h of [3, 40, 400]) {
      const direct = contents.map(() => 0)
      contents.forEach((w, i) => {
        const centre = 0.5 * (coarse[i] + coarse[i + 1])
        let total = 0
        const mass = contents.map((_, j) => {
          let m = 0
          for (let k = -30; k <= 30; k++) {
            for (const image of [centre + 200 * k, -centre + 200 * k]) m += cdf((coarse[j + 1] - image) / h) - cdf((coarse[j] - image) / h)
          }
          total += m
          return m
        })
        mass.forEach((m, j) => (direct[j] += (w * m) / total))
      })
      smoothCells(coarse, contents, h).forEach((v, j) => expect(v).toBeCloseTo(direct[j], 4))
    }
  })

  it('spreads each cell by its own kernel with per-cell bandwidths', () => {
    const fixed = smoothCells(cells, raw, 4)
    expect(smoothCells(cells, raw, new Array(raw.length).fill(4))).toEqual(fixed)
    // Three times wider kernels above x = 50: the yield is still conserved, and below x = 25, out
    // of their reach (6 × 3), nothing changes.
    const narrow = smoothCells(cells, raw, 1)
    const widths = cells.slice(1).map((_, i) => (i < 500 ? 1 : 3))
    const mixed = smoothCells(cells, raw, widths)
    expect(sum(mixed)).toBeCloseTo(sum(raw), 9)
    mixed.slice(0, 250).forEach((v, i) => expect(v).toBeCloseTo(narrow[i], 12))
    expect(Math.max(...mixed.slice(500).map((v, i) => Math.abs(v - narrow[500 + i])))).toBeGreaterThan(0.1)
    expect(() => smoothCells(cells, raw, [1, 2])).toThrow(/1000 cells need 1000 bandwidths/)
    expect(() => smoothCells(cells, raw, widths.map((h, i) => (i === 7 ? NaN : h)))).toThrow(/bandwidth/)
  })

  it("gives RooKeysPdf's adaptive bandwidths on a known density", () => {
    // Expected counts of N = 20 000 unit-weight events from a normal(50, 8) on [0, 100): σ = 8,
    // n = N. The pilot density at the mode is the normal convolved with the pilot kernel h₀.
    const c = smoothingCells([0, 100])
    const N = 20000
    const sigma = 8
    const cdf = (x: number) => 0.5 * (1 + erf((x - 50) / (sigma * Math.SQRT2)))
    const counts = c.slice(1).map((hi, i) => N * (cdf(hi) - cdf(c[i])))
    const h = keysBandwidths(c, counts, counts)
    const k = (4 / 3) ** 0.2 * N ** -0.2
    const h0 = k * sigma
    const pilotAtMode = 1 / Math.sqrt(2 * Math.PI * (sigma ** 2 + h0 ** 2))
    expect(h[500]).toBeCloseTo(k * Math.sqrt(sigma / pilotAtMode), 1)
    // Narrowest at the mode, wider in the tails, symmetric, and scaled by ρ.
    expect(h[500]).toBeLessThanOrEqual(Math.min(...h))
    expect(h[200]).toBeGreaterThan(2 * h[500])
    expect(h[200]).toBeCloseTo(h[799], 2)
    // (Away from the far tails, where the kernel stops at the span of the range; on 1 % steps.)
    keysBandwidths(c, counts, counts, 2).forEach((v, i) => h[i] < 40 && expect(Math.abs(v / h[i] - 2)).toBeLessThan(0.021))
    // Scaling every weight changes nothing; halving the effective count widens every kernel by 2^(1/5).
    expect(keysBandwidths(c, counts.map((v) => 3 * v), counts.map((v) => 9 * v))).toEqual(h)
    expect(Math.abs(keysBandwidths(c, counts, counts.map((v) => 2 * v))[500] / h[500] - 2 ** 0.2)).toBeLessThan(0.015)
    // Far from every event the kernel stops at the span of the range; no events, no kernels.
    const lonely = c.slice(1).map((_, i) => (i === 10 ? 5 : 0))
    expect(keysBandwidths(c, lonely, lonely)).toEqual([])
    const two = c.slice(1).map((_, i) => (i === 10 || i === 30 ? 5 : 0))
    expect(Math.max(...keysBandwidths(c, two, two))).toBe(100)
  })

  it('smooths the workspace templates only; staterror, constraints and yields stay raw', async () => {
    const trees = { signal: events(), background: events(), varied: { x: events().x.map((v) => v * 1.05), weight: events().weight } }
    const yaml = (smoothing: string) => `
model:
  kind: ntuples
  observable: x
  range: [0, 100]
  ${smoothing}
  modifiers: [{name: mcstat, type: staterror}]
  samples:
    - {name: signal, file: s.root, tree: signal, weight: weight, modifiers: [{name: mu, type: normfactor}]}
    - name: background
      file: b.root
      tree: background
      weight: weight
      modifiers: [{name: modeling, type: histosys, data: {up: {tree: varied}, symmetrize: true}}]
  data: asimov
binning: {n_bins: {low: 2, high: 4}}
`
    const load = (smoothing: string) => NtupleModel.load(parseStudyConfig(yaml(smoothing)).model as NtuplesModelConfig, { binding: memoryBinding(trees), smoothing: (parseStudyConfig(yaml(smoothing)).model as NtuplesModelConfig).smoothing })
    const rawModel = await load('smoothing: none')
    const smooth = await load('smoothing: kde')
    const fixed = await load('smoothing: {method: kde, bandwidth: 0.001}')
    const edges = { SR: [0, 10, 20, 50, 100] }
    const [a, b, c] = [rawModel, smooth, fixed].map((m) => m.workspace(edges).channels[0].samples[1])
    expect(b.data).not.toEqual(a.data)
    expect(sum(b.data)).toBeCloseTo(sum(a.data), 9)
    expect(b.modifiers.find((m) => m.type === 'staterror')!.data).toEqual(a.modifiers.find((m) => m.type === 'staterror')!.data)
    c.data.forEach((v, i) => expect(v).toBeCloseTo(a.data[i], 9))
    expect(smooth.binYields(edges)).toEqual(rawModel.binYields(edges))
    expect(() => parseStudyConfig(yaml('smoothing: gaussian'))).toThrow(/expected one of none, keys, kde/)
    expect(() => parseStudyConfig(yaml('smoothing: {method: kde, bandwidth: -1}'))).toThrow(expect.objectContaining({ path: 'model.smoothing.bandwidth' }))
    // RooKeysPdf's adaptive kernels: the same guarantees; ρ → 0 gives the raw templates back.
    const keys = await load('smoothing: keys')
    // Ntuple studies smooth with keys unless told otherwise.
    expect((await load('')).workspace(edges)).toEqual(keys.workspace(edges))
    const sharp = await load('smoothing: {method: keys, rho: 0.0001}')
    const [k, s] = [keys, sharp].map((m) => m.workspace(edges).channels[0].samples[1])
    expect(k.data).not.toEqual(a.data)
    expect(k.data).not.toEqual(b.data)
    expect(sum(k.data)).toBeCloseTo(sum(a.data), 9)
    expect(k.modifiers.find((m) => m.type === 'staterror')!.data).toEqual(a.modifiers.find((m) => m.type === 'staterror')!.data)
    s.data.forEach((v, i) => expect(v).toBeCloseTo(a.data[i], 9))
    expect(keys.binYields(edges)).toEqual(rawModel.binYields(edges))
    // The variation is smoothed with the nominal sample's kernels: its own would differ.
    const cells = smoothingCells([0, 100])
    const bw = (t: { x: number[]; weight: number[] }) => keysBandwidths(cells, histogram(t.x, t.weight, cells), histogram(t.x, t.weight.map((w) => w * w), cells))
    const up = new SmoothedTemplate(cells, smoothCells(cells, histogram(trees.varied.x, trees.varied.weight, cells), bw(trees.background))).histogram(edges.SR)
    const own = new SmoothedTemplate(cells, smoothCells(cells, histogram(trees.varied.x, trees.varied.weight, cells), bw(trees.varied))).histogram(edges.SR)
    const hi = (k.modifiers.find((m) => m.type === 'histosys')!.data as { hi_data: number[] }).hi_data
    hi.forEach((v, i) => expect(v).toBeCloseTo(up[i], 9))
    expect(Math.max(...own.map((v, i) => Math.abs(v - up[i])))).toBeGreaterThan(1e-3)
    expect(() => parseStudyConfig(yaml('smoothing: {method: keys, bandwidth: 3}'))).toThrow(expect.objectContaining({ path: 'model.smoothing.bandwidth', message: 'bandwidth is not an option of keys smoothing' }))
    expect(() => parseStudyConfig(yaml('smoothing: {method: kde, rho: 1}'))).toThrow(expect.objectContaining({ path: 'model.smoothing.rho' }))
    expect(() => parseStudyConfig(yaml('smoothing: {method: keys, rho: 0}'))).toThrow(expect.objectContaining({ path: 'model.smoothing.rho' }))
  })
})

const STUDY = join(__dirname, '../../../resources/examples/ntuples/study.yaml')
const binding = (() => {
  try {
    return nativeNtupleBinding()
  } catch {
    return null
  }
})()

describe.skipIf(binding === null)('smoothing in the tutorial ntuple study', () => {
  it('changes the training score only: held-out scores, constraints and exported workspaces stay raw', async () => {
    const smoothedText = readFileSync(STUDY, 'utf8')
    const text = smoothedText.replace(/\n {2}smoothing: keys\n/, '\n  smoothing: none\n')
    expect(text).not.toBe(smoothedText)
    const edges = { SR: [20, 300, 400, 450, 550, 1260] }
    const [raw, smooth] = await Promise.all([text, smoothedText].map((t) => createBinningObjective(parseStudyConfig(t, STUDY), { configFile: STUDY, binding: binding! })))
    const [a, b] = await Promise.all([raw.evaluateEdges(edges), smooth.evaluateEdges(edges)])
    expect(b.values[0]).not.toBeCloseTo(a.values[0], 4)
    expect(b.heldout_value).toBe(a.heldout_value)
    expect(b.constraints).toEqual(a.constraints)
    expect(smooth.workspaceFor(edges)).toEqual(raw.workspaceFor(edges))
    expect(smooth.fineHistograms('SR', [20, 100, 1260])).toEqual(raw.fineHistograms('SR', [20, 100, 1260]))
    // Without a held-out split the search still scores smoothed templates and exports raw ones.
    const whole = parseStudyConfig(smoothedText, STUDY)
    whole.validation = null
    const unsplit = await createBinningObjective(whole, { configFile: STUDY, binding: binding! })
    const trial = await unsplit.evaluateEdges(edges)
    expect(trial.workspace).not.toEqual(unsplit.workspaceFor(edges))
    expect(trial.workspace.channels[0].samples.map((x) => x.modifiers)).not.toEqual(unsplit.workspaceFor(edges).channels[0].samples.map((x) => x.modifiers))
  })
})
