import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { loadStudyConfig, type NtuplesModelConfig, parseStudyConfig } from '../../../main/binning/config'
import { nativeNtupleBinding } from '../../../main/binning/ntuple'
import { NtupleModel, roundedRange } from '../../../main/binning/ntuple-model'
import { statisticalFineWidth } from '../../../main/binning/binning-space'
import { loadBinningObjective } from '../../../main/binning/objective'
import { memoryBinding } from './memory-ntuples'

const ROOT = join(__dirname, '../../..')
const STUDY = join(ROOT, 'resources/examples/ntuples/study.yaml')

const TREES = {
  signal: { x: [5, 7, 9, 9.5], weight: [1, 1, 2, 1] },
  background: { x: [1, 2, 6, 8, 3], weight: [3, 1, 1, 2, 1] },
  varied: { x: [1, 6, 6, 8], weight: [2, 2, 2, 2] },
  pseudodata: { x: [1, 2, 2, 7, 9, 11], weight: [1, 1, 1, 1, 1, 1] },
}

function modelConfig(): NtuplesModelConfig {
  const config = parseStudyConfig(`
model:
  kind: ntuples
  observable: x
  selection: q > 0
  range: [0, 10]
  modifiers: [{name: lumi_sys, type: normsys, data: {hi: 1.02, lo: 0.98}}, {name: mcstat, type: staterror}]
  samples:
    - {name: signal, file: sub/s.root, tree: signal, weight: weight, modifiers: [{name: mu, type: normfactor}]}
    - name: background
      file: /abs/b.root
      tree: background
      weight: weight
      selection: nj >= 2
      modifiers:
        - {name: modeling, type: histosys, data: {up: {tree: varied}, symmetrize: true}}
        - {name: wsys, type: histosys, data: {up: {weight: weight_up}, down: {weight: 0.7*weight}}}
  data: {file: d.root, tree: pseudodata}
binning: {n_bins: {low: 2, high: 4}}
`)
  return config.model as NtuplesModelConfig
}

describe('ntuple model (in-memory events)', () => {
  it('reads each sample once with the model selection, relative files and the data', async () => {
    const binding = memoryBinding(TREES)
    await NtupleModel.load(modelConfig(), { binding, configFile: '/cfg/study.yaml' })
    const specs = binding.loaded.map((s) => `${s.file}|${s.tree}|${s.weight}|${s.selection}|${s.observable}`).sort()
    expect(specs).toEqual(
      [
        '/abs/b.root|background|0.7*weight|(q > 0) && (nj >= 2)|x',
        '/abs/b.root|background|weight_up|(q > 0) && (nj >= 2)|x',
        '/abs/b.root|background|weight|(q > 0) && (nj >= 2)|x',
        '/abs/b.root|varied|weight|(q > 0) && (nj >= 2)|x',
        '/cfg/d.root|pseudodata|undefined|q > 0|x',
        '/cfg/sub/s.root|signal|weight|q > 0|x',
      ].sort(),
    )
  })

  it('builds the pyhf workspace: staterror √Σw², symmetrised and weight-based histosys, observed counts', async () => {
    const model = await NtupleModel.load(modelConfig(), { binding: memoryBinding(TREES), configFile: '/cfg/study.yaml' })
    const ws = model.workspace({ SR: [0, 4, 10] })
    const [signal, background] = ws.channels[0].samples
    expect(signal.data).toEqual([0, 5])
    expect(signal.modifiers).toEqual([
      { name: 'lumi_sys', type: 'normsys', data: { hi: 1.02, lo: 0.98 } },
      { name: 'mcstat', type: 'staterror', data: [0, Math.sqrt(7)] },
      { name: 'mu', type: 'normfactor', data: null },
    ])
    expect(background.data).toEqual([5, 3])
    const byName = Object.fromEntries(background.modifiers.map((m) => [m.name, m.data]))
    expect(byName.mcstat).toEqual([Math.sqrt(11), Math.sqrt(5)])
    // up: the varied tree (2 and 6); down: 2·nominal − up
    expect(byName.modeling).toEqual({ hi_data: [2, 6], lo_data: [8, 0] })
    const wsys = byName.wsys as { hi_data: number[]; lo_data: number[] }
    expect(wsys.hi_data[0]).toBeCloseTo(6, 12)
    expect(wsys.lo_data[1]).toBeCloseTo(2.1, 12)
    expect(ws.observations).toEqual([{ name: 'SR', data: [3, 2] }])
    expect(ws.measurements).toEqual([{ name: 'measurement', config: { poi: 'mu', parameters: [] } }])
    const [low, high] = model.binYields({ SR: [0, 4, 10] }).SR
    expect(low).toMatchObject({ signal: 0, background: 5, backgroundSumw2: 11, backgroundEntries: 3 })
    expect(high).toMatchObject({ signal: 5, background: 3, backgroundEntries: 2 })
  })

  it('takes the range from the samples when none is given, and names a missing tree', async () => {
    const config = modelConfig()
    delete config.channels[0].range
    const model = await NtupleModel.load(config, { binding: memoryBinding(TREES) })
    // [1, 9.5] rounded out to multiples of 0.1 (1 % of the span is 0.085), above the largest value
    // Five background events: 2·5^(1/3) = 3.4 bins of 2.51, rounded to 2.5.
    expect(model.channels).toEqual([{ name: 'SR', range: [1, 9.6], grid: null, defaultFine: [1, 3.5, 6, 8.5, 11] }])
    expect(roundedRange(22.58, 1256.9)).toEqual([20, 1260])
    expect(roundedRange(0, 1260)).toEqual([0, 1270])
    expect(roundedRange(3, 3)).toEqual([3, 4])
    config.channels[0].samples[1].tree = 'nope'
    await expect(NtupleModel.load(config, { binding: memoryBinding(TREES) })).rejects.toThrow(/model\.samples\[1\] \(background\).*: no tree nope/)
  })
})

