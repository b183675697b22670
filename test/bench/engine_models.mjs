#!/usr/bin/env node
// Engine timings through Node (the napi binding, as the app calls it): NLL + gradient at the
// suggested init and one full fit (fitSync, no uncertainties), one JSON line per workspace file.
//   node test/bench/engine_models.mjs a.json [b.json …]
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const native = createRequire(import.meta.url)(join(root, 'native', 'node', 'index.cjs'))

/** Median seconds per call: the loop count doubles until a round takes minRound seconds, then 5 rounds. */
function medianPerCall(f, minRound) {
  f()
  let inner = 1
  for (;;) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) f()
    if (Number(process.hrtime.bigint() - t) / 1e9 >= minRound || inner >= 1 << 22) break
    inner *= 2
  }
  const rounds = []
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < inner; i++) f()
    rounds.push(Number(process.hrtime.bigint() - t) / 1e9 / inner)
  }
  return rounds.sort((a, b) => a - b)[2]
}

for (const file of process.argv.slice(2)) {
  const model = native.Model.compile(readFileSync(file, 'utf8'), null)
  const init = Float64Array.from(model.suggestedInit)
  const nllGrad = medianPerCall(() => model.nllAndGrad(init, null), 0.02)
  const nll = medianPerCall(() => model.nll(init, null), 0.02)
  const result = model.fitSync(null)
  const fit = medianPerCall(() => model.fitSync(null), 0.05)
  const line = { file, nPars: model.nPars, nllUs: nll * 1e6, nllGradUs: nllGrad * 1e6, fitMs: fit * 1e3, twiceNll: result.twiceNll, converged: result.converged }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
