#!/usr/bin/env node
// Search quality of Histune's TPE against Optuna 5's, side by side in one run: best value after
// 100 and 300 trials over S seeds per function (the same functions and seeds in
// study_tpe_optuna.py, which this runs), with one-sided Mann–Whitney U tests per function and
// budget: p_better = P(Histune's bests are not stochastically smaller) under H0, i.e. small when
// Histune is better; p_worse the reverse. Also Histune's emulation of Optuna 5
// (TPESampler.optunaOptions()), which should not differ from Optuna itself.
//   node test/bench/study_tpe.mjs [--trials 100,300] [--seeds 25] [--optuna-results FILE]
// (--optuna-results reuses a study_tpe_optuna.py output of the same trials and seeds.)
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { mannWhitney } from './mann_whitney.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const budgets = arg('trials', '100,300').split(',').map(Number)
const nSeeds = Number(arg('seeds', 25))
const outFile = resolve(root, arg('out', 'test/bench/results/study_tpe.json'))
const optunaResults = arg('optuna-results', undefined)

const outDir = join(root, 'out', 'bench-study')
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--lib', 'es2023', '--skipLibCheck', '--types', 'node', '--esModuleInterop', join(root, 'main', 'study', 'index.ts')], { stdio: 'inherit' })
const h = await import(pathToFileURL(join(outDir, 'main', 'study', 'index.js')).href)

// The same definitions as study_tpe_optuna.py.
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
  rastrigin6: (t) => {
    const x = Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, -5.12, 5.12))
    return 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0)
  },
  ackley10: (t) => {
    const x = Array.from({ length: 10 }, (_, i) => t.suggestFloat(`x${i}`, -32.768, 32.768))
    const d = x.length
    return -20 * Math.exp(-0.2 * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / d)) - Math.exp(x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / d) + 20 + Math.E
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
  // Histune's default.
  'histune-default': (seed) => new h.TPESampler({ seed }),
  // Histune's emulation of Optuna 5's defaults (multivariate, constant liar).
  'histune-optuna5': (seed) => new h.TPESampler({ seed, ...h.TPESampler.optunaOptions() }),
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length

let optuna
if (optunaResults !== undefined) {
  optuna = JSON.parse(readFileSync(resolve(root, optunaResults), 'utf8'))
} else {
  const raw = join(root, 'test', 'bench', 'results', 'study_tpe_optuna.json')
  execFileSync(join(root, '.venv', 'bin', 'python'), [join(root, 'test', 'bench', 'study_tpe_optuna.py'), '--trials', budgets.join(','),
    '--seeds', String(nSeeds), '--samplers', 'optuna-default', '--out', raw], { stdio: 'inherit' })
  optuna = JSON.parse(readFileSync(raw, 'utf8'))
}
if (optuna.seeds !== nSeeds || budgets.some((b) => optuna.budgets[String(b)] === undefined)) {
  throw new Error(`the Optuna results hold ${optuna.seeds} seeds and budgets ${Object.keys(optuna.budgets)}, not ${nSeeds} seeds and ${budgets}`)
}

const results = { seeds: nSeeds, budgets: {}, node: process.version, optuna: optuna.optuna,
  test: 'one-sided Mann–Whitney U (asymptotic, tie-corrected, as scipy): p_better small = Histune default better than Optuna 5, p_worse small = worse', summary: {} }
for (const budget of budgets) {
  const byFunction = (results.budgets[budget] = {})
  for (const [fname, objective] of Object.entries(functions)) {
    const row = (byFunction[fname] = {})
    for (const [sname, make] of Object.entries(samplers)) {
      const bests = []
      let ms = 0
      for (let seed = 0; seed < nSeeds; seed++) {
        const study = await h.Study.create({ sampler: make(seed) })
        const t0 = performance.now()
        await study.optimize(objective, { nTrials: budget })
        ms += (performance.now() - t0) / budget
        bests.push(await study.bestValue())
      }
      row[sname] = { median_best: median(bests), mean_best: mean(bests), bests, ms_per_trial: ms / nSeeds }
    }
    const theirs = optuna.budgets[String(budget)][fname]['optuna-default']
    row['optuna5'] = theirs
    const vs = mannWhitney(row['histune-default'].bests, theirs.bests)
    const emulation = mannWhitney(row['histune-optuna5'].bests, theirs.bests)
    row.histune_default_vs_optuna5 = {
      p_better: vs.p_less,
      p_worse: vs.p_greater,
      mean_rank_histune: vs.mean_rank_x,
      mean_rank_optuna: vs.mean_rank_y,
      verdict: vs.p_less < 0.05 ? 'better' : vs.p_greater < 0.05 ? 'worse' : 'no significant difference',
    }
    row.histune_optuna5_emulation_vs_optuna5 = { p_better: emulation.p_less, p_worse: emulation.p_greater }
    console.log(`${String(budget).padStart(4)} ${fname.padEnd(17)} median best: histune ${row['histune-default'].median_best.toPrecision(4).padStart(9)}  optuna ${theirs.median_best.toPrecision(4).padStart(9)}  ` +
      `(emulation ${row['histune-optuna5'].median_best.toPrecision(4).padStart(9)})  p_better ${vs.p_less.toFixed(4)}  p_worse ${vs.p_greater.toFixed(4)}  mean rank ${vs.mean_rank_x.toFixed(1)} vs ${vs.mean_rank_y.toFixed(1)}`)
  }
  const rows = Object.values(byFunction)
  results.summary[budget] = {
    better: Object.keys(byFunction).filter((f) => byFunction[f].histune_default_vs_optuna5.verdict === 'better'),
    worse: Object.keys(byFunction).filter((f) => byFunction[f].histune_default_vs_optuna5.verdict === 'worse'),
    mean_rank_histune: mean(rows.map((r) => r.histune_default_vs_optuna5.mean_rank_histune)),
    mean_rank_optuna: mean(rows.map((r) => r.histune_default_vs_optuna5.mean_rank_optuna)),
  }
}
mkdirSync(dirname(outFile), { recursive: true })
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n')
console.log(JSON.stringify(results.summary))
console.log(`wrote ${outFile}`)
