import { describe, expect, it } from 'vitest'
import {
  CategoricalDistribution,
  DistributionError,
  FloatDistribution,
  IntDistribution,
  distributionToJson,
  jsonToDistribution,
  pythonFloatRepr,
  toExternal,
  toInternal,
} from '../../../main/study/distributions.js'

describe('distributions', () => {
  it.each([
    [() => new FloatDistribution(2, 1), /low must not be larger than high/],
    [() => new FloatDistribution(0, 1, { log: true }), /larger than 0 for a log/],
    [() => new FloatDistribution(-1, 1, { log: true }), /larger than 0 for a log/],
    [() => new FloatDistribution(0, 1, { step: 0 }), /step must be larger than 0/],
    [() => new FloatDistribution(1e-3, 1, { log: true, step: 0.1 }), /cannot be used at the same time/],
    [() => new FloatDistribution(0, Infinity), /finite/],
    [() => new IntDistribution(5, 1), /low must not be larger than high/],
    [() => new IntDistribution(0, 10, { log: true }), /at least 1 for a log/],
    [() => new IntDistribution(1, 10, { log: true, step: 2 }), /step 1/],
    [() => new IntDistribution(0.5, 10), /integers/],
    [() => new CategoricalDistribution([]), /one or more elements/],
  ])('rejects invalid definitions with a clear error (%#)', (make, message) => {
    expect(make).toThrow(DistributionError)
    expect(make).toThrow(message)
  })

  it('adjusts high to the step grid as Optuna does', () => {
    expect(new IntDistribution(0, 10, { step: 3 }).high).toBe(9)
    expect(new FloatDistribution(0, 1, { step: 0.3 }).high).toBeCloseTo(0.9, 12)
    expect(new FloatDistribution(0, 1, { step: 0.25 }).high).toBe(1)
  })

  it('stores categorical params by index and gives back the choice', () => {
    const d = new CategoricalDistribution(['a', null, 3, 2.5, true])
    expect(toInternal(d, null)).toBe(1)
    expect(toInternal(d, true)).toBe(4)
    expect(toExternal(d, 2)).toBe(3)
    expect(() => toInternal(d, 'z')).toThrow(/not among the choices/)
  })

  it("writes distribution JSON byte-for-byte as Optuna's json.dumps", () => {
    expect(distributionToJson(new FloatDistribution(-10, 10))).toBe(
      '{"name": "FloatDistribution", "attributes": {"step": null, "low": -10.0, "high": 10.0, "log": false}}',
    )
    expect(distributionToJson(new FloatDistribution(1e-5, 1, { log: true }))).toBe(
      '{"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 1.0, "log": true}}',
    )
    expect(distributionToJson(new IntDistribution(1, 1024, { log: true }))).toBe(
      '{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 1, "high": 1024}}',
    )
    expect(distributionToJson(new CategoricalDistribution(['a', null, 3, 2.5, true, 'é']))).toBe(
      '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", null, 3, 2.5, true, "\\u00e9"]}}',
    )
  })

  it("formats floats as Python's repr", () => {
    expect([0.1, 1, 1e16, 123456789012345680, 1e-4, 1.5e-7, -0, 2.5].map(pythonFloatRepr)).toEqual([
      '0.1', '1.0', '1e+16', '1.2345678901234568e+17', '0.0001', '1.5e-07', '-0.0', '2.5',
    ])
  })

  it('reads current, legacy and abbreviated distribution JSON', () => {
    for (const d of [new FloatDistribution(0, 1, { step: 0.25 }), new IntDistribution(2, 40, { step: 2 }), new CategoricalDistribution([1, 'x'])]) {
      expect(jsonToDistribution(distributionToJson(d))).toEqual(d)
    }
    expect(jsonToDistribution('{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}')).toEqual(
      new FloatDistribution(0.001, 1, { log: true }),
    )
    expect(jsonToDistribution('{"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1, "q": 0.5}}')).toEqual(
      new FloatDistribution(0, 1, { step: 0.5 }),
    )
    expect(jsonToDistribution('{"name": "IntUniformDistribution", "attributes": {"low": 1.0, "high": 9.0, "step": 2}}')).toEqual(
      new IntDistribution(1, 9, { step: 2 }),
    )
    expect(jsonToDistribution('{"type": "int", "low": 1, "high": 8, "log": true}')).toEqual(new IntDistribution(1, 8, { log: true }))
  })
})
