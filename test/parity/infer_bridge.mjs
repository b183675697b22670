#!/usr/bin/env node
// JSON-lines bridge to the inference functions of the native addon for the Python parity tests:
// one request per stdin line, {fn, args}, answered in order with {ok, result} or {ok: false, error}.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const native = require(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'node', 'index.cjs'))

const FUNCTIONS = new Set(['inferHypotest', 'inferDiscovery', 'inferTestStatistic', 'inferUpperLimit', 'inferProfileScan', 'inferRanking', 'inferToys'])

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    const { fn, args } = JSON.parse(line)
    if (!FUNCTIONS.has(fn)) throw new Error(`unknown function ${fn}`)
    answer = { ok: true, result: await native[fn](...args) }
  } catch (err) {
    const e = native.translateError(err)
    answer = { ok: false, error: { code: e.code ?? 'E_INTERNAL', message: e.message } }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
