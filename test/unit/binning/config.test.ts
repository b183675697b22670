import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { formatConfigPath, loadStudyConfig, parseStudyConfig } from '../../../main/binning/config'
import { HistuneError } from '../../../main/errors'

const EXAMPLES = join(__dirname, '../../../resources/examples')

const TUTORIAL = `study:
  name: t
  sampler: tpe
  seed: 42
  trials: 20
objective: z0
model:
  kind: shapes
  channel: SR
  range: [0, 1]
  samples:
    - name: signal
      density: 50 * exp(-(x - 0.5)^2 / (2 * 0.08^2))
      modifiers:
        - {name: mu, type: normfactor, data: null}
    - name: background
      density: 200 * exp(-2 * x)
      modifiers:
        - {name: bkg_norm, type: normsys, data: {hi: 1.05, lo: 0.95}}
binning:
  n_bins: {low: 3, high: 40}
  lo: {low: 0, high: 0.3}
  hi: {low: 0.7, high: 1}
`

function failure(text: string, file = 'study.yaml'): HistuneError {
  try {
    parseStudyConfig(text, file)
  } catch (error) {
    if (error instanceof HistuneError) return error
    throw error
  }
  throw new Error('the config was accepted')
}

const edit = (from: string, to: string): string => {
  if (!TUTORIAL.includes(from)) throw new Error(`no "${from}" in the tutorial config`)
  return TUTORIAL.replace(from, to)
}

