#!/usr/bin/env node
// Engine benchmark: compile, nll, grad, batch nll and fits on pyhf's benchmark ladder
// (uncorrelated_background: signal 30, background 100 ± 10, data 120 per bin) and the hello-world model.
// Writes JSON to test-results/bench/engine.json (or the path given as the first argument).
//   node test/bench/engine.bench.mjs [out.json]
import { mkdirSync, writeFileSync } from 'node:fs'
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

/**
 * An analysis-like model: `channels` channels of `bins` bins, a signal and four backgrounds, 30
 * normsys and 10 histosys shared across samples and channels, staterror per channel, lumi.
 * Deterministic (a fixed linear congruential generator).
 */
function analysis(channels, bins) {
  let state = 42
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648)
  const out = { channels: [], observations: [], measurements: [], version: '1.0.0' }
  for (let c = 0; c < channels; c++) {
    const samples = []
    const total = Array(bins).fill(0)
    for (const [s, name] of ['signal', 'ttbar', 'wjets', 'zjets', 'fakes'].entries()) {
      const data = Array.from({ length: bins }, (_, b) => (s === 0 ? 5 : 50 / s) * (1 + random()) * Math.exp(-b / bins))
      data.forEach((v, b) => (total[b] += v))
      const modifiers = [{ name: 'lumi', type: 'lumi', data: null }]
      if (s === 0) modifiers.push({ name: 'mu', type: 'normfactor', data: null })
      for (let k = 0; k < 30; k++) {
        if (random() < 0.5) modifiers.push({ name: `norm_${k}`, type: 'normsys', data: { lo: 0.9 + 0.05 * random(), hi: 1.05 + 0.05 * random() } })
      }
      for (let k = 0; k < 10; k++) {
        if (random() < 0.4) {
          modifiers.push({
            name: `shape_${k}`,
            type: 'histosys',
            data: { lo_data: data.map((v) => v * (0.9 + 0.05 * random())), hi_data: data.map((v) => v * (1.05 + 0.05 * random())) },
          })
        }
      }
      if (s > 0) modifiers.push({ name: `stat_ch${c}`, type: 'staterror', data: data.map((v) => 0.05 * v) })
      samples.push({ name, data, modifiers })
    }
    out.channels.push({ name: `ch${c}`, samples })
    out.observations.push({ name: `ch${c}`, data: total.map((v) => Math.round(v)) })
  }
  out.measurements.push({
    name: 'meas',
    config: { poi: 'mu', parameters: [{ name: 'lumi', auxdata: [1], inits: [1], sigmas: [0.017], bounds: [[0.915, 1.085]] }] },
  })
  return out
}

const models = [
  ['hello_world', uncorrelatedBackground([12, 11], [50, 52], [3, 7], [51, 48])],
  ...[1, 10, 50, 100, 200, 500].map((bins) => [`uncorrelated_background_${bins}`, ladder(bins)]),
  ['analysis_4ch_20bins', analysis(4, 20)],
  ['analysis_10ch_50bins', analysis(10, 50)],
]

/** Median time per call in microseconds, over `rounds` rounds of `inner` calls. */
function time(f, { inner = 1, rounds = 15, minMs = 20 } = {}) {
  // grow the inner loop until a round takes minMs
  for (;;) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) f()
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (ms >= minMs || inner > 1e7) break
    inner *= 2
  }
  const samples = []
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) f()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3 / inner)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]
}

const out = process.argv[2] ?? join(root, 'test-results', 'bench', 'engine.json')
// The workspaces, so that engine_vs_pyhf.py times pyhf on exactly the same models.
const modelsDir = join(dirname(out), 'models')
mkdirSync(modelsDir, { recursive: true })

const results = []
for (const [name, spec] of models) {
  const text = JSON.stringify(spec)
  writeFileSync(join(modelsDir, `${name}.json`), text)
  const compileUs = time(() => native.Model.compile(text), { rounds: 5 })
  const model = native.Model.compile(text)
  const init = new Float64Array(model.suggestedInit)
  const nllUs = time(() => model.nll(init))
  const gradUs = time(() => model.grad(init))
  const k = 256
  const batch = new Float64Array(k * model.nPars)
  for (let i = 0; i < k; i++) batch.set(init.map((x, j) => (j === model.poiIndex ? (i / k) * 2 : x)), i * model.nPars)
  const batchUs = time(() => model.nllBatch(batch), { rounds: 5 }) / k
  let fit
  const fitUs = time(() => (fit = model.fitSync()), { rounds: 5, minMs: 50 })
  const row = {
    model: name,
    nPars: model.nPars,
    nBins: model.nMain,
    compileUs,
    nllUs,
    gradUs,
    nllBatchPerPointUs: batchUs,
    fitMs: fitUs / 1e3,
    fitFunctionCalls: fit.functionCalls,
    fitIterations: fit.iterations,
    fitConverged: fit.converged,
    twiceNll: fit.twiceNll,
  }
  results.push(row)
  console.log(
    `${name.padEnd(28)} pars ${String(row.nPars).padStart(4)}  compile ${compileUs.toFixed(1).padStart(8)} µs  nll ${nllUs.toFixed(2).padStart(7)} µs  ` +
      `grad ${gradUs.toFixed(2).padStart(7)} µs  batch ${batchUs.toFixed(2).padStart(7)} µs/pt  fit ${row.fitMs.toFixed(3).padStart(8)} ms (${fit.functionCalls} calls)`,
  )
}

writeFileSync(
  out,
  JSON.stringify(
    { benchmark: 'engine', date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, engine: native.engineVersion(), results },
    null,
    2,
  ),
)
console.log(`wrote ${out}`)
