#!/usr/bin/env node
// Histogram filling from the tutorial ntuples (signal, background, background_varied; jet_pt,
// lep_charge > 0) at random binnings: the Rust core alone, and through the Node addon when it has
// the ntuple reader. Prints JSON and writes it to test/bench/results/histogram.json.
//   node test/bench/histogram.mjs [--binnings N]
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const file = join(root, '../shared/fixtures/ntuples/prediction.root')
const at = process.argv.indexOf('--binnings')
const binnings = at > 0 ? Number(process.argv[at + 1]) : 20000

const cargo = spawnSync(
  'cargo',
  ['run', '--release', '-q', '--manifest-path', join(root, 'native/Cargo.toml'), '-p', 'histune-ntuple', '--example', 'bench_histogram', '--', '--file', file, '--binnings', String(binnings)],
  { encoding: 'utf8' },
)
if (cargo.status !== 0) {
  process.stderr.write(cargo.stderr)
  process.exit(1)
}
const result = { rust: JSON.parse(cargo.stdout), node: null }

let addon = null
try {
  addon = createRequire(import.meta.url)(join(root, 'native/node/index.cjs'))
} catch {
  addon = null
}
if (addon && typeof addon.loadNtupleSample === 'function') {
  const t0 = performance.now()
  const samples = await Promise.all(
    ['signal', 'background', 'background_varied'].map((tree) =>
      addon.loadNtupleSample({ file, tree, observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0' }),
    ),
  )
  const loadSeconds = (performance.now() - t0) / 1000
  let seed = 1
  const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
  const edgeSets = Array.from({ length: binnings }, () => {
    const n = 2 + Math.floor(uniform() * 19)
    return [...new Set(Array.from({ length: n + 1 }, () => uniform() * 1400))].sort((a, b) => a - b)
  })
  const t1 = performance.now()
  for (const edges of edgeSets) for (const s of samples) s.histogram(edges)
  const fillSeconds = (performance.now() - t1) / 1000
  result.node = { load_seconds: loadSeconds, binnings, fill_seconds: fillSeconds, binnings_per_second: Math.round(binnings / fillSeconds) }
}

const out = join(root, 'test/bench/results')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'histogram.json'), JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify(result, null, 2))
