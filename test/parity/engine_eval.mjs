#!/usr/bin/env node
// JSON-lines bridge to the native engine for the Python parity tests: one request per stdin line,
// one answer per stdout line. Requests: {op: 'compile', text, options} -> {model, parNames, ...};
// {op: 'nll'|'grad'|'expected'|'fit', model, pars?, data?, options?}; {op: 'summary', text};
// {op: 'applyPatch', text, patch}; {op: 'applyPatchset', text, patchset, name}; {op: 'digest', text};
// {op: 'evalMany', items: [{text, options, points, gradPoints, h}]} (see evaluate).
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

/**
 * One workspace of a batch: layout, NLL at each point, the gradient at each point and its central
 * differences (step h·max(1, |x_i|)) from the engine's own NLL. The model is not kept.
 */
function evaluate(item) {
  let model
  try {
    model = native.Model.compile(item.text, item.options ?? null)
  } catch (err) {
    return { error: errorOf(err) }
  }
  const h = item.h ?? 1e-6
  const numeric = (x) =>
    x.map((xi, i) => {
      const step = h * Math.max(1, Math.abs(xi))
      const up = x.slice()
      const down = x.slice()
      up[i] += step
      down[i] -= step
      return (model.nll(up, null) - model.nll(down, null)) / (2 * step)
    })
  return {
    parNames: model.parNames,
    suggestedInit: model.suggestedInit,
    suggestedBounds: model.suggestedBounds,
    suggestedFixed: model.suggestedFixed,
    observedData: model.observedData(),
    nll: item.points.map((x) => model.nll(x, null)),
    grad: (item.gradPoints ?? []).map((x) => Array.from(model.grad(x, null))),
    numericGrad: (item.gradPoints ?? []).map(numeric),
  }
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
    case 'applyPatch':
      return native.applyPatch(request.text, request.patch)
    case 'applyPatchset':
      return native.applyPatchset(request.text, request.patchset, request.name)
    case 'digest':
      return native.workspaceDigest(request.text, request.algorithm ?? null)
    case 'evalMany':
      return request.items.map(evaluate)
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
