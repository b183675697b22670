#!/usr/bin/env node
// JSON-lines bridge to the inference functions of the native addon for the Python parity tests:
// one request per stdin line, {fn, args}, answered in order with {ok, result} or {ok: false, error}.
// {fn: 'batch', args: [[{fn, args}, …]]} runs the calls concurrently (libuv pool) and answers
// {ok: true, result: [{ok, result} | {ok: false, error}, …]} in the calls' order.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const native = require(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'node', 'index.cjs'))

const FUNCTIONS = new Set(['inferHypotest', 'inferDiscovery', 'inferTestStatistic', 'inferUpperLimit', 'inferProfileScan', 'inferRanking', 'inferToys'])

function failure(err) {
  const e = native.translateError(err)
  return { ok: false, error: { code: e.code ?? 'E_INTERNAL', message: e.message } }
}

async function answer(fn, args) {
  if (!FUNCTIONS.has(fn)) throw new Error(`unknown function ${fn}`)
  return native[fn](...args)
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let reply
  try {
    const { fn, args } = JSON.parse(line)
    if (fn === 'batch') {
      const settled = await Promise.allSettled(args[0].map((c) => answer(c.fn, c.args)))
      reply = { ok: true, result: settled.map((s) => (s.status === 'fulfilled' ? { ok: true, result: s.value } : failure(s.reason))) }
    } else {
      reply = { ok: true, result: await answer(fn, args) }
    }
  } catch (err) {
    reply = failure(err)
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`)
}
