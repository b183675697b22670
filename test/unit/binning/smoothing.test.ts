import { describe, expect, it } from 'vitest'

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseStudyConfig, type NtuplesModelConfig } from '../../../main/binning/config'
import { nativeNtupleBinding } from '../../../main/binning/ntuple'
import { NtupleModel } from '../../../main/binning/ntuple-model'
import { createBinningObjective } from '../../../main/binning/objective'
import { silvermanBandwidth, SmoothedTemplate, smoothCells, smoothingCells } from '../../../main/binning/smoothing'
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
      const template = new SmoothedTemplate(cells, smoothed, h)
      expect(sum(template.histogram([0, 5, 30, 55, 100]))).toBeCloseTo(sum(raw), 9)
    }
  })

  it('reduces to the raw histogram as the bandwidth goes to 0', () => {
    const edges = [0, 5, 10, 25, 40, 65, 100]
    const template = new SmoothedTemplate(cells, smoothCells(cells, raw, 1e-3), 1e-3)
    const direct = histogram(x, weight, edges)
    template.histogram(edges).forEach((v, i) => expect(v).toBeCloseTo(direct[i], 9))
    // A wide kernel does change the shape.
    const wide = new SmoothedTemplate(cells, smoothCells(cells, raw, 10), 10).histogram(edges)
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
    const rawModel = await load('')
    const smooth = await load('smoothing: kde')
    const fixed = await load('smoothing: {method: kde, bandwidth: 0.001}')
    const edges = { SR: [0, 10, 20, 50, 100] }
    const [a, b, c] = [rawModel, smooth, fixed].map((m) => m.workspace(edges).channels[0].samples[1])
    expect(b.data).not.toEqual(a.data)
    expect(sum(b.data)).toBeCloseTo(sum(a.data), 9)
    expect(b.modifiers.find((m) => m.type === 'staterror')!.data).toEqual(a.modifiers.find((m) => m.type === 'staterror')!.data)
    c.data.forEach((v, i) => expect(v).toBeCloseTo(a.data[i], 9))
    expect(smooth.binYields(edges)).toEqual(rawModel.binYields(edges))
    expect(() => parseStudyConfig(yaml('smoothing: gaussian'))).toThrow(/expected one of none, kde/)
    expect(() => parseStudyConfig(yaml('smoothing: {method: kde, bandwidth: -1}'))).toThrow(expect.objectContaining({ path: 'model.smoothing.bandwidth' }))
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
    const text = readFileSync(STUDY, 'utf8')
    const smoothedText = text.replace(/\n {2}data: \{file: data.root/, '\n  smoothing: kde\n  data: {file: data.root')
    expect(smoothedText).not.toBe(text)
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
