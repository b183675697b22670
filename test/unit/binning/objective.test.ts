import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { parseStudyConfig } from '../../../main/binning/config'
import { createBinningObjective, loadBinningObjective } from '../../../main/binning/objective'
import { HistuneError } from '../../../main/errors'

const EXAMPLES = join(__dirname, '../../../resources/examples')
const TUTORIAL = join(EXAMPLES, 'tutorial/study.yaml')
const LITERAL = join(EXAMPLES, 'tutorial/study-literal.yaml')

/** The tutorial config text with `replace` applied (from → to). */
function tutorialText(...replace: [string | RegExp, string][]): string {
  let text = readFileSync(TUTORIAL, 'utf8')
  for (const [from, to] of replace) {
    const next = text.replace(from, to)
    if (next === text) throw new Error(`no ${String(from)} in the tutorial config`)
    text = next
  }
  return text
}

const tutorial = (...replace: [string | RegExp, string][]) => createBinningObjective(parseStudyConfig(tutorialText(...replace)))

describe('binning objective on the tutorial', () => {
  it('asks for n_bins, lo and hi as the tutorial does', async () => {
    const objective = await loadBinningObjective(TUTORIAL)
    expect(objective.space).toEqual([
      { name: 'n_bins', type: 'int', low: 3, high: 40 },
      { name: 'lo', type: 'float', low: 0, high: 0.3 },
      { name: 'hi', type: 'float', low: 0.7, high: 1 },
    ])
    expect(objective.directions).toEqual(['maximize'])
    expect(objective.objectiveNames).toEqual(['z0'])
    expect(objective.constraintNames).toEqual(['positive_background'])
  })

  it('scores a trial: equal bins on [lo, hi], Z0, the workspace and metrics', async () => {
    const objective = await loadBinningObjective(TUTORIAL)
    const trial = await objective.evaluate({ n_bins: 4, lo: 0.2, hi: 0.8 })
    expect(trial.edges.SR.map((e) => +e.toFixed(12))).toEqual([0.2, 0.35, 0.5, 0.65, 0.8])
    expect(trial.values).toHaveLength(1)
    expect(trial.values[0]).toBe(trial.metrics.z0)
    expect(trial.values[0]).toBeGreaterThan(1)
    expect(trial.feasible).toBe(true)
    expect(trial.constraints[0]).toBeLessThan(0)
    expect(trial.workspace.channels[0].samples[0].data).toHaveLength(4)
    expect(trial.metrics).toMatchObject({ n_bins: 4, fit_converged: 1 })
    expect(trial.metrics.z_mcstat).toBeGreaterThan(trial.values[0]) // the 5 % normalisation costs significance
    expect(trial.heldout_value).toBeUndefined()
  })

  it('reproduces the known optima of the tutorial (Optuna + pyhf): literal 2.97 at 3 bins, integrated 1.98 at 40', async () => {
    const literal = await loadBinningObjective(LITERAL)
    const integrated = await loadBinningObjective(TUTORIAL)
    const z = async (o: typeof literal, n: number) => (await o.evaluate({ n_bins: n, lo: 0, hi: 1 })).values[0]
    const literal3 = await z(literal, 3)
    expect(literal3).toBeCloseTo(2.97, 2)
    for (const n of [4, 5, 10, 40]) expect(await z(literal, n)).toBeLessThan(literal3)
    const integrated40 = await z(integrated, 40)
    expect(integrated40).toBeCloseTo(1.98, 2)
    for (const n of [3, 10, 39]) expect(await z(integrated, n)).toBeLessThan(integrated40)
  })

  it('reports infeasible proposals with their constraint values, still scored', async () => {
    const objective = await tutorial([/baselines:[\s\S]*$/, 'constraints: {min_background: 10, min_width: 0.05}\n'])
    expect(objective.constraintNames).toEqual(['positive_background', 'min_background', 'min_width'])
    const trial = await objective.evaluate({ n_bins: 40, lo: 0.1, hi: 0.9 })
    expect(trial.feasible).toBe(false)
    expect(trial.constraints[1]).toBeCloseTo(10 - trial.metrics.min_background, 12)
    expect(trial.constraints[1]).toBeGreaterThan(0)
    expect(trial.constraints[2]).toBeCloseTo(0.05 - 0.02, 12)
    expect(Number.isFinite(trial.values[0])).toBe(true)
    const wide = await objective.evaluate({ n_bins: 3, lo: 0, hi: 1 })
    expect(wide.feasible).toBe(true)
    expect(wide.constraints.every((c) => c <= 0)).toBe(true)
  })

  it('fails a trial with a HistuneError, and keeps serving the next ones', async () => {
    // No signal below x = 0.9: no upper limit exists on [0, 0.5].
    const objective = await tutorial(['objective: z0', 'objective: expected_limit'], ['direction: maximize', 'direction: minimize'], ['50 * exp(-(x - 0.5)^2 / (2 * 0.08^2))', '1000 * max(0, x - 0.9)'], ['lo: {low: 0.0, high: 0.3}', 'lo: 0'], ['hi: {low: 0.7, high: 1.0}', 'hi: {low: 0.5, high: 1.0}'])
    await expect(objective.evaluate({ n_bins: 3, hi: 0.5 })).rejects.toThrow(HistuneError)
    await expect(objective.evaluate({ n_bins: 3, hi: 0.5 })).rejects.toMatchObject({ code: 'E_ENGINE', message: expect.stringContaining('limit') })
    const ok = await objective.evaluate({ n_bins: 3, hi: 1 })
    expect(ok.values[0]).toBeGreaterThan(0)
    expect(ok.values[0]).toBe(ok.metrics.expected_limit)
  })

  it('fits the observed data on request (for the tutorial they are the nominal expectation)', async () => {
    const observed = await tutorial(['objective: z0', 'objective: {z0: {data: observed}}'])
    const withEvents = await tutorial(['objective: z0', 'objective: {z0: {data: observed}}'], ['  measurement:', '  data: {events: [0.45, 0.49, 0.52, 0.55, 0.9]}\n  measurement:'])
    const asimov = await loadBinningObjective(TUTORIAL)
    const params = { n_bins: 6, lo: 0.1, hi: 0.9 }
    expect((await observed.evaluate(params)).values[0]).toBeCloseTo((await asimov.evaluate(params)).values[0], 9)
    const few = await withEvents.evaluate(params)
    expect(few.workspace.observations![0].data).toEqual([0, 0, 2, 2, 0, 1]) // the last bin holds its upper edge
    expect(few.values[0]).not.toBeCloseTo((await asimov.evaluate(params)).values[0], 2)
  })

  it('rejects parameters outside the space', async () => {
    const objective = await loadBinningObjective(TUTORIAL)
    await expect(objective.evaluate({ n_bins: 2, lo: 0, hi: 1 })).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('n_bins') })
    await expect(objective.evaluate({ n_bins: 3, lo: 0 })).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    await expect(objective.evaluateEdges({ SR: [0, 0.5, 0.4] })).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('strictly increasing') })
    await expect(objective.evaluateEdges({ CR: [0, 1] })).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
  })

  it('encodes edges back to parameters', async () => {
    const objective = await loadBinningObjective(TUTORIAL)
    const params = { n_bins: 7, lo: 0.12, hi: 0.93 }
    const encoded = objective.encode(objective.decode(params))!
    expect(encoded.n_bins).toBe(7)
    expect(encoded.lo).toBeCloseTo(0.12, 12)
    expect(encoded.hi).toBeCloseTo(0.93, 12)
    expect(objective.encode({ SR: [0, 0.1, 1] })).toBeNull()
    expect(objective.encode({ SR: [0, 0.5, 1] })).toBeNull() // 2 bins: below n_bins.low
  })

  it('scores several objectives and the impact-penalised Z0', async () => {
    const objective = await tutorial(['objective: z0', 'objective: [z0, n_bins, {z0_minus_impact: {lambda: 2, top_n: 1}}]'], ['  direction: maximize\n', ''])
    expect(objective.directions).toEqual(['maximize', 'minimize', 'maximize'])
    const trial = await objective.evaluate({ n_bins: 5, lo: 0, hi: 1 })
    expect(trial.values[1]).toBe(5)
    expect(trial.metrics.top_impact).toBeGreaterThan(0)
    expect(trial.values[2]).toBeCloseTo(trial.values[0] - 2 * trial.metrics.top_impact, 12)
  })

  it('computes the baselines at the same bin counts; the DP optimum has the best Σ Z² among fine-grid binnings', async () => {
    const objective = await loadBinningObjective(TUTORIAL)
    const baselines = await objective.baselines()
    expect(Object.keys(baselines).sort()).toEqual(
      ['dp_optimum', 'equal_width', 'flat_background', 'flat_signal'].flatMap((m) => [3, 10, 40].map((n) => `${m}_${n}`)).sort(),
    )
    for (const n of [3, 10]) {
      const dp = baselines[`dp_optimum_${n}`]
      expect(dp.edges.SR).toHaveLength(n + 1)
      expect(dp.value).toBe(dp.values![0])
      for (const other of ['flat_signal', 'flat_background']) expect(dp.metrics!.z_mcstat).toBeGreaterThanOrEqual(baselines[`${other}_${n}`].metrics!.z_mcstat)
    }
    const equal = baselines.equal_width_3
    expect(equal.edges.SR).toEqual([0, 1 / 3, 2 / 3, 1])
    expect(equal.value).toBe((await objective.evaluateEdges(equal.edges)).values[0])
  })
})

