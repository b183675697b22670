import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import { EngineError, Model } from '../../../main/engine'

interface Case {
  workspace: unknown
  modifier_settings: { normsys: 'code1' | 'code4'; histosys: 'code0' | 'code2' | 'code4p' }
  poi_test: number
  par_names: string[]
  data_full: number[]
  logpdf_at_init: number
  'tight_tol1e-14_validation_settings': { twice_nll_free: number; free_fit_to_data: number[]; fixed_poi_fit_to_data: number[] }
}
const cases = JSON.parse(
  readFileSync(resolve(__dirname, '../../../../shared/fixtures/pyhf-validation/cases.json'), 'utf8'),
) as Record<string, Case>

const compile = (c: Case): Model => Model.compile(JSON.stringify(c.workspace), { interpcodes: c.modifier_settings })

describe('Model', () => {
  it('evaluates logpdf at the suggested init as pyhf does', () => {
    for (const [name, c] of Object.entries(cases)) {
      const m = compile(c)
      expect(m.parNames, name).toEqual(c.par_names)
      expect(m.observedData(), name).toEqual(c.data_full)
      const logpdf = m.logpdf(new Float64Array(m.suggestedInit))
      expect(Math.abs(logpdf - c.logpdf_at_init) / Math.abs(c.logpdf_at_init), name).toBeLessThan(1e-12)
      expect(m.nll(m.suggestedInit)).toBe(-logpdf)
    }
  })

  it('gives a gradient that matches central differences', () => {
    const m = compile(cases['2bin_2channel_coupledhistosys']!)
    const x = [0.3, 1.2]
    const g = m.grad(x)
    for (let i = 0; i < x.length; i++) {
      const h = 1e-6
      const up = [...x]
      const down = [...x]
      up[i]! += h
      down[i]! -= h
      expect(g[i]!).toBeCloseTo((m.nll(up) - m.nll(down)) / (2 * h), 5)
    }
  })

  it('fits asynchronously to the converged pyhf minimum, and conditionally', async () => {
    for (const [name, c] of Object.entries(cases)) {
      const m = compile(c)
      const tight = c['tight_tol1e-14_validation_settings']
      const free = await m.fit()
      expect(free.converged, name).toBe(true)
      expect(Math.abs(free.twiceNll - tight.twice_nll_free) / tight.twice_nll_free, name).toBeLessThan(1e-9)
      expect(Math.abs(free.bestfit[m.poiIndex]! - tight.free_fit_to_data[m.poiIndex]!), name).toBeLessThan(1e-5)
      expect(free.bestfitByName[m.poiName]).toBe(free.bestfit[m.poiIndex])
      const fixed = m.fitSync({ fixPoi: c.poi_test })
      expect(fixed.bestfit[m.poiIndex]).toBe(c.poi_test)
      fixed.bestfit.forEach((v, i) => expect(Math.abs(v - tight.fixed_poi_fit_to_data[i]!), name).toBeLessThan(1e-5))
    }
  })

  it('keeps nll callable while a fit is pending, and scans in a batch', async () => {
    const m = compile(cases['1bin_shapesys']!)
    const pending = m.fit({ uncertainties: true })
    expect(m.nll(m.suggestedInit)).toBeGreaterThan(0)
    const fit = await pending
    expect(fit.uncertainties?.[0]).toBeGreaterThan(0)
    const scan = await m.fitBatch([0, 0.5, 1, 2].map((mu) => ({ fixPoi: mu })))
    expect(scan.map((r) => r.bestfit[0])).toEqual([0, 0.5, 1, 2])
    const minimum = Math.min(...scan.map((r) => r.twiceNll))
    expect(minimum).toBeGreaterThanOrEqual(fit.twiceNll - 1e-9)
    const batch = m.nllBatch(new Float64Array([1, 1, 0.5, 1.1]))
    expect(batch[0]).toBeCloseTo(m.nll([1, 1]), 12)
    expect(batch[1]).toBeCloseTo(m.nll([0.5, 1.1]), 12)
  })

  it('breaks the expected data down by channel and sample', () => {
    const c = cases['2bin_2channel_couplednorm']!
    const m = compile(c)
    const pars = [1.3, 0.4]
    const main = m.expectedData(pars).slice(0, m.nMain)
    const summed = new Array<number>(m.nMain).fill(0)
    for (const s of m.expectedBySample(pars)) {
      const channel = m.channels.find((ch) => ch.name === s.channel)!
      expect(s.yields.length).toBe(channel.nBins)
      s.yields.forEach((y, b) => (summed[channel.offset + b]! += y))
    }
    summed.forEach((v, b) => expect(v).toBeCloseTo(main[b]!, 10))
    expect(m.channels.map((ch) => ch.name)).toEqual(['control', 'signal'])
  })

  it('compiles off the JS thread too', async () => {
    const c = cases['2bin_2channel_couplednorm']!
    const m = await Model.compileAsync(JSON.stringify(c.workspace), { interpcodes: c.modifier_settings })
    expect(m.parNames).toEqual(c.par_names)
    expect(m.nll(m.suggestedInit)).toBe(compile(c).nll(compile(c).suggestedInit))
    await expect(Model.compileAsync('{"channels": [')).rejects.toMatchObject({ code: 'E_JSON_SYNTAX', line: 1 })
  })

  it('throws EngineError for bad input, synchronously and from promises', async () => {
    const m = compile(cases['1bin_shapesys']!)
    expect(() => m.nll([1])).toThrow(EngineError)
    try {
      m.nll([1, 2, 3])
    } catch (error) {
      expect((error as EngineError).code).toBe('E_BAD_REQUEST')
    }
    await expect(m.fit({ fixPoi: -1 })).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    expect(() => Model.compile('{"version": "1.0.0"}')).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }) as Error)
    expect(() => Model.compile(JSON.stringify(cases['1bin_shapesys']!.workspace), { interpcodes: { histosys: 'code4' as 'code4p' } })).toThrow(
      expect.objectContaining({ code: 'E_BAD_REQUEST' }) as Error,
    )
  })
})
