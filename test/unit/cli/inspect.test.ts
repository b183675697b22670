import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { WorkspaceSummary } from '../../../preload/api'

const root = join(__dirname, '../../..')
const fixtures = join(root, '../shared/fixtures/pyhf-validation')
const dir = mkdtempSync(join(tmpdir(), 'histune-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The real `histune` command, as a user runs it (the built CLI bundle). */
function histune(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function write(name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

interface ValidationCase {
  workspace: unknown
  par_order: string[]
  par_names: string[]
  suggested_init: number[]
  suggested_bounds: [number, number][]
  suggested_fixed: boolean[]
}
const cases = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as Record<string, ValidationCase>

describe('histune inspect on the pyhf validation fixtures', () => {
  it.each(Object.keys(cases))('%s: parameter names, order and counts as pyhf', (name) => {
    const c = cases[name]!
    const r = histune('inspect', write(`${name}.json`, JSON.stringify(c.workspace)), '--json')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const summary = JSON.parse(r.stdout) as WorkspaceSummary
    expect(summary.parameters.map((p) => p.name)).toEqual(c.par_order)
    expect(summary.parameters.flatMap((p) => p.componentNames)).toEqual(c.par_names)
    expect(summary.nParameters).toBe(c.par_names.length)
    expect(summary.parameters.flatMap((p) => p.inits)).toEqual(c.suggested_init)
    expect(summary.parameters.flatMap((p) => p.bounds)).toEqual(c.suggested_bounds)
    expect(summary.parameters.flatMap((p) => p.componentNames.map(() => p.fixed))).toEqual(c.suggested_fixed)
  })

  it('prints a readable table for the bundled tutorial', () => {
    const r = histune('inspect', join(root, 'resources/examples/tutorial/workspace.json'))
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/POI mu; 1 channel\(s\), 20 bins, 2 parameters/)
    expect(r.stdout).toMatch(/SR\s+20\s+96\.49/)
    expect(r.stdout).toMatch(/bkg_norm\s+normsys\s+1\s+0\s+\[-5, 5\]\s+no\s+normal/)
  })

  it('JSON output has channels, samples, parameters and the POI', () => {
    const summary = JSON.parse(histune('inspect', join(root, 'resources/examples/tutorial/workspace.json'), '--json').stdout) as WorkspaceSummary
    expect(summary.poi).toBe('mu')
    expect(summary.channels[0]).toMatchObject({ name: 'SR', nBins: 20 })
    expect(summary.samples.map((s) => s.name)).toEqual(['signal', 'background'])
    expect(summary.samples[0]!.total).toBeCloseTo(10.0265131, 6)
    expect(summary.parameters.map((p) => p.name)).toEqual(['mu', 'bkg_norm'])
  })
})

describe('histune inspect on bad input: a clear error and exit code 2', () => {
  const valid = JSON.parse(readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')) as {
    channels: { samples: { data: unknown[]; modifiers: { type: string }[] }[] }[]
    observations: { data: unknown[] }[]
  }
  const variant = (edit: (w: typeof valid) => void): string => {
    const w = structuredClone(valid)
    edit(w)
    return JSON.stringify(w, null, 1)
  }
  const expectBad = (file: string, code: string, pattern: RegExp): void => {
    const r = histune('inspect', file)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(code)
    expect(r.stderr).toMatch(pattern)
  }

  it('not JSON: names the file and line', () => expectBad(write('notjson.json', '{\n "channels": [\n  oops\n'), 'E_JSON_SYNTAX', /notjson\.json:3/))
  it('an empty file', () => expectBad(write('empty.json', ''), 'E_EMPTY', /empty/))
  it('a schema violation names the JSON path', () =>
    expectBad(write('schema.json', variant((w) => (w.channels[0]!.samples[0]!.data[3] = 'many'))), 'E_SCHEMA', /channels\[0\]\.samples\[0\]\.data\[3\]/))
  it('mismatched bin counts between a sample and its observation', () =>
    expectBad(write('bins.json', variant((w) => w.observations[0]!.data.pop())), 'E_WORKSPACE', /bins?/i))
  it('an unknown modifier type', () =>
    expectBad(write('modifier.json', variant((w) => (w.channels[0]!.samples[1]!.modifiers[0]!.type = 'normsyst'))), 'E_SCHEMA', /channels\[0\]\.samples\[1\]\.modifiers\[0\]/))
  it('a 200 MB file is refused before it is read', () => {
    const file = join(dir, 'huge.json')
    const fd = openSync(file, 'w')
    ftruncateSync(fd, 200 * 1024 * 1024)
    closeSync(fd)
    expectBad(file, 'E_TOO_LARGE', /200\.0 MB/)
  })
  it('a missing file', () => expectBad(join(dir, 'nope.json'), 'E_IO', /nope\.json/))
})
