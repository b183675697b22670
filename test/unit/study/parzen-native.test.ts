import { afterEach, describe, expect, it } from 'vitest'
import { nativeAddon } from '../../../main/engine/native.js'
import { CategoricalDistribution, FloatDistribution, type Distribution } from '../../../main/study/distributions.js'
import { RandomState } from '../../../main/study/rng.js'
import { nativeParzen } from '../../../main/study/samplers/tpe/native-mixture.js'
import { ParzenEstimator, type ParzenOptions } from '../../../main/study/samplers/tpe/parzen.js'
import { TPESampler } from '../../../main/study/samplers/tpe.js'
import { Study } from '../../../main/study/study.js'

const OPTIONS: ParzenOptions = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, minBandwidthFactor: 0.03, bandwidthExponent: 2 }
const defaultMinTerms = nativeParzen.minTerms

/** logPdf through the TypeScript loop and through the addon. */
function bothPaths(estimator: ParzenEstimator, points: Record<string, Float64Array>): [Float64Array, Float64Array] {
  nativeParzen.minTerms = Infinity
  const ts = estimator.logPdf(points).slice()
  nativeParzen.minTerms = 0
  const native = estimator.logPdf(points).slice()
  nativeParzen.minTerms = defaultMinTerms
  return [ts, native]
}

afterEach(() => {
  nativeParzen.minTerms = defaultMinTerms
})

describe('the native Parzen mixture (native/node/src/parzen.rs)', () => {
  it('is built into the addon', () => {
    expect(typeof nativeAddon().parzenMixtureTerms).toBe('function')
  })

  it('gives the TypeScript log densities bit for bit, continuous, log-scaled and categorical dims', () => {
    const rng = new RandomState(11)
    const space: Record<string, Distribution> = {
      a: new FloatDistribution(-5, 5),
      b: new FloatDistribution(1e-3, 10, { log: true }),
      k: new CategoricalDistribution(['x', 'y', 'z']),
      d: new FloatDistribution(0, 1),
      q: new CategoricalDistribution([1, 2]),
    }
    for (const n of [0, 1, 7, 300, 1000]) {
      const obs = {
        a: Float64Array.from({ length: n }, () => (rng.random() * 10 - 5) * rng.random()),
        b: Float64Array.from({ length: n }, () => Math.exp(Math.log(1e-3) + rng.random() * Math.log(1e4))),
        k: Float64Array.from({ length: n }, () => Math.floor(rng.random() * 3)),
        d: Float64Array.from({ length: n }, () => rng.random() ** 3),
        q: Float64Array.from({ length: n }, () => Math.floor(rng.random() * 2)),
      }
      const weights = Float64Array.from({ length: n }, () => 0.1 + rng.random())
      const estimator = new ParzenEstimator(space, obs, weights, OPTIONS)
      const points = estimator.sample(new RandomState(n), 150)
      // 150 points: three native calls (64 + 64 + 22). Far outside every kernel too: most are pruned, the densities stay finite.
      points.a![0] = 5
      points.b![0] = 1e-3
      const [ts, native] = bothPaths(estimator, points)
      expect(Array.from(native)).toEqual(Array.from(ts))
      expect(Array.from(native).every(Number.isFinite)).toBe(true)
    }
  })

  it('leaves a seeded study unchanged trial for trial', async () => {
    const run = async (minTerms: number) => {
      nativeParzen.minTerms = minTerms
      const study = await Study.create({ sampler: new TPESampler({ seed: 4 }) })
      await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1) ** 2 + t.suggestFloat('y', -5, 5) ** 2 + (t.suggestCategorical('c', ['p', 'q']) === 'p' ? 0 : 1), { nTrials: 80 })
      return (await study.getTrials()).map((t) => [t.params, t.values])
    }
    const ts = await run(Infinity)
    const native = await run(0)
    expect(native).toEqual(ts)
  })
})
