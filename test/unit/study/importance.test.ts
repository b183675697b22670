import { describe, expect, it } from 'vitest'
import { RandomSampler } from '../../../main/study/samplers/random.js'
import { Study } from '../../../main/study/study.js'

describe('PED-ANOVA importance', () => {
  it('ranks the params that drive the objective first, and sums to 1', async () => {
    const study = await Study.create({ sampler: new RandomSampler({ seed: 0 }) })
    await study.optimize((t) => {
      const x = t.suggestFloat('x', -5, 5)
      const lr = t.suggestFloat('lr', 1e-4, 1, { log: true })
      const kind = t.suggestCategorical('kind', ['a', 'b', 'c'])
      t.suggestInt('noise', 0, 100)
      return 10 * x * x + Math.abs(Math.log10(lr) + 2) + (kind === 'b' ? 0 : 3)
    }, { nTrials: 200 })
    const imp = await study.paramImportances()
    expect(Object.keys(imp)[0]).toBe('x')
    expect(Object.keys(imp).at(-1)).toBe('noise')
    expect(imp.kind!).toBeGreaterThan(imp.noise!)
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
  })

  it('follows the direction and gives equal shares without enough trials', async () => {
    const study = await Study.create({ direction: 'maximize', sampler: new RandomSampler({ seed: 1 }) })
    await study.optimize((t) => -((t.suggestFloat('a', 0, 1) - 0.5) ** 2) + 0 * t.suggestFloat('b', 0, 1), { nTrials: 1 })
    expect(await study.paramImportances()).toEqual({ a: 0.5, b: 0.5 })
    await study.optimize((t) => -((t.suggestFloat('a', 0, 1) - 0.5) ** 2) + 0 * t.suggestFloat('b', 0, 1), { nTrials: 150 })
    const imp = await study.paramImportances()
    expect(imp.a!).toBeGreaterThan(imp.b!)
    await expect(study.paramImportances({ targetQuantile: 0 })).rejects.toThrow(/targetQuantile/)
  })
})