describe('binning objective on a fine workspace', () => {
  it('merging the tutorial workspace gives the same Z0 as integrating the densities over the merged bins', async () => {
    const fine = join(EXAMPLES, 'tutorial/workspace.json')
    const edges = Array.from({ length: 21 }, (_, i) => i / 20)
    const config = parseStudyConfig(`
model:
  kind: workspace
  file: ${fine}
  channels:
    SR: {edges: [${edges.join(', ')}]}
binning:
  n_bins: {low: 2, high: 8}
constraints: {min_background: 5}
baselines: {n_bins: [4], methods: [equal_width, dp_optimum]}
`)
    const objective = await createBinningObjective(config)
    expect(objective.space.map((p) => p.name)).toEqual(['n_bins', ...Array.from({ length: 8 }, (_, i) => `width_${i}`)])
    const shapes = await loadBinningObjective(TUTORIAL)
    const merged = { SR: [0, 0.4, 0.45, 0.55, 0.6, 1] }
    const fromWorkspace = await objective.evaluateEdges(merged)
    const fromShapes = await shapes.evaluateEdges(merged)
    expect(fromWorkspace.values[0]).toBeCloseTo(fromShapes.values[0], 9)
    const data = (t: typeof fromShapes) => t.workspace.channels[0].samples.map((s) => s.data)
    data(fromWorkspace).forEach((d, i) => d.forEach((v, k) => expect(v).toBeCloseTo(data(fromShapes)[i][k], 10)))
    expect(fromWorkspace.metrics.max_mc_rel_error).toBe(0)
    const trial = await objective.evaluate({ n_bins: 4, width_0: 1, width_1: 1, width_2: 1, width_3: 1, width_4: 0, width_5: 0, width_6: 0, width_7: 0 })
    expect(trial.edges.SR).toEqual([0, 0.25, 0.5, 0.75, 1])
    const baselines = await objective.baselines()
    expect(baselines.equal_width_4.edges.SR).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(baselines.dp_optimum_4.feasible).toBe(true)
    await expect(objective.evaluateEdges({ SR: [0, 0.33, 1] })).rejects.toThrow(/not an edge of the fine binning/)
  })
})

