#!/usr/bin/env node
// The tutorial study (200 TPE trials, tutorial model, maximise Z0), Histune against Optuna + pyhf
// in the same run: `histune optimize` as a whole process (cold start) and its in-process time
// (elapsed_s: config, model, baselines and the 200 trials), against the seed tutorial's Optuna
// loop calling pyhf (test/bench/tutorial_study.py). Writes test/bench/results/tutorial_study.json.
//   node test/bench/tutorial_study.mjs [repeats]
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const repeats = Number(process.argv[2] ?? 5)
const config = join(root, 'resources/examples/tutorial/study.yaml')
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], n: s.length }
}

const loadBefore = loadavg()[0]
const wall = []
const inProcess = []
let histuneBest
for (let i = 0; i < repeats; i++) {
  const t0 = performance.now()
  const out = execFileSync(process.execPath, [join(root, 'bin/histune.js'), 'optimize', config, '--trials', '200', '--json'], { encoding: 'utf8' })
  wall.push((performance.now() - t0) / 1000)
  const summary = JSON.parse(out)
  inProcess.push(summary.elapsed_s)
  histuneBest = { value: summary.best_value, params: summary.best_params }
}

const reference = []
let referenceBest
for (let i = 0; i < Math.min(repeats, 2); i++) {
  const out = execFileSync(join(root, '.venv/bin/python'), [join(root, 'test/bench/tutorial_study.py'), '200'], { encoding: 'utf8' })
  const r = JSON.parse(out.trim().split('\n').pop())
  reference.push(r.elapsed_s)
  referenceBest = { value: r.best_value, params: r.best_params, tool: r.tool }
}

const result = {
  benchmark: 'tutorial study, 200 trials, TPE seed 42, maximise Z0 (integrated yields)',
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_1min_before: loadBefore, loadavg_1min_after: loadavg()[0] },
  histune: { whole_process_s: stats(wall), in_process_s: stats(inProcess), best: histuneBest },
  reference: { tool: referenceBest.tool, in_process_s: stats(reference), best: referenceBest },
  ratios: {
    reference_over_histune_in_process: stats(reference).median / stats(inProcess).median,
    reference_over_histune_whole_process: stats(reference).median / stats(wall).median,
  },
  targets: { in_process_s: 0.3, whole_process_s: 2 },
}
mkdirSync(join(root, 'test/bench/results'), { recursive: true })
writeFileSync(join(root, 'test/bench/results/tutorial_study.json'), JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify(result, null, 2))
