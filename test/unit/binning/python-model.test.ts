import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { parseStudyConfig } from '../../../main/binning/config'
import { type BinningObjective, createBinningObjective, loadBinningObjective } from '../../../main/binning/objective'
import { runBinningStudy } from '../../../main/services/optimize'
import { HistuneError } from '../../../main/errors'

const FIXTURES = join(__dirname, 'fixtures')
const EXAMPLES = join(__dirname, '../../../resources/examples')
const VENV_PYTHON = join(__dirname, '../../../.venv/bin/python')
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3'
const HAS_NUMPY = spawnSync(PYTHON, ['-c', 'import numpy']).status === 0

const opened: BinningObjective[] = []
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()))
})

/** A study config of a Python builder in the fixtures folder. */
function builderConfig(file: string, parameters: string, extra = ''): string {
  return `study: {name: builder, seed: 7, trials: 6}
objective: z0
model: {kind: python, file: ${file}, function: build_workspace, python: ${PYTHON}, timeout_s: 1.5}
parameters:
${parameters}
${extra}`
}

async function builderObjective(file: string, parameters: string, extra = ''): Promise<BinningObjective> {
  const objective = await createBinningObjective(parseStudyConfig(builderConfig(file, parameters, extra)), { configFile: join(FIXTURES, 'study.yaml') })
  opened.push(objective)
  return objective
}

async function failure(promise: Promise<unknown>): Promise<HistuneError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HistuneError)
  return error as HistuneError
}

describe('python builder config', () => {
  it('reads the builder and its keyword arguments: ranges, choices and fixed values', () => {
    const config = parseStudyConfig(
      builderConfig(
        'tutorial_builder.py',
        `  n_bins: {type: int, low: 3, high: 40}
  lo: {type: float, low: 0.0, high: 0.3, step: 0.05}
  hi: 1.0
  flavour: {choices: [a, 2, true, null]}`,
      ),
    )
    expect(config.model).toEqual({ kind: 'python', file: 'tutorial_builder.py', function: 'build_workspace', python: PYTHON, timeoutS: 1.5 })
    expect(config.parameters).toEqual([
      { name: 'n_bins', type: 'int', low: 3, high: 40 },
      { name: 'lo', type: 'float', low: 0, high: 0.3, step: 0.05 },
      { name: 'hi', type: 'fixed', value: 1 },
      { name: 'flavour', type: 'categorical', choices: ['a', 2, true, null] },
    ])
    expect(config.binning.channels).toEqual({})
    const defaults = parseStudyConfig('model: {kind: python, file: b.py}\nparameters: {n_bins: {type: int, low: 2, high: 9}}')
    expect(defaults.model).toEqual({ kind: 'python', file: 'b.py', function: 'build_workspace', python: 'python3', timeoutS: 30 })
  })

  it('refuses what a builder cannot do, naming the config path', () => {
    const refusal = (text: string): { path?: string; message: string } => {
      try {
        parseStudyConfig(text)
      } catch (error) {
        expect(error).toBeInstanceOf(HistuneError)
        return { path: (error as HistuneError).path, message: (error as HistuneError).message }
      }
      throw new Error('the config was accepted')
    }
    const params = '  n_bins: {type: int, low: 3, high: 40}'
    expect(refusal(builderConfig('b.py', params, 'binning: {n_bins: {low: 2, high: 4}}'))).toEqual({
      path: 'binning',
      message: 'a Python builder bins the workspace itself: give its keyword arguments in "parameters"',
    })
    expect(refusal(builderConfig('b.py', params, 'constraints: {min_width: 0.1}'))).toMatchObject({ path: 'constraints.min_width', message: expect.stringMatching(/no bin edges/) })
    expect(refusal(builderConfig('b.py', params, 'constraints: {min_mc_events: 10}'))).toMatchObject({ path: 'constraints.min_mc_events' })
    expect(refusal(builderConfig('b.py', params, 'baselines: {n_bins: [4], methods: [equal_width]}'))).toMatchObject({
      path: 'baselines',
      message: expect.stringMatching(/baselines merge fine histograms/),
    })
    expect(refusal(builderConfig('b.py', '  n_bins: {low: 3, high: 40}'))).toEqual({ path: 'parameters.n_bins', message: '"type" is required' })
    expect(refusal(builderConfig('b.py', '  n_bins: {type: int, low: 3.5, high: 40}'))).toMatchObject({ path: 'parameters.n_bins.low' })
    expect(refusal(builderConfig('b.py', '  mode: {choices: [a, a]}'))).toEqual({ path: 'parameters.mode.choices', message: 'the choices repeat' })
    expect(refusal(builderConfig('b.py', '  n-bins: 3')).message).toMatch(/not a Python keyword argument name/)
    expect(refusal(builderConfig('b.py', params).replace('function: build_workspace', 'function: "build workspace"'))).toMatchObject({ path: 'model.function' })
    const tutorial = 'model: {kind: shapes, range: [0, 1], samples: [{name: s, density: x, modifiers: [{name: mu, type: normfactor, data: null}]}]}\n'
    expect(refusal(`${tutorial}binning: {n_bins: {low: 2, high: 4}}\nparameters: {n_bins: 3}`)).toMatchObject({ path: 'parameters', message: expect.stringMatching(/model kind: python/) })
  })
})

