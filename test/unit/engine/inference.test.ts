import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import { EngineError, Model } from '../../../main/engine'
import { discovery, hypotest, profileScan, rankImpacts, testStatistic, testStatisticSync, toys, upperLimit } from '../../../main/engine/inference'

interface Tight {
  CLs_obs: number
  CLs_exp: number[]
  sqrtqmuA: number
  tail_probs: number[]
}
interface Case {
  workspace: unknown
  modifier_settings: { normsys: 'code1' | 'code4'; histosys: 'code0' | 'code2' | 'code4p' }
  poi_test: number
  test_stat: 'q' | 'q0'
  'tight_tol1e-14_validation_settings': Tight
}
const cases = JSON.parse(readFileSync(resolve(__dirname, '../../../../shared/fixtures/pyhf-validation/cases.json'), 'utf8')) as Record<string, Case>
const tutorial = readFileSync(resolve(__dirname, '../../../resources/examples/tutorial/workspace.json'), 'utf8')
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b)

describe('inference facade', () => {
  it('reproduces converged pyhf CLs, tails, band and √qA on every validation case', async () => {
    for (const [name, c] of Object.entries(cases)) {
      const tight = c['tight_tol1e-14_validation_settings']
      const r = await hypotest(JSON.stringify(c.workspace), c.poi_test, { interpcodes: c.modifier_settings, testStat: c.test_stat })
      expect(rel(r.cls, tight.CLs_obs), name).toBeLessThan(1e-6)
      r.clsExpected.forEach((x, i) => expect(rel(x, tight.CLs_exp[i]!), `${name} band ${i}`).toBeLessThan(1e-6))
      expect(rel(r.sqrtQAsimov, tight.sqrtqmuA), name).toBeLessThan(1e-7)
      expect(rel(r.clb, tight.tail_probs[tight.tail_probs.length - 1]!), name).toBeLessThan(1e-6)
      expect(r.diagnostics.converged, name).toBe(true)
      expect(r.diagnostics.fits, name).toBe(5)
      expect(r.diagnostics.metrics.cls, name).toBe(r.cls)
    }
  })

  it('gives the discovery significance of the tutorial workspace', async () => {
    const d = await discovery(tutorial)
    expect(d.p0).toBeCloseTo(0.0244, 4)
    expect(d.z0).toBeCloseTo(Math.sqrt(d.q0), 12)
    expect(d.z0Expected).toBeGreaterThan(0)
    expect(d.p0Expected).toHaveLength(5)
    expect(d.diagnostics.poi).toBe(d.muHat)
    expect(d.diagnostics.minNll).not.toBeNull()
  })

  it('finds upper limits where CLs crosses 1 − CL', async () => {
    const text = JSON.stringify(cases['1bin_shapesys']!.workspace)
    const r = await upperLimit(text, { rtol: 1e-6 })
    expect(r.observed).not.toBeNull()
    const at = await hypotest(text, r.observed!)
    expect(at.cls).toBeCloseTo(0.05, 5)
    const exp = r.expected as number[]
    expect([...exp].sort((a, b) => a - b)).toEqual(exp)
    const median = await hypotest(text, exp[2]!)
    expect(median.clsExpected[2]).toBeCloseTo(0.05, 5)
  })

  it('computes tμ, scans, rankings and toys with diagnostics', async () => {
    const text = JSON.stringify(cases['2bin_2channel_coupledhistosys']!.workspace)
    const t = await testStatistic(text, 0.5, { testStat: 'tmu' })
    expect(t.value).toBeGreaterThanOrEqual(0)
    const s = await profileScan(text, 'mu', 0, 2, 5)
    expect(s.values).toEqual([0, 0.5, 1, 1.5, 2])
    expect(Math.min(...s.deltaTwiceNll)).toBeGreaterThan(-1e-7)
    const r = await rankImpacts(text, { topN: 1 })
    expect(r.impacts).toHaveLength(1)
    expect(r.muHatUncertainty).toBeGreaterThan(0)
    const a = await toys(text, 1, { nToys: 30, seed: 5 })
    const b = await toys(text, 1, { nToys: 30, seed: 5 })
    expect(a.signalTeststats).toEqual(b.signalTeststats)
    expect(a.cls).toBeGreaterThanOrEqual(0)
    expect(a.diagnostics.fits).toBeGreaterThan(4 * 30)
  })

  it('runs on a compiled Model exactly as on its text, and refuses compile options with it', async () => {
    const c = cases['2bin_2channel_coupledhistosys']!
    const text = JSON.stringify(c.workspace)
    const model = Model.compile(text, { interpcodes: c.modifier_settings })
    const fromText = await hypotest(text, 1, { interpcodes: c.modifier_settings })
    const fromModel = await hypotest(model, 1)
    expect(fromModel.cls).toBe(fromText.cls)
    expect(fromModel.clsExpected).toEqual(fromText.clsExpected)
    const q0 = await testStatistic(Model.compile(tutorial), 0, { testStat: 'q0' })
    expect(q0.value).toBe((await testStatistic(tutorial, 0, { testStat: 'q0' })).value)
    await expect(hypotest(model, 1, { interpcodes: c.modifier_settings })).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
  })

  it('the blocking test statistic for tiny models equals the async one, errors included', async () => {
    const asyncQ0 = await testStatistic(tutorial, 0, { testStat: 'q0' })
    const withoutTimes = (report: object): unknown => JSON.parse(JSON.stringify(report, (key, value: unknown) => (key === 'timeMs' ? undefined : value)))
    expect(withoutTimes(testStatisticSync(tutorial, 0, { testStat: 'q0' }))).toEqual(withoutTimes(asyncQ0))
    expect(testStatisticSync(Model.compile(tutorial), 0, { testStat: 'q0' }).value).toBe(asyncQ0.value)
    expect(() => testStatisticSync('{"channels": 3}', 0, { testStat: 'q0' })).toThrow(expect.objectContaining({ code: expect.stringMatching(/^E_/) }))
  })

  it('rejects bad input with EngineError codes', async () => {
    const text = JSON.stringify(cases['1bin_shapesys']!.workspace)
    const expectCode = async (p: Promise<unknown>, code: string, words: string): Promise<void> => {
      const error = await p.then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(EngineError)
      expect((error as EngineError).code).toBe(code)
      expect((error as EngineError).message).toContain(words)
    }
    await expectCode(hypotest(text, 12), 'E_BAD_REQUEST', 'outside the bounds')
    await expectCode(hypotest(text, 1, { fix: { mu: 1 } }), 'E_BAD_REQUEST', 'is fixed')
    await expectCode(upperLimit(text, { cl: 2 }), 'E_BAD_REQUEST', 'confidence level')
    await expectCode(profileScan(text, 'nope', 0, 1, 3), 'E_BAD_REQUEST', "no parameter named 'nope'")
    await expectCode(toys(text, 1, { nToys: 0 }), 'E_BAD_REQUEST', 'at least 1')
    await expectCode(hypotest('{"channels": []', 1), 'E_JSON_SYNTAX', '')
  })
})