describe('binning objective with several channels', () => {
  it('gives each channel its own parameters, prefixed by the channel name', async () => {
    const fine = JSON.parse(readFileSync(join(EXAMPLES, 'tutorial/workspace.json'), 'utf8'))
    const control = structuredClone(fine.channels[0])
    control.name = 'CR'
    control.samples[0].data = control.samples[0].data.map((s: number) => s / 10)
    fine.channels.push(control)
    fine.observations.push({ name: 'CR', data: control.samples[0].data.map((s: number, i: number) => s + control.samples[1].data[i]) })
    const dir = mkdtempSync(join(tmpdir(), 'histune-binning-'))
    writeFileSync(join(dir, 'fine.json'), JSON.stringify(fine))
    writeFileSync(
      join(dir, 'study.yaml'),
      `objective: [z0, n_bins]
model: {kind: workspace, file: fine.json, channels: {SR: {}, CR: {}}}
binning:
  n_bins: {low: 1, high: 3}
  channels:
    CR: {n_bins: {low: 1, high: 2}, min_fine_bins: 5}
`,
    )
    const objective = await loadBinningObjective(join(dir, 'study.yaml'))
    expect(objective.space.map((p) => p.name)).toEqual(['SR.n_bins', 'SR.width_0', 'SR.width_1', 'SR.width_2', 'CR.n_bins', 'CR.width_0', 'CR.width_1'])
    const params = { 'SR.n_bins': 2, 'SR.width_0': 1, 'SR.width_1': 1, 'SR.width_2': 0.3, 'CR.n_bins': 1, 'CR.width_0': 0.2, 'CR.width_1': 0.9 }
    const edges = objective.decode(params)
    expect(edges).toEqual({ SR: [0, 10, 20], CR: [0, 20] })
    expect(objective.decode(objective.encode(edges)!)).toEqual(edges)
    const trial = await objective.evaluate(params)
    expect(trial.values[1]).toBe(3)
    expect(trial.workspace.channels.map((c) => c.samples[0].data.length)).toEqual([2, 1])
    const sr = await objective.evaluateEdges({ SR: [0, 10, 20], CR: [0, 20] })
    expect(sr.values).toEqual(trial.values)
  })
})