describe('python builder objective', () => {
  const tutorialParameters = `  n_bins: {type: int, low: 3, high: 40}
  lo: {type: float, low: 0.0, high: 0.3}
  hi: {type: float, low: 0.7, high: 1.0}`

  it("runs the tutorial's build_workspace unchanged: the same Z0 as the shapes model taken literally", async () => {
    const builder = await builderObjective('tutorial_builder.py', tutorialParameters)
    expect(builder.space).toEqual([
      { name: 'n_bins', type: 'int', low: 3, high: 40 },
      { name: 'lo', type: 'float', low: 0, high: 0.3 },
      { name: 'hi', type: 'float', low: 0.7, high: 1 },
    ])
    const shapes = await loadBinningObjective(join(EXAMPLES, 'tutorial/study-literal.yaml'))
    for (const params of [
      { n_bins: 3, lo: 0, hi: 1 },
      { n_bins: 12, lo: 0.13, hi: 0.91 },
      { n_bins: 40, lo: 0.3, hi: 0.7 },
    ]) {
      const built = await builder.evaluate(params)
      const reference = await shapes.evaluate(params)
      expect(built.values[0]).toBeCloseTo(reference.values[0], 9)
      expect(built.metrics.n_bins).toBe(params.n_bins)
      expect(built.feasible).toBe(true)
      expect(built.workspace.channels[0].samples[1].data).toHaveLength(params.n_bins)
    }
    expect((await builder.evaluate({ n_bins: 3, lo: 0, hi: 1 })).values[0]).toBeCloseTo(2.97, 2)
  })

  it.skipIf(!HAS_NUMPY)('takes the NumPy arrays a builder written with np.linspace returns', async () => {
    const builder = await builderObjective('numpy_builder.py', tutorialParameters)
    const shapes = await loadBinningObjective(join(EXAMPLES, 'tutorial/study-literal.yaml'))
    const params = { n_bins: 7, lo: 0.05, hi: 0.95 }
    const built = await builder.evaluate(params)
    expect(built.workspace.observations?.[0].data).toHaveLength(7)
    expect(built.values[0]).toBeCloseTo((await shapes.evaluate(params)).values[0], 9)
  })

  it('checks the per-bin background on the built workspace', async () => {
    const builder = await builderObjective('tutorial_builder.py', tutorialParameters, 'constraints: {min_background: 5}')
    expect(builder.constraintNames).toEqual(['positive_background', 'min_background'])
    const fine = await builder.evaluate({ n_bins: 40, lo: 0, hi: 1 })
    expect(fine.feasible).toBe(false)
    // 40 bins of 200·exp(−2x)·0.025: the last bin has 5·exp(−1.975) ≈ 0.69 events.
    expect(fine.metrics.min_background).toBeCloseTo(5 * Math.exp(-2 * 0.9875), 9)
    expect(fine.constraints[1]).toBeCloseTo(5 - fine.metrics.min_background, 12)
    const coarse = await builder.evaluate({ n_bins: 3, lo: 0, hi: 1 })
    expect(coarse.feasible).toBe(true)
  })

  it('fails only the trial whose builder raises, hangs, dies or returns no valid workspace, keeping the message', async () => {
    const faulty = await builderObjective('faulty_builder.py', `  n_bins: {type: int, low: 3, high: 40}
  mode: {choices: [ok, raise, sleep, exit, list, short_background]}`)
    expect(faulty.space[1]).toEqual({ name: 'mode', type: 'categorical', choices: ['ok', 'raise', 'sleep', 'exit', 'list', 'short_background'] })
    const ok = async (n: number) => expect((await faulty.evaluate({ n_bins: n, mode: 'ok' })).metrics.n_bins).toBe(n)

    await ok(4)
    const raised = await failure(faulty.evaluate({ n_bins: 5, mode: 'raise' }))
    expect(raised.message).toMatch(/raised ValueError: no template for 5 bins/)
    expect(raised.message).toMatch(/faulty_builder\.py", line \d+, in build_workspace/)
    expect(raised.message).toMatch(/--- builder stderr ---\nfilling 5 bins\na C\+\+ library writing to fd 1/)
    await ok(5)

    const started = performance.now()
    const hung = await failure(faulty.evaluate({ n_bins: 6, mode: 'sleep' }))
    expect(hung.message).toMatch(/build_workspace\(n_bins=6, mode="sleep"\) did not return within 1\.5 s/)
    expect(performance.now() - started).toBeLessThan(10_000)
    await ok(6)

    const crashed = await failure(faulty.evaluate({ n_bins: 6, mode: 'exit' }))
    expect(crashed.message).toMatch(/the Python builder exited with code 3 while building a workspace/)
    await ok(6)

    const list = await failure(faulty.evaluate({ n_bins: 7, mode: 'list' }))
    expect(list.message).toMatch(/returned a list, not a workspace dict/)
    await ok(7)

    const short = await failure(faulty.evaluate({ n_bins: 8, mode: 'short_background' }))
    expect(short.code).toBe('E_WORKSPACE')
    expect(short.message).toMatch(/build_workspace returned an invalid workspace: /)
    await ok(8)

    const outside = await failure(faulty.evaluate({ n_bins: 8, mode: 'explode' }))
    expect(outside.message).toMatch(/mode = "explode" is not one of/)
  })

  it('reports a builder that cannot be loaded before any trial', async () => {
    const noFunction = await failure(
      createBinningObjective(parseStudyConfig(builderConfig('tutorial_builder.py', '  n_bins: 3').replace('function: build_workspace', 'function: make_workspace')), {
        configFile: join(FIXTURES, 'study.yaml'),
      }),
    )
    expect(noFunction.message).toMatch(/cannot load make_workspace from .*tutorial_builder\.py: AttributeError: .* has no function 'make_workspace'/)
    expect(noFunction.path).toBe('model')
    const missing = await failure(
      createBinningObjective(parseStudyConfig(builderConfig('no_such_builder.py', '  n_bins: 3')), { configFile: join(FIXTURES, 'study.yaml') }),
    )
    expect(missing.message).toMatch(/cannot load build_workspace from .*no_such_builder\.py: FileNotFoundError/)
    const noPython = await failure(
      createBinningObjective(parseStudyConfig(builderConfig('tutorial_builder.py', '  n_bins: 3').replace(`python: ${PYTHON}`, 'python: no-such-python')), {
        configFile: join(FIXTURES, 'study.yaml'),
      }),
    )
    expect(noPython.message).toMatch(/cannot run the Python builder with "no-such-python"/)
  })

  it('runs as a study: TPE suggests the keyword arguments of the example builder', async () => {
    const summary = await runBinningStudy({ configFile: join(EXAMPLES, 'python/study.yaml'), trials: 6 })
    expect(summary.n_trials).toBe(6)
    expect(summary.n_complete).toBe(6)
    expect(summary.best_value).toBeGreaterThan(1)
    expect(Object.keys(summary.best_params ?? {}).sort()).toEqual(['hi', 'lo', 'n_bins'])
  })
})
