import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import { EngineError, engineVersion, summarizeWorkspace, toEngineError } from '../../../main/engine'

const cases = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../shared/fixtures/pyhf-validation/cases.json'), 'utf8'),
) as Record<string, { workspace: unknown; par_order: string[]; par_names: string[]; suggested_init: number[]; auxdata: number[] }>

const thrown = (f: () => unknown): EngineError => {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError)
    return error as EngineError
  }
  throw new Error('expected the call to throw')
}

describe('engine facade', () => {
  it('reports the engine version', () => {
    expect(engineVersion()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('summarises every pyhf validation case with pyhf parameter order', () => {
    for (const [name, c] of Object.entries(cases)) {
      const s = summarizeWorkspace(JSON.stringify(c.workspace), `${name}.json`)
      expect(s.file).toBe(`${name}.json`)
      expect(s.parameters.map((p) => p.name), name).toEqual(c.par_order)
      expect(s.parameters.flatMap((p) => p.componentNames), name).toEqual(c.par_names)
      expect(s.parameters.flatMap((p) => p.inits), name).toEqual(c.suggested_init)
      const aux = s.parameters.flatMap((p) => p.auxdata)
      expect(aux.length).toBe(c.auxdata.length)
      aux.forEach((a, i) => expect(a).toBeCloseTo(c.auxdata[i]!, 10))
      expect(s.nParameters).toBe(c.par_names.length)
    }
  })

  it('fills the channel, sample and modifier views', () => {
    const s = summarizeWorkspace(JSON.stringify(cases['2bin_2channel_couplednorm']!.workspace))
    expect(s.file).toBeUndefined()
    expect(s.channels.map((c) => c.name)).toEqual(['signal', 'control'])
    expect(s.channels[0]!.nBins).toBe(2)
    expect(s.samples.length).toBe(s.channels.reduce((n, c) => n + c.samples.length, 0))
    const bkg1 = s.samples.find((x) => x.name === 'bkg1')!
    expect(bkg1.total).toBeCloseTo(bkg1.yields.reduce((a, b) => a + b, 0), 12)
    const normsys = s.modifiers.find((m) => m.type === 'normsys')!
    expect(normsys.names).toEqual(['coupled_normsys'])
    expect(normsys.count).toBeGreaterThan(1)
    expect(s.nBins).toBe(4)
  })

  it('throws EngineError with line and column for JSON syntax errors', () => {
    const e = thrown(() => summarizeWorkspace('{\n  "channels": [1,]\n}'))
    expect(e.code).toBe('E_JSON_SYNTAX')
    expect(e.line).toBe(2)
    expect(e.column).toBeGreaterThan(1)
  })

  it('throws EngineError with the JSON path for schema and workspace errors', () => {
    const ws = structuredClone(cases['1bin_shapesys']!.workspace) as {
      channels: { samples: { data: unknown[]; modifiers: { type: string }[] }[] }[]
      measurements: { config: { poi: string } }[]
    }
    ws.channels[0]!.samples[1]!.modifiers[0]!.type = 'shapesis'
    const schema = thrown(() => summarizeWorkspace(JSON.stringify(ws)))
    expect(schema.code).toBe('E_SCHEMA')
    expect(schema.path).toBe('channels[0].samples[1].modifiers[0].type')

    const ws2 = structuredClone(cases['1bin_shapesys']!.workspace) as typeof ws
    ws2.channels[0]!.samples[1]!.data = [1, 2]
    const bins = thrown(() => summarizeWorkspace(JSON.stringify(ws2)))
    expect(bins.code).toBe('E_WORKSPACE')
    expect(bins.path).toBe('channels[0].samples[1].data')

    const ws3 = structuredClone(cases['1bin_shapesys']!.workspace) as typeof ws
    ws3.measurements[0]!.config.poi = 'theta'
    expect(thrown(() => summarizeWorkspace(JSON.stringify(ws3))).path).toBe('measurements[0].config.poi')
  })

  it('summarises the measurement asked for', () => {
    const ws = structuredClone(cases['1bin_shapesys']!.workspace) as { measurements: { name: string; config: { poi: string; parameters: unknown[] } }[] }
    ws.measurements.push({ name: 'fixed_bkg', config: { poi: 'mu', parameters: [{ name: 'uncorr_bkguncrt', fixed: true }] } })
    const text = JSON.stringify(ws)
    expect(summarizeWorkspace(text).measurement).toBe('meas')
    const s = summarizeWorkspace(text, undefined, 'fixed_bkg')
    expect(s.measurement).toBe('fixed_bkg')
    expect(s.parameters.find((p) => p.name === 'uncorr_bkguncrt')!.fixed).toBe(true)
    expect(s.measurements.map((m) => m.name)).toEqual(['meas', 'fixed_bkg'])
    expect(thrown(() => summarizeWorkspace(text, undefined, 'nope')).code).toBe('E_BAD_REQUEST')
  })

  it('reports empty input as E_EMPTY', () => {
    expect(thrown(() => summarizeWorkspace('   ')).code).toBe('E_EMPTY')
  })

  it('maps foreign errors to E_INTERNAL and keeps engine payloads', () => {
    expect(toEngineError(new Error('boom')).code).toBe('E_INTERNAL')
    const e = toEngineError(new Error('{"code":"E_SCHEMA","message":"bad","path":"version","line":null}'))
    expect(e.code).toBe('E_SCHEMA')
    expect(e.path).toBe('version')
    expect(e.line).toBeUndefined()
  })
})
