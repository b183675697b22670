import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { loadStudyConfig, type NtuplesModelConfig, parseStudyConfig } from '../../../main/binning/config'
import { nativeNtupleBinding } from '../../../main/binning/ntuple'
import { NtupleModel, SampleCache } from '../../../main/binning/ntuple-model'
import { createBinningObjective } from '../../../main/binning/objective'
import { andSelections, mcSplit, scaledWeight } from '../../../main/binning/validation'
import { memoryBinding } from './memory-ntuples'

const STUDY = join(__dirname, '../../../resources/examples/ntuples/study.yaml')

describe('held-out splits', () => {
  it('selects parts by entry number and restores the normalisation', () => {
    expect(mcSplit({ split: 'odd_even' })).toEqual({
      train: { selection: 'Entry$ % 2 == 0', weightFactor: 2 },
      heldout: { selection: 'Entry$ % 2 == 1', weightFactor: 2 },
    })
    expect(mcSplit({ split: 'kfold', k: 4, fold: 1 })).toEqual({
      train: { selection: 'Entry$ % 4 != 1', weightFactor: 4 / 3 },
      heldout: { selection: 'Entry$ % 4 == 1', weightFactor: 4 },
    })
  })

  it('composes selections and weights', () => {
    expect(andSelections(undefined, 'a > 0', ' ', 'b || c')).toBe('(a > 0) && (b || c)')
    expect(andSelections('a > 0')).toBe('a > 0')
    expect(andSelections()).toBeUndefined()
    expect(scaledWeight('0.7*weight', 2)).toBe('2 * (0.7*weight)')
    expect(scaledWeight(undefined, 4)).toBe('4')
    expect(scaledWeight('w', 1)).toBe('w')
  })

  it('applies the split to MC samples and variations, never to the data', async () => {
    const binding = memoryBinding({
      s: { x: [1, 2], weight: [1, 1] },
      b: { x: [1, 3], weight: [2, 2] },
      d: { x: [1], weight: [1] },
    })
    const config = parseStudyConfig(`
model:
  kind: ntuples
  observable: x
  selection: x > 0
  samples:
    - {name: s, file: f.root, tree: s, weight: weight, modifiers: [{name: mu, type: normfactor}]}
    - {name: b, file: f.root, tree: b, weight: weight, modifiers: [{name: v, type: histosys, data: {up: {weight: weight_up}, symmetrize: true}}]}
  data: {file: f.root, tree: d}
binning: {n_bins: {low: 1, high: 3}}
validation: {split: kfold, k: 3, fold: 2}
`).model as NtuplesModelConfig
    const model = await NtupleModel.load(config, { binding, part: mcSplit({ split: 'kfold', k: 3, fold: 2 }).heldout })
    expect(binding.loaded.map((s) => [s.tree, s.weight, s.selection])).toEqual([
      ['s', '3 * (weight)', '(x > 0) && (Entry$ % 3 == 2)'],
      ['b', '3 * (weight)', '(x > 0) && (Entry$ % 3 == 2)'],
      ['b', '3 * (weight_up)', '(x > 0) && (Entry$ % 3 == 2)'],
      ['d', undefined, 'x > 0'],
    ])
    expect(model.workspace({ SR: [0, 2, 4] }).channels[0].samples[0].data).toEqual([3, 3])
  })
})

const binding = (() => {
  try {
    return nativeNtupleBinding()
  } catch {
    return null
  }
})()

describe.skipIf(binding === null)('held-out split on the tutorial ntuples', () => {
  it('the even and odd halves, reweighted, add up to the full sample', async () => {
    const config = loadStudyConfig(STUDY).model as NtuplesModelConfig
    const cache = new SampleCache(binding!)
    const split = mcSplit({ split: 'odd_even' })
    const [full, train, heldout] = await Promise.all([
      NtupleModel.load(config, { binding: binding!, configFile: STUDY, cache }),
      NtupleModel.load(config, { binding: binding!, configFile: STUDY, cache, part: split.train }),
      NtupleModel.load(config, { binding: binding!, configFile: STUDY, cache, part: split.heldout }),
    ])
    const edges = { SR: [0, 300, 400, 500, 600, 1400] }
    const [f, t, h] = [full, train, heldout].map((m) => m.binYields(edges).SR)
    f.forEach((bin, i) => {
      expect((t[i].signal + h[i].signal) / 2).toBeCloseTo(bin.signal, 9)
      expect((t[i].background + h[i].background) / 2).toBeCloseTo(bin.background, 9)
      expect((t[i].backgroundSumw2 + h[i].backgroundSumw2) / 4).toBeCloseTo(bin.backgroundSumw2, 9)
      expect(t[i].backgroundEntries + h[i].backgroundEntries).toBe(bin.backgroundEntries)
      expect(t[i].backgroundEntries).toBeGreaterThan(0)
      expect(h[i].background).not.toBeCloseTo(t[i].background, 6)
    })
    const observed = [full, train, heldout].map((m) => m.workspace(edges).observations![0].data)
    expect(observed[1]).toEqual(observed[0])
    expect(observed[2]).toEqual(observed[0])
  })

  it('reports the chosen binning on the held-out half, and the constraint drift', async () => {
    const config = loadStudyConfig(STUDY)
    const objective = await createBinningObjective(config, { configFile: STUDY, binding: binding! })
    const trial = await objective.evaluateEdges({ SR: [0, 400, 450, 550, 1400] })
    expect(trial.heldout_value).toBeDefined()
    expect(trial.heldout_value).not.toBeCloseTo(trial.values[0], 6)
    expect(trial.metrics.heldout_z0).toBe(trial.heldout_value)
    expect(trial.metrics.heldout_max_mc_rel_error).toBeGreaterThan(0)
    // The training part spans less than all events; the space still covers the full range.
    expect(objective.decode({ n_bins: 2, ...Object.fromEntries(objective.space.slice(1).map((p) => [p.name, 1])) }).SR).toEqual([20, 640, 1260])
    config.validation = null
    const unsplit = await createBinningObjective(config, { configFile: STUDY, binding: binding! })
    const whole = await unsplit.evaluateEdges({ SR: [0, 400, 450, 550, 1400] })
    expect(whole.heldout_value).toBeUndefined()
    expect(whole.workspace).toEqual(objective.workspaceFor({ SR: [0, 400, 450, 550, 1400] }))
  })
})