describe('study config: the examples', () => {
  it('reads the tutorial study', () => {
    const config = loadStudyConfig(join(EXAMPLES, 'tutorial/study.yaml'))
    expect(config.study).toEqual({ name: 'tutorial', directions: ['maximize'], sampler: 'tpe', samplerOptions: {}, seed: 42, trials: 200 })
    expect(config.objectives).toEqual([{ kind: 'z0', data: 'asimov' }])
    expect(config.model).toMatchObject({ kind: 'shapes', integrate: true, channels: [{ name: 'SR', observable: 'x', range: [0, 1], data: 'asimov', path: 'model' }] })
    expect(config.binning.channels.SR).toEqual({ space: 'uniform', nBins: { low: 3, high: 40 }, lo: { low: 0, high: 0.3 }, hi: { low: 0.7, high: 1 } })
    expect(config.validation).toBeNull()
    expect(loadStudyConfig(join(EXAMPLES, 'tutorial/study-literal.yaml')).model).toMatchObject({ kind: 'shapes', integrate: false })
  })

  it('reads the ntuple study: shared modifiers first, ntuple histosys, data, split and baselines', () => {
    const config = loadStudyConfig(join(EXAMPLES, 'ntuples/study.yaml'))
    if (config.model.kind !== 'ntuples') throw new Error('expected an ntuple model')
    const [channel] = config.model.channels
    expect(channel).toMatchObject({ name: 'SR', observable: 'jet_pt', selection: 'lep_charge > 0', path: 'model' })
    const [signal, background] = channel.samples
    expect(signal.modifiers.map((m) => m.name)).toEqual(['luminosity', 'staterror_SR', 'mu'])
    expect(background.modifiers.map((m) => `${m.type}:${m.name}`)).toEqual(['normsys:luminosity', 'staterror:staterror_SR', 'histosys:modeling', 'histosys:weight_variation'])
    expect(background.modifiers[2].data).toEqual({ up: { tree: 'background_varied' }, down: 'symmetrize' })
    expect(background.modifiers[3].data).toEqual({ up: { weight: 'weight_up' }, down: { weight: '0.7*weight' } })
    expect(channel.data).toEqual({ file: 'data.root', tree: 'pseudodata' })
    expect(config.model.measurement).toEqual({ name: 'jet_pt_SR', poi: 'mu', parameters: [{ name: 'mu', bounds: [[0, 10]] }] })
    expect(config.constraints).toEqual({ minBackground: 5, maxMcRelError: 0.2 })
    expect(config.validation).toEqual({ split: 'odd_even' })
    expect(config.baselines).toEqual({ methods: [{ kind: 'transfo_d', zs: 2, zb: 2 }, { kind: 'dp_optimum' }], nBins: null, fine: null })
    expect(config.binning.channels.SR).toMatchObject({ space: 'fine_merges', fine: null })
  })

  it('reads a seeded k-fold split, and refuses a seed where it has no meaning', () => {
    const file = join(EXAMPLES, 'ntuples/study.yaml')
    const text = readFileSync(file, 'utf8').replace(/\nvalidation:[\s\S]*?\n(?=\S|$)/, '\n')
    expect(parseStudyConfig(text + 'validation: {split: kfold, k: 2, fold: 1, seed: 4}\n', file).validation).toEqual({ split: 'kfold', k: 2, fold: 1, seed: 4 })
    expect(parseStudyConfig(text + 'validation: {split: kfold, k: 3}\n', file).validation).toEqual({ split: 'kfold', k: 3, fold: 0 })
    expect(failure(text + 'validation: {split: odd_even, seed: 1}\n').message).toContain('k, fold and seed belong to split: kfold')
    const big = failure(text + 'validation: {split: kfold, k: 2, seed: 500000}\n')
    expect(big.path).toBe('validation.seed')
    expect(big.message).toContain('at most 499999')
  })

  it('gives ntuple studies MC-statistics constraints unless the config sets or turns them off', () => {
    const file = join(EXAMPLES, 'ntuples/study.yaml')
    const text = readFileSync(file, 'utf8').replace(/\nconstraints:[\s\S]*?\n(?=\S|$)/, '\n')
    expect(parseStudyConfig(text, file).constraints).toEqual({ minBackground: 5, maxMcRelError: 0.2 })
    expect(parseStudyConfig(text + 'constraints: {max_mc_rel_error: null, min_mc_events: 20}\n', file).constraints).toEqual({ minBackground: 5, minMcEvents: 20 })
    expect(parseStudyConfig(text + 'constraints: {min_background: 10}\n', file).constraints).toEqual({ minBackground: 10, maxMcRelError: 0.2 })
    expect(parseStudyConfig(TUTORIAL).constraints).toEqual({})
  })

  it('reads how the binning is chosen (selection), ntuples and a single objective only', () => {
    const file = join(EXAMPLES, 'ntuples/study.yaml')
    const text = readFileSync(file, 'utf8').replace(/\nselection:[\s\S]*?\n(?=\S|$)/, '\n')
    expect(parseStudyConfig(text + 'selection: {method: kfold_rerank}\n', file).selection).toEqual({ method: 'kfold_rerank', k: 4, top: 20, seed: 0 })
    expect(parseStudyConfig(text + 'selection: {method: kfold_mean, k: 3, seed: 2}\n', file).selection).toEqual({ method: 'kfold_mean', k: 3, top: 20, seed: 2 })
    expect(failure(text + 'selection: {method: kfold_mean, top: 5}\n').path).toBe('selection.top')
    expect(failure(text + 'selection: {method: best}\n').path).toBe('selection.method')
    expect(failure(text + 'selection: {method: kfold_rerank, k: 1}\n').path).toBe('selection.k')
    expect(failure(text.replace('objective: z0', 'objective: [z0, n_bins]').replace('  direction: maximize\n', '') + 'selection: {method: kfold_rerank}\n').message).toContain('a single objective')
    expect(failure(TUTORIAL + 'selection: {method: kfold_rerank}\n').message).toContain('needs MC events')
  })

  it('takes JSON as well as YAML, and several objectives with their directions', () => {
    const json = JSON.stringify({
      objective: ['z0', 'n_bins', { z0_minus_impact: { lambda: 0.5, top_n: 3 } }, { expected_limit: { cl: 0.9 } }],
      model: { kind: 'shapes', range: [0, 1], samples: [{ name: 's', density: 'x', modifiers: [{ name: 'mu', type: 'normfactor', data: null }] }] },
      binning: { space: 'free_edges', n_bins: { low: 2, high: 5 } },
    })
    const config = parseStudyConfig(json)
    expect(config.study.directions).toEqual(['maximize', 'minimize', 'maximize', 'minimize'])
    expect(config.objectives[2]).toEqual({ kind: 'z0_minus_impact', data: 'asimov', lambda: 0.5, topN: 3 })
    expect(config.objectives[3]).toEqual({ kind: 'expected_limit', data: 'asimov', cl: 0.9 })
    expect(config.model).toMatchObject({ measurement: { poi: 'mu', name: 'measurement' } })
  })

  it('reads several channels, with per-channel names for modifiers', () => {
    const config = parseStudyConfig(`
model:
  kind: ntuples
  observable: jet_pt
  selection: njet >= 4
  modifiers: [{name: "staterror_{channel}", type: staterror}]
  channels:
    - name: SR
      selection: lep_charge > 0
      samples: [{name: s, file: p.root, tree: signal, modifiers: [{name: mu, type: normfactor}]}]
    - name: CR
      observable: ht
      range: [0, 2000]
      samples: [{name: b, file: p.root, tree: background}]
      data: {file: d.root, tree: pseudodata}
binning:
  n_bins: {low: 2, high: 5}
  channels:
    CR: {space: free_edges, n_bins: {low: 1, high: 3}}
`)
    if (config.model.kind !== 'ntuples') throw new Error('expected an ntuple model')
    const [sr, cr] = config.model.channels
    expect(sr).toMatchObject({ name: 'SR', observable: 'jet_pt', selection: '(njet >= 4) && (lep_charge > 0)', data: 'asimov', path: 'model.channels[0]' })
    expect(sr.samples[0].modifiers.map((m) => m.name)).toEqual(['staterror_SR', 'mu'])
    expect(cr).toMatchObject({ name: 'CR', observable: 'ht', selection: 'njet >= 4', range: [0, 2000] })
    expect(cr.samples[0].modifiers.map((m) => m.name)).toEqual(['staterror_CR'])
    expect(config.binning.channels.SR.space).toBe('uniform')
    expect(config.binning.channels.CR).toEqual({ space: 'free_edges', nBins: { low: 1, high: 3 }, minWidth: null })
    const mixed = failure('model: {kind: shapes, range: [0, 1], channels: [{name: A, range: [0, 1], samples: [{name: s, density: x}]}]}\nbinning: {n_bins: {low: 1, high: 2}}\n')
    expect(mixed.path).toBe('model.range')
    const nameless = failure('model: {kind: shapes, channels: [{range: [0, 1], samples: [{name: s, density: x}]}]}\nbinning: {n_bins: {low: 1, high: 2}}\n')
    expect(nameless.path).toBe('model.channels[0]')
    expect(nameless.message).toBe('"name" is required')
  })

  it('formats config paths', () => {
    expect(formatConfigPath(['model', 'samples', 1, 'density'])).toBe('model.samples[1].density')
  })
})

