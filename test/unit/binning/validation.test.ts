import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { loadStudyConfig, type NtuplesModelConfig, parseStudyConfig } from '../../../main/binning/config'
import { nativeNtupleBinding } from '../../../main/binning/ntuple'
import { NtupleModel, SampleCache } from '../../../main/binning/ntuple-model'
import { createBinningObjective } from '../../../main/binning/objective'
import { andSelections, foldExpression, foldOf, innerFolds, type McPart, mcSplit, scaledWeight } from '../../../main/binning/validation'
import { runBinningStudy } from '../../../main/services/optimize'
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

  it('seeded folds: another partition per seed, balanced, not following the entry order', () => {
    const folds = (k: number, seed: number) => Array.from({ length: 6000 }, (_, entry) => foldOf(entry, k, seed))
    for (const k of [2, 3, 5]) {
      const f = folds(k, 7)
      for (let j = 0; j < k; j++) expect(Math.abs(f.filter((x) => x === j).length / f.length - 1 / k)).toBeLessThan(0.03)
      // Neighbouring entries share a fold about as often as chance (1/k).
      expect(Math.abs(f.slice(1).filter((x, i) => x === f[i]).length / (f.length - 1) - 1 / k)).toBeLessThan(0.03)
    }
    const [a, b] = [folds(2, 0), folds(2, 1)]
    expect(Math.abs(a.filter((x, i) => x === b[i]).length / a.length - 0.5)).toBeLessThan(0.03)
    expect(folds(2, 3)).toEqual(folds(2, 3))
    expect(mcSplit({ split: 'kfold', k: 2, fold: 1, seed: 3 })).toEqual({
      train: { selection: `${foldExpression(2, 3)} != 1`, weightFactor: 2 },
      heldout: { selection: `${foldExpression(2, 3)} == 1`, weightFactor: 2 },
    })
    expect(foldExpression(4)).toBe('Entry$ % 4')
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
  it('the reader assigns each entry the fold foldOf computes (exact in doubles)', async () => {
    const file = join(__dirname, '../../../resources/examples/ntuples/prediction.root')
    for (const [k, seed] of [[5, 3], [2, 999_999]]) {
      // The fold as the weight: Σw and Σw² over all entries check every entry's fold.
      const sample = await binding!.loadNtupleSample({ file, tree: 'background', observable: 'jet_pt', weight: foldExpression(k, seed) })
      const expected = Array.from({ length: sample.events }, (_, entry) => foldOf(entry, k, seed))
      expect(sample.events).toBe(5000)
      const total = sample.total()
      expect(total.sumw).toBe(expected.reduce((a, f) => a + f, 0))
      expect(total.sumw2).toBe(expected.reduce((a, f) => a + f * f, 0))
      const parts = await Promise.all(
        Array.from({ length: k }, (_, j) => binding!.loadNtupleSample({ file, tree: 'background', observable: 'jet_pt', selection: `${foldExpression(k, seed)} == ${j}` })),
      )
      expect(parts.map((p) => p.events)).toEqual(Array.from({ length: k }, (_, j) => expected.filter((f) => f === j).length))
    }
  })


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
    // The training part spans less than all events; the space still covers the full range (on
    // the default 50 GeV grid, extended to whole bins).
    expect(objective.decode({ n_bins: 2, ...Object.fromEntries(objective.space.slice(1).map((p) => [p.name, 1])) }).SR).toEqual([20, 670, 1270])
    // Without a split, and with raw templates, the scored workspace is the exported one.
    config.validation = null
    ;(config.model as NtuplesModelConfig).smoothing = undefined
    const unsplit = await createBinningObjective(config, { configFile: STUDY, binding: binding! })
    const whole = await unsplit.evaluateEdges({ SR: [0, 400, 450, 550, 1400] })
    expect(whole.heldout_value).toBeUndefined()
    expect(whole.workspace).toEqual(objective.workspaceFor({ SR: [0, 400, 450, 550, 1400] }))
  })
})

