// Drives Histune's study engine for the Optuna parity tests (test_optuna_*.py). It imports the study
// modules compiled by the tests into out/parity-study (see conftest.py) and prints JSON on stdout.
//   node study_tool.mjs probe <url>              → {"ok": true} if the storage opens
//   node study_tool.mjs write <url> <name>       → writes the reference study, prints its dump
//   node study_tool.mjs dump <url> <name>        → prints the dump of a study
//   node study_tool.mjs resume <url> <name> <n>  → runs n more TPE trials on Optuna's objective
//   node study_tool.mjs work <url> <name> <n>    → one worker: n trials on an existing study
//   node study_tool.mjs importance <url> <name>  → runs 200 random trials, prints PED-ANOVA importances
//   node study_tool.mjs parzen - <json>          → log-densities of a Parzen estimator (see test_optuna_tpe.py)
//   node study_tool.mjs acquisition <url> <name> <json> → TPE's log l − log g for the last RUNNING trial
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const compiled = process.env.HISTUNE_STUDY_JS ?? resolve('out/parity-study/main/study/index.js')
const h = await import(pathToFileURL(compiled).href)

const fmt = (v) => (Number.isFinite(v) ? v : String(v).replace('Infinity', 'inf').replace('NaN', 'nan'))

function dumpTrial(t) {
  return {
    number: t.number,
    state: t.state,
    values: t.values === null ? null : t.values.map(fmt),
    params: t.params,
    distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, h.distributionToJson(d)])),
    intermediate_values: [...t.intermediateValues.entries()].map(([s, v]) => [s, fmt(v)]),
    user_attrs: t.userAttrs,
    system_attrs: t.systemAttrs,
  }
}

async function dump(storage, name) {
  const study = await h.Study.load({ storage, studyName: name })
  return {
    directions: study.directions,
    user_attrs: await study.userAttrs(),
    trials: (await study.getTrials()).map(dumpTrial),
  }
}

/** The reference study: every state, conditional and categorical params, NaN/inf values, attrs, constraints. */
async function write(storage, name) {
  const study = await h.Study.create({
    storage,
    studyName: name,
    direction: 'maximize',
    sampler: new h.TPESampler({ seed: 7, nStartupTrials: 4 }),
    pruner: new h.NopPruner(),
    constraintsFunc: (t) => [t.params.x - 2],
  })
  await study.setUserAttr('workspace', 'tutorial.json')
  await study.enqueueTrial({ x: 1.5, kind: 'uniform' }, { userAttrs: { source: 'baseline' } })
  const objective = (trial) => {
    const x = trial.suggestFloat('x', -4, 4)
    const kind = trial.suggestCategorical('kind', ['uniform', 'quantile', null, 3, 2.5, true])
    let z = -((x - 1) ** 2)
    if (kind === 'uniform') z += trial.suggestInt('n_bins', 2, 40, { step: 2 }) / 40
    else z += trial.suggestFloat('width', 1e-3, 10, { log: true }) / 100
    trial.suggestFloat('offset', 0, 1, { step: 0.25 })
    trial.suggestInt('merge', 1, 64, { log: true })
    trial.setUserAttr('edges', [0, x, 10])
    for (let step = 0; step < 3; step++) trial.report(step === 1 ? NaN : z - 1 / (step + 1), step)
    return z
  }
  await study.optimize(objective, { nTrials: 10 })
  // A pruned trial, a failed one (objective throws), an infinite value and a still-running one.
  const pruned = await study.ask()
  pruned.suggestFloat('x', -4, 4)
  pruned.report(-Infinity, 0)
  await study.tell(pruned, null, 'PRUNED')
  await study.runTrial(() => {
    throw new Error('fit did not converge')
  })
  await study.runTrial((t) => (t.suggestFloat('x', -4, 4), Infinity))
  await study.runTrial(() => NaN)
  const running = await study.ask()
  running.suggestFloat('x', -4, 4)
  await running.flush()
  await study.enqueueTrial({ x: -1 })

  const mo = await h.Study.create({ storage, studyName: `${name}-mo`, directions: ['minimize', 'maximize'], sampler: new h.NSGAIISampler({ seed: 3, populationSize: 4 }) })
  await mo.optimize((t) => {
    const a = t.suggestFloat('a', 0, 1)
    return [a, a === 0 ? -Infinity : 1 - Math.sqrt(a)]
  }, { nTrials: 10 })
  return dump(storage, name)
}

