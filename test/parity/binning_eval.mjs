#!/usr/bin/env node
// Evaluates Histune's binning objective for the pyhf parity tests (test_binning_pyhf.py): imports
// the bundle of main/binning/objective.ts that the tests build into out/parity-binning (vite, see
// binning.vite.config.mjs), reads {"config": path, "edges": [{channel: [edges]}, …]} on stdin and
// prints [{values, metrics, feasible, workspace}, …] as JSON.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const bundle = process.env.HISTUNE_BINNING_JS ?? resolve('out/parity-binning/objective.mjs')
const { loadBinningObjective } = await import(pathToFileURL(bundle).href)

const request = JSON.parse(readFileSync(0, 'utf8'))
const objective = await loadBinningObjective(request.config)
const results = []
for (const edges of request.edges) {
  try {
    const e = await objective.evaluateEdges(edges)
    results.push({ ok: true, values: e.values, metrics: e.metrics, feasible: e.feasible, workspace: e.workspace })
  } catch (error) {
    results.push({ ok: false, code: error.code ?? 'E_INTERNAL', message: error.message })
  }
}
process.stdout.write(JSON.stringify(results))
