import { afterEach, describe, expect, it } from 'vitest'
import { nativeAddon } from '../../../main/engine/native.js'
import { CategoricalDistribution, FloatDistribution, type Distribution } from '../../../main/study/distributions.js'
import { RandomState } from '../../../main/study/rng.js'
import { nativeParzen } from '../../../main/study/samplers/tpe/native-mixture.js'
import { ParzenEstimator, type ParzenOptions } from '../../../main/study/samplers/tpe/parzen.js'
import { TPESampler, type TPESamplerOptions } from '../../../main/study/samplers/tpe.js'
import { Study } from '../../../main/study/study.js'
import type { StudyDirection } from '../../../main/study/frozen-trial.js'
import type { Trial } from '../../../main/study/trial.js'

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

/** The bits of each double, so that −0 and +0 (or two NaNs) are told apart. */
const bits = (xs: Float64Array | number[]) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer))

/** Every number of a trial list as bits, everything else as it is. */
function fingerprint(value: unknown): unknown {
  if (typeof value === 'number') return bits([value])[0]
  if (Array.isArray(value)) return value.map(fingerprint)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fingerprint(v)]))
  return value
}

type Objective = (t: Trial, i: number) => number | number[]

/** Floats, log floats, ints (stepped, log), stepped floats and categoricals; a range that changes after 60 trials. */
const mixed: Objective = (t, i) =>
  (t.suggestFloat('f', -3, 4) - 1) ** 2 +
  Math.log(t.suggestFloat('l', 1e-3, 10, { log: true })) ** 2 / 10 +
  Math.abs(t.suggestInt('i', -10, 10) - 3) +
  (t.suggestInt('s', 0, 20, { step: 4 }) - 8) ** 2 / 50 +
  (t.suggestFloat('q', 0, 1, { step: 0.1 }) - 0.3) ** 2 +
  t.suggestInt('g', 1, 1000, { log: true }) / 1000 +
  (t.suggestCategorical('c', ['a', 'b', 'c']) === 'b' ? 0 : 1) +
  (t.suggestFloat('r', i < 60 ? -5 : -4, i < 60 ? 5 : 6) - 2) ** 2

const floats =
  (d: number): Objective =>
  (t) => {
    let s = 0
    for (let j = 0; j < d; j++) s += t.suggestFloat(`x${j}`, -5, 5) ** 2
    return s
  }

const conditional: Objective = (t) =>
  t.suggestCategorical('kind', ['lin', 'quad']) === 'lin'
    ? Math.abs(t.suggestFloat('a', -2, 2))
    : (t.suggestFloat('b', -1, 3) - 1) ** 2 + t.suggestInt('n', 0, 5)

const twoObjectives: Objective = (t) => {
  const x = t.suggestFloat('x', 0, 1)
  const y = t.suggestFloat('y', 0, 1)
  return [x * x + y, (x - 1) ** 2 + t.suggestInt('k', 0, 4)]
}

/**
 * A seeded study's trials (number, state, params, values as bits). With `workers` > 1 the trials
 * are asked ahead (up to `workers` RUNNING at once, as parallel workers with the constant liar),
 * and some are pruned or fail.
 */
async function seededTrials(options: TPESamplerOptions, objective: Objective, nTrials: number, workers = 1, directions?: StudyDirection[]) {
  const study = await Study.create({ sampler: new TPESampler(options), directions })
  const pool: Trial[] = []
  for (let i = 0; i < nTrials; i++) {
    pool.push(await study.ask())
    if (pool.length < workers) continue
    const t = pool.shift()!
    const value = objective(t, i)
    if (workers > 1 && i % 7 === 3) await study.tell(t, null, 'PRUNED')
    else await study.tell(t, workers > 1 && i % 11 === 5 ? NaN : value)
  }
  for (const t of pool) await study.tell(t, objective(t, nTrials))
  return (await study.getTrials()).map((t) => fingerprint([t.number, t.state, t.params, t.values]))
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
      // 150 points: 18 blocks of 8 and a part block of 6. Far outside every kernel too: most are pruned, the densities stay finite.
      points.a![0] = 5
      points.b![0] = 1e-3
      const [ts, native] = bothPaths(estimator, points)
      expect(bits(native)).toEqual(bits(ts))
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

  // Univariate sampling asks one estimator pair per param (the native call from 24 × 26 pairs on);
  // multivariate ones mix continuous and categorical dims in one call. Discrete dims stay in TypeScript.
  const cases: [string, TPESamplerOptions, Objective, number, number, StudyDirection[]?][] = [
    ['univariate, d = 2', { seed: 0, multivariate: false }, floats(2), 120, 1],
    ['univariate, d = 10', { seed: 1, multivariate: false }, floats(10), 80, 1],
    ['multivariate, d = 5', { seed: 2 }, floats(5), 100, 1],
    ['univariate, every kind of param', { seed: 3, multivariate: false }, mixed, 90, 1],
    ['multivariate, every kind of param', { seed: 4 }, mixed, 90, 1],
    ['univariate, constant liar with 3 running trials', { seed: 5, multivariate: false }, floats(4), 90, 3],
    ['multivariate, constant liar, every kind of param', { seed: 6 }, mixed, 80, 4],
    ['conditional, grouped', { seed: 7, group: true }, conditional, 90, 2],
    ["conditional, Optuna's split", { seed: 8, ...TPESampler.optunaOptions() }, conditional, 90, 1],
    ['two objectives (MOTPE)', { seed: 9 }, twoObjectives, 90, 1, ['minimize', 'minimize']],
  ]
  it.each(cases)('gives the same trials bit for bit on either path: %s', async (_, options, objective, nTrials, workers, directions) => {
    const runs = []
    for (const minTerms of [Infinity, 0, defaultMinTerms]) {
      nativeParzen.minTerms = minTerms
      runs.push(await seededTrials(options, objective, nTrials, workers, directions))
    }
    expect(runs[0]!.length).toBe(nTrials)
    expect(runs[1]).toEqual(runs[0])
    expect(runs[2]).toEqual(runs[0])
  })
})
