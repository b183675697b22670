#!/usr/bin/env node
// Inference benchmark (crate histune-infer through the addon): hypotest (q̃, with band), discovery,
// upper limits, impact ranking and toys on pyhf's benchmark ladder (uncorrelated_background: signal
// 30, background 100 ± 10, data 120 per bin), the hello-world model and the tutorial workspace.
// pyhf 0.7.6 anchors on a 2-core VM (shared/reference/pyhf-semantics.md §5): hypotest with band
// 8 / 27 / 115 / 243 / 635 ms for 1 / 10 / 50 / 100 / 200 bins.
// Writes JSON to test-results/bench/infer.json (or the path given as the first argument).
//   node test/bench/infer.bench.mjs [out.json]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const native = createRequire(import.meta.url)(join(root, 'native', 'node', 'index.cjs'))

function uncorrelatedBackground(signal, background, uncertainty, observed) {
  return {
    channels: [
      {
        name: 'singlechannel',
        samples: [
          { name: 'signal', data: signal, modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
          { name: 'background', data: background, modifiers: [{ name: 'uncorr_bkguncrt', type: 'shapesys', data: uncertainty }] },
        ],
      },
    ],
    observations: [{ name: 'singlechannel', data: observed }],
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [] } }],
    version: '1.0.0',
  }
}

const ladder = (bins) => uncorrelatedBackground(Array(bins).fill(30), Array(bins).fill(100), Array(bins).fill(10), Array(bins).fill(120))
const models = [
  ['hello_world', JSON.stringify(uncorrelatedBackground([12, 11], [50, 52], [3, 7], [51, 48]))],
  ['tutorial', readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')],
  ...[1, 10, 50, 100, 200].map((bins) => [`uncorrelated_background_${bins}`, JSON.stringify(ladder(bins))]),
]

/** Median wall time (ms) of `rounds` awaited calls, and the last result. */
async function time(f, rounds) {
  const samples = []
  let last
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    last = await f()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  samples.sort((a, b) => a - b)
  return [samples[Math.floor(samples.length / 2)], last]
}

const results = []
for (const [name, text] of models) {
  const nBins = JSON.parse(text).channels.reduce((n, c) => n + c.samples[0].data.length, 0)
  const small = nBins <= 50
  const [hypotestMs, h] = await time(() => native.inferHypotest(text, 1, {}), small ? 7 : 3)
  const [discoveryMs] = await time(() => native.inferDiscovery(text, {}), small ? 5 : 3)
  const [limitMs, l] = await time(() => native.inferUpperLimit(text, {}), small ? 3 : 1)
  const [rankMs] = nBins <= 100 ? await time(() => native.inferRanking(text, {}), 1) : [null]
  const [toysMs, t] = nBins <= 50 ? await time(() => native.inferToys(text, 1, { nToys: 200, seed: 1 }), 1) : [null, null]
  const row = {
    model: name,
    nBins,
    hypotestMs,
    cls: h.cls,
    converged: h.diagnostics.converged,
    discoveryMs,
    limitMs,
    limitCLsEvaluations: l.evaluations.reduce((a, b) => a + b, 0),
    rankMs,
    toys200Ms: toysMs,
    toysFits: t?.diagnostics.fits ?? null,
  }
  results.push(row)
  const f = (x) => (x === null ? '    –' : x.toFixed(1).padStart(8))
  console.log(
    `${name.padEnd(26)} bins ${String(nBins).padStart(3)}  hypotest ${f(hypotestMs)} ms  discovery ${f(discoveryMs)} ms  ` +
      `limit ${f(limitMs)} ms  rank ${f(rankMs)} ms  200 toys ${f(toysMs)} ms`,
  )
}

const out = process.argv[2] ?? join(root, 'test-results', 'bench', 'infer.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify({ benchmark: 'infer', date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, results }, null, 2))
console.log(`wrote ${out}`)