describe('study config: errors name the file, line and path', () => {
  it('a density that does not parse', () => {
    const e = failure(edit('200 * exp(-2 * x)', '200 * exp(-2 * y)'))
    expect(e.code).toBe('E_SCHEMA')
    expect(e.path).toBe('model.samples[1].density')
    expect(e.file).toBe('study.yaml')
    expect(e.line).toBe(17)
    expect(e.message).toContain('unknown name "y"')
    expect(e.message).toContain('at character 16')
  })

  it('unknown keys, with the keys that are allowed', () => {
    const e = failure(edit('  n_bins: {low: 3, high: 40}', '  n_bin: {low: 3, high: 40}'))
    expect(e.path).toBe('binning.n_bin')
    expect(e.line).toBe(21)
    expect(e.message).toMatch(/unknown key "n_bin" \(expected one of: space, n_bins/)
  })

  it('wrong types and ranges', () => {
    expect(failure(edit('  trials: 20', '  trials: many')).path).toBe('study.trials')
    expect(failure(edit('  seed: 42', '  seed: 4.5')).message).toContain('expected an integer')
    expect(failure(edit('{hi: 1.05, lo: 0.95}', '{lo: 0.95}')).path).toBe('model.samples[1].modifiers[0].data')
    expect(failure(edit('  range: [0, 1]', '  range: [1, 0]')).message).toContain('need low < high')
    expect(failure(edit('  lo: {low: 0, high: 0.3}', '  lo: {low: 0.5, high: 0.3}')).path).toBe('binning.lo')
    expect(failure(edit('type: normsys', 'type: shapesys')).path).toBe('model.samples[1].modifiers[0].type')
    expect(failure(edit('  sampler: tpe', '  sampler: cmaes')).message).toContain('expected one of tpe, random, grid, qmc, nsga2, motpe')
  })

  it('a direction that contradicts the objective', () => {
    const e = failure(edit('  name: t\n', '  name: t\n  direction: minimize\n'))
    expect(e.path).toBe('study.direction')
    expect(e.message).toContain('objective z0 is maximised')
    expect(failure(edit('objective: z0', 'objective: [z0, n_bins]').replace('  name: t\n', '  name: t\n  direction: maximize\n')).message).toContain('1 direction(s) for 2 objective(s)')
  })

  it('settings that do not apply to the model', () => {
    expect(failure(TUTORIAL + 'constraints: {max_mc_rel_error: 0.2}\n').path).toBe('constraints.max_mc_rel_error')
    expect(failure(TUTORIAL + 'validation: {split: odd_even}\n').message).toContain('needs MC events')
    expect(failure(edit('type: normsys, data: {hi: 1.05, lo: 0.95}', 'type: staterror')).message).toContain('no MC statistical uncertainty')
    expect(failure(edit('  lo: {low: 0, high: 0.3}\n', '  min_fine_bins: 2\n')).message).toContain('applies to the fine_merges space')
  })

  it('missing pieces and inconsistencies', () => {
    expect(failure(TUTORIAL.replace(/binning:[\s\S]*$/, '')).message).toBe('"binning" is required')
    expect(failure(edit('objective: z0', 'objective: {z0_minus_impact: {top_n: 2}}')).path).toBe('objective.z0_minus_impact')
    expect(failure(edit('name: background', 'name: signal')).message).toContain('duplicate sample name "signal"')
    const poi = failure(edit('  channel: SR', '  channel: SR\n  measurement: {poi: theta}'))
    expect(poi.path).toBe('model.measurement.poi')
    expect(poi.message).toContain('not a normfactor')
    expect(failure(TUTORIAL + 'baselines: {methods: [dp_optimum]}\n').message).toContain('"n_bins" is required')
  })

  it('unreadable text and files', () => {
    const syntax = failure('study:\n  name: [unclosed\nmodel: {}\n')
    expect(syntax.code).toBe('E_JSON_SYNTAX')
    expect(syntax.line).toBeGreaterThanOrEqual(2)
    expect(failure('').code).toBe('E_EMPTY')
    expect(failure('- a\n- b\n').message).toContain('not a list')
    expect(failure('a: 1\na: 2\n').code).toBe('E_JSON_SYNTAX')
    expect(() => loadStudyConfig('/nonexistent/study.yaml')).toThrow(expect.objectContaining({ code: 'E_IO', file: '/nonexistent/study.yaml' }))
  })
})