const binding = (() => {
  try {
    return nativeNtupleBinding()
  } catch {
    return null
  }
})()
const python = join(ROOT, '.venv/bin/python')

describe.skipIf(binding === null)('ntuple model on the tutorial ntuples (native reader)', () => {
  const edges = [200, 300, 400, 500, 600]

  it('gives a valid workspace and a finite Z0 at the published binning [200, 300, 400, 500, 600]', async () => {
    const objective = await loadBinningObjective(STUDY)
    const trial = await objective.evaluateEdges({ SR: edges })
    expect(Number.isFinite(trial.values[0])).toBe(true)
    expect(trial.values[0]).toBeGreaterThan(0)
    expect(Number.isFinite(trial.heldout_value!)).toBe(true)
    expect(trial.feasible).toBe(true)
    expect(trial.metrics.max_mc_rel_error).toBeLessThan(0.2)
    const { summarizeWorkspace } = await import('../../../main/engine/index')
    const summary = summarizeWorkspace(JSON.stringify(objective.workspaceFor({ SR: edges })))
    expect(summary).toBeTruthy()
  })

  it.skipIf(!existsSync(python))('fills the same histograms as uproot', async () => {
    const model = await NtupleModel.load(loadStudyConfig(STUDY).model as NtuplesModelConfig, { binding: binding!, configFile: STUDY })
    const ws = model.workspace({ SR: edges })
    const script = `
import json, sys, numpy as np, uproot
d = sys.argv[1]; edges = np.array(${JSON.stringify(edges)}, dtype=float)
def hist(file, tree, weight, selection=True):
    a = uproot.open(f"{d}/{file}")[tree].arrays(library="np")
    w = np.ones_like(a["jet_pt"]) if weight is None else (0.7 * a["weight"] if weight == "0.7*weight" else a[weight])
    keep = (a["lep_charge"] > 0) if selection else np.ones(len(w), bool)
    x, w = a["jet_pt"][keep], w[keep]
    return [float(w[(x >= lo) & (x < hi)].sum()) for lo, hi in zip(edges[:-1], edges[1:])], [float((w[(x >= lo) & (x < hi)] ** 2).sum()) for lo, hi in zip(edges[:-1], edges[1:])]
out = {k: hist(*v) for k, v in {"signal": ("prediction.root", "signal", "weight"), "background": ("prediction.root", "background", "weight"),
       "varied": ("prediction.root", "background_varied", "weight"), "up": ("prediction.root", "background", "weight_up"),
       "down": ("prediction.root", "background", "0.7*weight"), "data": ("data.root", "pseudodata", None)}.items()}
print(json.dumps(out))
`
    const run = spawnSync(python, ['-c', script, join(ROOT, 'resources/examples/ntuples')], { encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const ref = JSON.parse(run.stdout) as Record<string, [number[], number[]]>
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[i]))))
    const [signal, background] = ws.channels[0].samples
    close(signal.data, ref.signal[0])
    close(background.data, ref.background[0])
    const modifiers = Object.fromEntries(background.modifiers.map((m) => [m.name, m.data])) as Record<string, { hi_data: number[]; lo_data: number[] }>
    close((signal.modifiers.find((m) => m.type === 'staterror')!.data as number[]).map((e) => e * e), ref.signal[1])
    close((background.modifiers.find((m) => m.type === 'staterror')!.data as number[]).map((e) => e * e), ref.background[1])
    close(modifiers.modeling.hi_data, ref.varied[0])
    close(modifiers.modeling.lo_data, ref.background[0].map((b, i) => 2 * b - ref.varied[0][i]))
    close(modifiers.weight_variation.hi_data, ref.up[0])
    close(modifiers.weight_variation.lo_data, ref.down[0])
    close(ws.observations![0].data, ref.data[0])
  })

  it('computes TransfoD(2,2) and the DP optimum at its bin count, on the training half', async () => {
    const objective = await loadBinningObjective(STUDY)
    const baselines = await objective.baselines()
    expect(Object.keys(baselines).sort()).toEqual(['dp_optimum_4', 'transfo_d_2_2'])
    // No `fine` in the example: the space and the baselines merge the statistical default grid.
    const grid = objective.channels[0].defaultFine!
    expect(grid[1] - grid[0]).toBe(50)
    for (const b of Object.values(baselines)) for (const e of b.edges.SR) expect(grid).toContain(e)
    const dp = baselines.dp_optimum_4
    expect(dp.edges.SR).toHaveLength(5)
    expect(dp.feasible).toBe(true)
    expect(dp.metrics!.z_mcstat).toBeGreaterThanOrEqual(baselines.transfo_d_2_2.metrics!.z_mcstat)
    expect(Number.isFinite(dp.heldout_value!)).toBe(true)
  })
})