describe.skipIf(binding === null)('choosing with inner folds of the training MC', () => {
  const withSelection = (selection: string): string =>
    readFileSync(STUDY, 'utf8').replace(/\nselection:[\s\S]*?\n(?=\S|$)/, '\n') + `selection: ${selection}\n`

  it('the inner folds partition the training half, each reweighted ×k', async () => {
    const config = loadStudyConfig(STUDY).model as NtuplesModelConfig
    const cache = new SampleCache(binding!)
    const train = mcSplit({ split: 'odd_even' }).train
    const load = (part: McPart) => NtupleModel.load(config, { binding: binding!, configFile: STUDY, cache, part })
    const parts = innerFolds(train, 3, 0)
    expect(parts.map((p) => p.weightFactor)).toEqual([6, 6, 6])
    const [whole, ...folds] = await Promise.all([load(train), ...parts.map(load)])
    const edges = { SR: [0, 300, 400, 500, 600, 1400] }
    const [w, ...f] = [whole, ...folds].map((m) => m.binYields(edges).SR)
    w.forEach((bin, i) => {
      expect(f.reduce((a, fold) => a + fold[i].background, 0) / 3).toBeCloseTo(bin.background, 9)
      expect(f.reduce((a, fold) => a + fold[i].signal, 0) / 3).toBeCloseTo(bin.signal, 9)
      expect(f.reduce((a, fold) => a + fold[i].backgroundEntries, 0)).toBe(bin.backgroundEntries)
      for (const fold of f) expect(fold[i].backgroundEntries).toBeGreaterThan(0)
    })
    // Not the validation split's halves again: every fold holds about a third of the training entries.
    for (const fold of f) expect(fold.reduce((a, b) => a + b.backgroundEntries, 0) / w.reduce((a, b) => a + b.backgroundEntries, 0)).toBeCloseTo(1 / 3, 1)
  })

  it('kfold_mean scores each trial by its mean over the folds, the training value kept as a metric', async () => {
    const edges = { SR: [20, 400, 450, 550, 1260] }
    const plain = await createBinningObjective(parseStudyConfig(readFileSync(STUDY, 'utf8'), STUDY), { configFile: STUDY, binding: binding! })
    const objective = await createBinningObjective(parseStudyConfig(withSelection('{method: kfold_mean, k: 3}'), STUDY), { configFile: STUDY, binding: binding! })
    const [reference, trial, folds] = await Promise.all([plain.evaluateEdges(edges), objective.evaluateEdges(edges), objective.foldScores!(edges)])
    expect(plain.foldScores).toBeUndefined()
    expect(folds.values).toHaveLength(3)
    expect(new Set(folds.values).size).toBe(3)
    expect(trial.values[0]).toBeCloseTo(folds.mean, 12)
    expect(trial.metrics.kfold_mean).toBe(trial.values[0])
    expect(trial.metrics.train_value).toBeCloseTo(reference.values[0], 12)
    expect(trial.heldout_value).toBeCloseTo(reference.heldout_value!, 12)
    // A fold has a third of the training MC: thin bins carry √3 times the MC error there.
    expect(folds.mean).toBeLessThan(reference.values[0])
  })

  it('kfold_rerank reports the best trial among the top ones by its fold mean, and says how it chose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'histune-selection-'))
    try {
      for (const f of ['prediction.root', 'data.root']) copyFileSync(join(dirname(STUDY), f), join(dir, f))
      const file = join(dir, 'study.yaml')
      writeFileSync(file, withSelection('{method: kfold_rerank, k: 3, top: 5}'))
      const summary = await runBinningStudy({ configFile: file, trials: 12 })
      expect(summary.constraints).toEqual({ min_background: 5, max_mc_rel_error: 0.2 })
      const choice = summary.selection!
      expect(choice).toMatchObject({ method: 'kfold_rerank', k: 3, candidates: 5 })
      expect(choice.kfold_values).toHaveLength(3)
      const objective = await createBinningObjective(loadStudyConfig(file), { configFile: file, binding: binding! })
      const again = await objective.foldScores!(summary.edges!)
      expect(again.mean).toBeCloseTo(choice.kfold_value, 12)
      expect(summary.best_value).toBeCloseTo((await objective.evaluateEdges(summary.edges!)).values[0], 12)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
