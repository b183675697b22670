#!/usr/bin/env node
// Storage overhead of a study: ms per trial (ask, 3 suggestions, 3 reports, tell) with random
// sampling, for process memory, SQLite (needs the built addon) and PostgreSQL (HISTUNE_BENCH_POSTGRES_URL).
//   node test/bench/study_storage.mjs [--trials 300]   → test/bench/results/study_storage.json
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const i = process.argv.indexOf('--trials')
const nTrials = i < 0 ? 300 : Number(process.argv[i + 1])
const outDir = join(root, 'out', 'bench-study')
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--outDir', outDir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--lib', 'es2023', '--skipLibCheck', '--types', 'node', '--esModuleInterop', join(root, 'main', 'study', 'index.ts')], { stdio: 'inherit' })
const h = await import(pathToFileURL(join(outDir, 'main', 'study', 'index.js')).href)

const urls = { memory: ':memory:', sqlite: `sqlite:///${join(mkdtempSync(join(tmpdir(), 'histune-bench-')), 'bench.db')}` }
if (process.env.HISTUNE_BENCH_POSTGRES_URL) urls.postgres = process.env.HISTUNE_BENCH_POSTGRES_URL

const results = { trials: nTrials, node: process.version, storages: {} }
for (const [name, url] of Object.entries(urls)) {
  let storage
  try {
    storage = await h.getStorage(url)
  } catch (e) {
    console.log(`${name.padEnd(8)} skipped: ${e.message}`)
    continue
  }
  const study = await h.Study.create({ storage, studyName: `bench-${Date.now()}`, sampler: new h.RandomSampler({ seed: 0 }), pruner: new h.NopPruner() })
  const t0 = performance.now()
  for (let n = 0; n < nTrials; n++) {
    const t = await study.ask()
    const x = t.suggestFloat('x', -1, 1) + t.suggestInt('n', 1, 64, { log: true }) + Number(t.suggestCategorical('k', ['a', 'b']) === 'a')
    for (let s = 0; s < 3; s++) t.report(x / (s + 1), s)
    await study.tell(t, x)
  }
  const ms = (performance.now() - t0) / nTrials
  results.storages[name] = { ms_per_trial: ms }
  console.log(`${name.padEnd(8)} ${ms.toFixed(2)} ms/trial over ${nTrials} trials`)
  await storage.close()
}
const out = join(root, 'test', 'bench', 'results', 'study_storage.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
