#!/usr/bin/env node
// Inference timings through Node (the napi binding, as the app calls it), one JSON line per
// workspace file: Z0 from two fits (inferTestStatistic q0 at μ = 0) and q̃ CLs at μ = 1 with the
// expected band (inferHypotest), each given the workspace text (compiled per call) and a compiled
// Model handle (shared); with --ranking, the impact ranking on the handle.
//   node test/bench/infer_models.mjs [--ranking] [--min-seconds S] a.json [b.json …]
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const native = createRequire(import.meta.url)(join(root, 'native', 'node', 'index.cjs'))

const args = process.argv.slice(2)
const ranking = args.includes('--ranking')
const at = args.indexOf('--min-seconds')
const minSeconds = at >= 0 ? Number(args[at + 1]) : 0.5
const files = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1))

/** Median and minimum seconds per awaited call over 5 rounds of at least minSeconds / 5 each. */
async function perCall(f) {
  await f()
  const round = minSeconds / 5
  let inner = 1
  for (;;) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) await f()
    if (Number(process.hrtime.bigint() - t) / 1e9 >= round || inner >= 1 << 20) break
    inner *= 2
  }
  const rounds = []
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) await f()
    rounds.push(Number(process.hrtime.bigint() - t) / 1e9 / inner)
  }
  rounds.sort((a, b) => a - b)
  return { median: rounds[2], min: rounds[0] }
}

for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const model = native.Model.compile(text, null)
  const q0 = { testStat: 'q0' }
  const z0Text = await perCall(() => native.inferTestStatistic(text, 0, q0))
  const z0Model = await perCall(() => native.inferTestStatistic(model, 0, q0))
  // The blocking variant is for tiny models only (it holds the JS thread for the whole fit).
  const z0ModelSync = model.nPars <= 50 ? await perCall(() => native.inferTestStatisticSync(model, 0, q0)) : null
  const hypotestText = await perCall(() => native.inferHypotest(text, 1, {}))
  const hypotestModel = await perCall(() => native.inferHypotest(model, 1, {}))
  const z0 = Math.sqrt((await native.inferTestStatistic(model, 0, q0)).value)
  const h = await native.inferHypotest(model, 1, {})
  const line = {
    file,
    nPars: model.nPars,
    z0,
    cls: h.cls,
    clsExpected: h.clsExpected,
    z0TextUs: z0Text.median * 1e6,
    z0ModelUs: z0Model.median * 1e6,
    z0ModelMinUs: z0Model.min * 1e6,
    z0ModelSyncUs: z0ModelSync ? z0ModelSync.median * 1e6 : null,
    hypotestTextUs: hypotestText.median * 1e6,
    hypotestModelUs: hypotestModel.median * 1e6,
    hypotestModelMinUs: hypotestModel.min * 1e6,
  }
  if (ranking) {
    const t = process.hrtime.bigint()
    const r = await native.inferRanking(model, {})
    line.rankingS = Number(process.hrtime.bigint() - t) / 1e9
    line.rankedParameters = r.nRanked
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
