#!/usr/bin/env node
// Sampler overhead: ms per ask + tell of the default TPESampler on the sphere (in-memory storage),
// averaged over trials n−50…n, for d = 2 and 10 — the measure used for Optuna in
// shared/reference/optuna-internals.md §1.8.  node test/bench/study_tpe_overhead.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const outDir = join(root, 'out', 'bench-study')
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--lib', 'es2023', '--skipLibCheck', '--types', 'node', '--esModuleInterop', join(root, 'main', 'study', 'index.ts')], { stdio: 'inherit' })
const h = await import(pathToFileURL(join(outDir, 'main', 'study', 'index.js')).href)

const results = { node: process.version, ms_per_trial: {} }
for (const d of [2, 10]) {
  const study = await h.Study.create({ sampler: new h.TPESampler({ seed: 0 }) })
  const times = []
  for (let n = 0; n < 1000; n++) {
    const t0 = performance.now()
    const t = await study.ask()
    let s = 0
    for (let i = 0; i < d; i++) s += t.suggestFloat(`x${i}`, -5, 5) ** 2
    await study.tell(t, s)
    times.push(performance.now() - t0)
  }
  const avg = (n) => times.slice(n - 50, n).reduce((x, y) => x + y) / 50
  results.ms_per_trial[`d${d}`] = { n100: avg(100), n300: avg(300), n1000: avg(1000) }
  console.log(`d=${d}: n=100 ${avg(100).toFixed(2)} ms, n=300 ${avg(300).toFixed(2)} ms, n=1000 ${avg(1000).toFixed(2)} ms`)
}
const out = join(root, 'test', 'bench', 'results', 'study_tpe_overhead.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
