#!/usr/bin/env node
// Benchmark of Histune's TPE variants (and random search) on analytic functions: best value after
// N trials over S seeds, and the sampler's time per trial. Compiles main/study with tsc first.
//   node test/bench/study_tpe.mjs [--trials 100] [--seeds 10] [--out test/bench/results/study_tpe.json]
// Compare with Optuna on the same functions: .venv/bin/python test/bench/study_tpe_optuna.py
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const nTrials = Number(arg('trials', 100))
const nSeeds = Number(arg('seeds', 10))
const outFile = resolve(root, arg('out', 'test/bench/results/study_tpe.json'))

const outDir = join(root, 'out', 'bench-study')
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--lib', 'es2023', '--skipLibCheck', '--types', 'node', '--esModuleInterop', join(root, 'main', 'study', 'index.ts')], { stdio: 'inherit' })
const h = await import(pathToFileURL(join(outDir, 'main', 'study', 'index.js')).href)

export const functions = {
  sphere5: (t) => {
    let s = 0
    for (let i = 0; i < 5; i++) s += t.suggestFloat(`x${i}`, -5, 5) ** 2
    return s
  },
  rosenbrock4: (t) => {
    const x = Array.from({ length: 4 }, (_, i) => t.suggestFloat(`x${i}`, -2, 2))
    let s = 0
    for (let i = 0; i < 3; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s
  },
  styblinski_tang4: (t) => {
    let s = 0
    for (let i = 0; i < 4; i++) {
      const x = t.suggestFloat(`x${i}`, -5, 5)
      s += (x ** 4 - 16 * x ** 2 + 5 * x) / 2
    }
    return s + 4 * 39.16616570377142
  },
  // A binning-like mixed space: integer edges with a step, a log-scale width and a categorical.
  mixed: (t) => {
    const n = t.suggestInt('n', 0, 20, { step: 2 })
    const lr = t.suggestFloat('lr', 1e-4, 1, { log: true })
    const kind = t.suggestCategorical('kind', ['a', 'b', 'c', 'd'])
    const e = Array.from({ length: 3 }, (_, i) => t.suggestInt(`e${i}`, 0, 50))
    return (n - 10) ** 2 / 100 + Math.log10(lr / 1e-2) ** 2 + (kind === 'c' ? 0 : 1) + e.reduce((s, v, i) => s + ((v - 10 * (i + 1)) / 10) ** 2, 0)
  },
  // A conditional space: the good branch has 3 coupled params, the other branch a floor of 1.
  conditional: (t) => {
    if (t.suggestCategorical('kind', ['edges', 'width']) === 'width') return 1 + t.suggestFloat('w', 0.1, 1, { log: true })
    const x = Array.from({ length: 3 }, (_, i) => t.suggestFloat(`x${i}`, -3, 3))
    return (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[0] + x[1] + x[2] - 1) ** 2 / 10
  },
}

const samplers = {
  // Histune's default: Watanabe (2023)'s recommended settings.
  'tpe-default': (seed) => new h.TPESampler({ seed }),
  // Optuna 5's defaults (multivariate, constant liar) and Optuna 4's (univariate).
  'tpe-optuna5': (seed) => new h.TPESampler({ seed, ...h.TPESampler.optunaOptions() }),
  'tpe-default-group': (seed) => new h.TPESampler({ seed, group: true }),
  'tpe-optuna4': (seed) => new h.TPESampler({ seed, ...h.TPESampler.optunaOptions(), multivariate: false, constantLiar: false }),
  random: (seed) => new h.RandomSampler({ seed }),
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const results = { trials: nTrials, seeds: nSeeds, node: process.version, functions: {} }
for (const [fname, objective] of Object.entries(functions)) {
  results.functions[fname] = {}
  for (const [sname, make] of Object.entries(samplers)) {
    const bests = []
    let ms = 0
    for (let seed = 0; seed < nSeeds; seed++) {
      const study = await h.Study.create({ sampler: make(seed) })
      const t0 = performance.now()
      await study.optimize(objective, { nTrials })
      ms += (performance.now() - t0) / nTrials
      bests.push(await study.bestValue())
    }
    const mean = bests.reduce((a, b) => a + b, 0) / bests.length
    results.functions[fname][sname] = { median_best: median(bests), mean_best: mean, bests, ms_per_trial: ms / nSeeds }
    console.log(`${fname.padEnd(18)} ${sname.padEnd(16)} median best ${median(bests).toPrecision(4).padStart(10)}  mean ${mean.toPrecision(4).padStart(10)}  ${(ms / nSeeds).toFixed(2)} ms/trial`)
  }
}
mkdirSync(dirname(outFile), { recursive: true })
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n')
console.log(`wrote ${outFile}`)
