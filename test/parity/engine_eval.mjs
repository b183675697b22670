#!/usr/bin/env node
// JSON-lines bridge to the native engine for the Python parity tests: one request per stdin line,
// one answer per stdout line. Requests: {op: 'compile', text, options} -> {model, parNames, ...};
// {op: 'nll'|'grad'|'expected'|'fit', model, pars?, data?, options?}; {op: 'summary', text}.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const native = require(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'node', 'index.cjs'))

const models = []

function errorOf(err) {
  const e = native.translateError(err)
  return { code: e.code ?? 'E_INTERNAL', message: e.message, path: e.path ?? null, line: e.line ?? null }
}

function handle(request) {
  switch (request.op) {
    case 'compile': {
      const model = native.Model.compile(request.text, request.options ?? null)
      models.push(model)
      return {
        model: models.length - 1,
        parNames: model.parNames,
        poiIndex: model.poiIndex,
        suggestedInit: model.suggestedInit,
        suggestedBounds: model.suggestedBounds,
        suggestedFixed: model.suggestedFixed,
        observedData: model.observedData(),
        nMain: model.nMain,
      }
    }
    case 'summary':
      return native.summarizeWorkspace(request.text, null)
    case 'nll':
      return models[request.model].nll(request.pars, request.data ?? null)
    case 'grad':
      return Array.from(models[request.model].grad(request.pars, request.data ?? null))
    case 'expected':
      return models[request.model].expectedData(request.pars)
    case 'bySample':
      return models[request.model].expectedBySample(request.pars)
    case 'fit':
      return models[request.model].fitSync(request.options ?? null)
    default:
      throw new Error(`unknown op ${request.op}`)
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    answer = { ok: true, result: handle(JSON.parse(line)) }
  } catch (err) {
    answer = { ok: false, error: errorOf(err) }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