async function resume(storage, name, n) {
  const study = await h.Study.load({ storage, studyName: name, sampler: new h.TPESampler({ seed: 11 }) })
  await study.optimize((trial) => {
    const x = trial.suggestFloat('x', -5, 5)
    const y = trial.suggestInt('y', 0, 10)
    const c = trial.suggestCategorical('c', ['a', 'b'])
    return x * x + y + (c === 'a' ? 0 : 1)
  }, { nTrials: n })
  return dump(storage, name)
}

const [command, url, name, n] = process.argv.slice(2)
if (command === 'parzen') {
  const { ParzenEstimator } = await import(new URL('samplers/tpe/parzen.js', pathToFileURL(compiled)).href)
  const spec = JSON.parse(name)
  const space = Object.fromEntries(Object.entries(spec.space).map(([k, v]) => [k, h.jsonToDistribution(v)]))
  const toArrays = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float64Array.from(v)]))
  const weights = spec.weights ?? Array.from(h.defaultWeights(Object.values(spec.observations)[0].length))
  const pe = new ParzenEstimator(space, toArrays(spec.observations), weights, spec.options)
  process.stdout.write(JSON.stringify(Array.from(pe.logPdf(toArrays(spec.samples)))))
  process.exit(0)
}
const storage = await h.getStorage(url)
try {
  let out
  if (command === 'probe') out = { ok: true }
  else if (command === 'write') out = await write(storage, name)
  else if (command === 'dump') out = await dump(storage, name)
  else if (command === 'resume') out = await resume(storage, name, Number(n))
  else if (command === 'acquisition') {
    const spec = JSON.parse(n)
    const study = await h.Study.load({ storage, studyName: name })
    const trials = await study.getTrials()
    const current = trials.filter((t) => t.state === 'RUNNING').at(-1)
    const view = { studyName: name, directions: study.directions, getTrials: (states) => (states ? trials.filter((t) => states.includes(t.state)) : trials), setTrialSystemAttr() {} }
    const space = Object.fromEntries(Object.entries(spec.space).map(([k, v]) => [k, h.jsonToDistribution(v)]))
    const sampler = new h.TPESampler({ ...(spec.optuna ? h.TPESampler.optunaOptions() : {}), constantLiar: spec.constantLiar, multivariate: true })
    out = Array.from(sampler.acquisition(view, current, space, spec.points))
  }
  else if (command === 'work') {
    const study = await h.Study.load({ storage, studyName: name, sampler: new h.TPESampler({ seed: process.pid }) })
    const runner = new h.StudyRunner(study, async (t) => {
      const x = t.suggestFloat('x', -5, 5)
      await new Promise((r) => setTimeout(r, 2))
      return x * x
    }, { nTrials: Number(n), concurrency: 2 })
    out = await runner.run()
  } else if (command === 'importance') {
    const study = await h.Study.create({ storage, studyName: name, sampler: new h.RandomSampler({ seed: 0 }) })
    await study.optimize((t) => 10 * t.suggestFloat('x', -5, 5) ** 2
      + Math.abs(Math.log10(t.suggestFloat('lr', 1e-4, 1, { log: true })) + 2)
      + (t.suggestCategorical('kind', ['a', 'b', 'c']) === 'b' ? 0 : 3)
      + 0 * t.suggestInt('noise', 0, 100), { nTrials: 200 })
    out = await study.paramImportances()
  }
  else throw new Error(`unknown command ${command}`)
  process.stdout.write(JSON.stringify(out))
} finally {
  await storage.close()
}
