#!/usr/bin/env node
// TPE sampler overhead side by side with Optuna 5 in one run: ms per ask + tell of the sphere with
// in-memory storage, averaged over trials n−50…n (n = 100, 300, 1000), d = 2, 5, 10, multivariate
// (the default for one objective) and univariate — the measure of shared/reference/optuna-internals.md
// §1.8. Wall time (the window's mean) is the figure; the window's median wall time (less moved by a
// trial that waited for the CPU), CPU time and the load while each config ran are recorded too, as
// this machine is shared.
//   node test/bench/study_tpe_overhead.mjs [--trials 1000] [--dims 2,5,10]
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const nTrials = Number(arg('trials', 1000))
const dims = arg('dims', '2,5,10').split(',').map(Number)
const at = [100, 300, 1000].filter((n) => n <= nTrials)

const outDir = join(root, 'out', 'bench-study')
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--lib', 'es2023', '--skipLibCheck', '--types', 'node', '--esModuleInterop', join(root, 'main', 'study', 'index.ts')], { stdio: 'inherit' })
const h = await import(pathToFileURL(join(outDir, 'main', 'study', 'index.js')).href)

async function measure(d, multivariate) {
  const study = await h.Study.create({ sampler: new h.TPESampler({ seed: 0, multivariate }) })
  const wall = []
  const cpu = []
  for (let n = 0; n < nTrials; n++) {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const t = await study.ask()
    let s = 0
    for (let i = 0; i < d; i++) s += t.suggestFloat(`x${i}`, -5, 5) ** 2
    await study.tell(t, s)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
    wall.push(performance.now() - t0)
  }
  const window = (xs, n) => xs.slice(n - 50, n).reduce((a, b) => a + b) / 50
  const median = (xs, n) => {
    const w = xs.slice(n - 50, n).sort((a, b) => a - b)
    return (w[24] + w[25]) / 2
  }
  return Object.fromEntries(at.map((n) => [`n${n}`, { wall: window(wall, n), wall_median: median(wall, n), cpu: window(cpu, n) }]))
}

const histune = {}
const loadBefore = loadavg()[0]
const loadAfterEach = {}
for (const [mode, multivariate] of [['multivariate', true], ['univariate', false]]) {
  for (const d of dims) {
    histune[`${mode}_d${d}`] = await measure(d, multivariate)
    loadAfterEach[`${mode}_d${d}`] = loadavg()[0]
    const r = histune[`${mode}_d${d}`]
    console.log(`histune ${mode} d=${d}: ` + at.map((n) => `n=${n} ${r[`n${n}`].wall.toFixed(2)} ms`).join(', '))
  }
}
const optunaOut = execFileSync(join(root, '.venv', 'bin', 'python'),
  [join(root, 'test', 'bench', 'study_tpe_overhead_optuna.py'), '--dims', dims.join(','), '--trials', String(nTrials), '--at', at.join(',')],
  { encoding: 'utf8', maxBuffer: 1 << 24 })
const optuna = JSON.parse(optunaOut.trim().split('\n').pop())
const ratios = {}
for (const [key, row] of Object.entries(histune)) {
  ratios[key] = Object.fromEntries(at.map((n) => [`n${n}`, optuna.ms_per_trial[key][`n${n}`].wall / row[`n${n}`].wall]))
  console.log(`optuna  ${key}: ` + at.map((n) => `n=${n} ${optuna.ms_per_trial[key][`n${n}`].wall.toFixed(2)} ms (${ratios[key][`n${n}`].toFixed(1)}×)`).join(', '))
}
const worst = Math.max(...Object.values(histune).map((r) => r[`n${at.at(-1)}`].wall))
const results = {
  benchmark: 'TPE ask+tell overhead, sphere, in-memory storage, ms per trial averaged over trials n−50…n',
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    node: process.version,
    loadavg_1min_before: loadBefore,
    loadavg_1min_after_each_histune_config: loadAfterEach,
    loadavg_1min_after: loadavg()[0],
  },
  histune: { sampler: 'TPESampler({ seed: 0, multivariate })', ms_per_trial: histune },
  optuna: { version: optuna.optuna, sampler: 'TPESampler(seed=0, multivariate=...)', ms_per_trial: optuna.ms_per_trial },
  ratios_optuna_over_histune_wall: ratios,
  target: { ms_per_trial_at_n1000: 1, met: worst <= 1, worst_histune_ms_at_largest_n: worst },
}
const out = join(root, 'test', 'bench', 'results', 'study_tpe_overhead.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
console.log(`wrote ${out}`)