describe('the default fine grid of ntuple studies', () => {
  it('has about 2·n^(1/3) bins for n background MC events (Rice), at a round width', () => {
    expect(statisticalFineWidth([20, 1260], 2578)).toBe(50)
    expect(statisticalFineWidth([20, 1260], 1289)).toBe(50)
    expect(statisticalFineWidth([20, 1260], 400)).toBe(100)
    expect(statisticalFineWidth([0, 1], 10_000)).toBe(0.025)
    expect(statisticalFineWidth([0, 1], 30)).toBe(0.2)
    expect(statisticalFineWidth([0, 1], 0)).toBe(1)
  })
})

describe('ntuple model with several channels (in-memory events)', () => {
  it('fills each channel with its own selection, observable and data', async () => {
    const binding = memoryBinding(TREES)
    const config = parseStudyConfig(`
model:
  kind: ntuples
  observable: x
  selection: q > 0
  modifiers: [{name: "mcstat_{channel}", type: staterror}]
  channels:
    - name: SR
      range: [0, 10]
      samples:
        - {name: signal, file: s.root, tree: signal, weight: weight, modifiers: [{name: mu, type: normfactor}]}
        - {name: background, file: b.root, tree: background, weight: weight}
    - name: CR
      observable: y
      selection: q < 0
      range: [0, 10]
      samples: [{name: background, file: b.root, tree: background, weight: weight}]
      data: {file: d.root, tree: pseudodata}
binning: {n_bins: {low: 1, high: 3}}
`).model as NtuplesModelConfig
    const model = await NtupleModel.load(config, { binding })
    expect(model.channels.map((c) => c.name)).toEqual(['SR', 'CR'])
    expect(binding.loaded.map((s) => `${s.tree}|${s.observable}|${s.selection}`).sort()).toEqual(
      ['background|x|q > 0', 'background|y|(q > 0) && (q < 0)', 'pseudodata|y|(q > 0) && (q < 0)', 'signal|x|q > 0'].sort(),
    )
    const ws = model.workspace({ SR: [0, 10], CR: [0, 4, 10] })
    expect(ws.channels.map((c) => [c.name, c.samples.map((s) => s.name)])).toEqual([
      ['SR', ['signal', 'background']],
      ['CR', ['background']],
    ])
    expect(ws.channels[1].samples[0].modifiers).toEqual([{ name: 'mcstat_CR', type: 'staterror', data: [Math.sqrt(11), Math.sqrt(5)] }])
    expect(ws.observations).toEqual([
      { name: 'SR', data: [13] },
      { name: 'CR', data: [3, 2] },
    ])
    expect(model.fineHistograms('CR', [0, 4, 10]).signal.sumw).toEqual([0, 0])
    expect(model.binYields({ SR: [0, 10], CR: [0, 4, 10] }).CR.map((b) => [b.signal, b.background])).toEqual([
      [0, 5],
      [0, 3],
    ])
  })
})
