#!/usr/bin/env node
// The ROOT browser's two requests through the Node addon — list a file's trees and branches, and
// the weighted histogram (50 bins, lep_charge > 0) of jet_pt with its range and mean — against
// uproot + numpy doing the same in one run: the tutorial ntuple and a synthetic 2M-entry tree.
// Prints JSON and writes test/bench/results/root_browser.json.
//   node test/bench/root_browser.mjs [--entries N]
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const at = process.argv.indexOf('--entries')
const entries = at > 0 ? Number(process.argv[at + 1]) : 2_000_000
const addon = createRequire(import.meta.url)(join(root, 'native/node/index.cjs'))
const python = join(root, '.venv/bin/python')
const loadBefore = loadavg()[0]

/** Median seconds per call: repeat until a sample lasts 20 ms, five samples (the rule of timing.py). */
async function medianSeconds(f, maxSeconds = 20) {
  const t0 = performance.now()
  await f()
  const first = (performance.now() - t0) / 1000
  let rounds = 5
  if (first * rounds > maxSeconds) {
    rounds = Math.max(1, Math.floor(maxSeconds / first))
    if (rounds <= 2) return first
  }
  let inner = 1
  for (;;) {
    const s = performance.now()
    for (let i = 0; i < inner; i++) await f()
    if (performance.now() - s >= 20 || inner > 1e6) break
    inner *= 2
  }
  const samples = []
  for (let r = 0; r < rounds; r++) {
    const s = performance.now()
    for (let i = 0; i < inner; i++) await f()
    samples.push((performance.now() - s) / 1000 / inner)
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]
}

async function measure(file, tree, write) {
  const reference = spawnSync(python, [join(root, 'test/bench/root_browser_uproot.py'), file, tree, ...(write ? ['--write', String(write)] : [])], {
    encoding: 'utf8',
    cwd: join(root, 'test/bench'),
    maxBuffer: 1 << 24,
  })
  if (reference.status !== 0) throw new Error(reference.stderr)
  const uproot = JSON.parse(reference.stdout)
  const spec = { file, tree, observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0', bins: 50 }
  const summary = await addon.summarizeNtupleBranch(spec)
  const histune = {
    list_seconds: await medianSeconds(() => addon.listRootFile(file)),
    summary_seconds: await medianSeconds(() => addon.summarizeNtupleBranch(spec)),
    summary_sumw: summary.sumw,
  }
  return {
    file: file.includes(tmpdir()) ? `synthetic ${entries} entries (ZLIB 1)` : file.slice(root.length + 1),
    bytes: statSync(file).size,
    histune,
    uproot,
    speedup_list: uproot.list_seconds / histune.list_seconds,
    speedup_summary: uproot.summary_seconds / histune.summary_seconds,
    sumw_rel_diff: Math.abs(histune.summary_sumw - uproot.summary_sumw) / Math.abs(uproot.summary_sumw),
  }
}

const work = mkdtempSync(join(tmpdir(), 'histune-bench-root-'))
try {
  const result = {
    what: 'ROOT browser requests through the addon vs uproot + numpy (median seconds per call)',
    cases: [
      await measure(join(root, 'resources/examples/ntuples/prediction.root'), 'background'),
      await measure(join(work, 'large.root'), 'events', entries),
    ],
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_1min_before: loadBefore, loadavg_1min_after: loadavg()[0] },
  }
  const out = join(root, 'test/bench/results')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'root_browser.json'), JSON.stringify(result, null, 2) + '\n')
  console.log(JSON.stringify(result, null, 2))
} finally {
  rmSync(work, { recursive: true, force: true })
}
