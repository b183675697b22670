import { describe, expect, it } from 'vitest'
import { FloatDistribution, IntDistribution, type Distribution } from '../../../main/study/distributions.js'
import type { FrozenTrial } from '../../../main/study/frozen-trial.js'
import { RandomState } from '../../../main/study/rng.js'
import { Arena } from '../../../main/study/samplers/tpe/arena.js'
import { ParzenEstimator, type ParzenOptions } from '../../../main/study/samplers/tpe/parzen.js'
import { SortedColumn } from '../../../main/study/samplers/tpe/sorted-column.js'
import { TPESampler } from '../../../main/study/samplers/tpe.js'
import { Study } from '../../../main/study/study.js'

const OPTIONS: ParzenOptions = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, minBandwidthFactor: 0.01, bandwidthExponent: 1 }

const trial = (number: number, params: Record<string, number>): FrozenTrial => ({ number, params }) as unknown as FrozenTrial

describe('SortedColumn', () => {
  it('gives any subset the order a stable sort gives it, ties included, as values arrive', () => {
    const rng = new RandomState(3)
    const column = new SortedColumn('x', false)
    const trials: FrozenTrial[] = []
    for (let n = 0; n < 300; n++) {
      // Few distinct values, so ties are common; some trials lack the param.
      if (rng.random() < 0.1) trials.push(trial(n, {}))
      else trials.push(trial(n, { x: Math.floor(rng.random() * 20) / 4 }))
      if (n % 37 === 0) column.sync(trials)
    }
    column.sync(trials)
    const withX = trials.filter((t) => 'x' in t.params)
    const subset = withX.filter(() => rng.random() < 0.6)
    const member = new Int32Array(300).fill(-1)
    subset.forEach((t, i) => (member[t.number] = i))
    const { sorted, ranks } = column.order(member, subset.length, new Arena())
    const stable = subset.map((t, i) => ({ v: t.params.x as number, i })).sort((a, b) => a.v - b.v)
    expect(Array.from(sorted)).toEqual(stable.map((s) => s.v))
    stable.forEach((s, j) => expect(ranks[s.i]).toBe(j))
  })

  it('refuses a subset holding trials it has not seen', () => {
    const column = new SortedColumn('x', true)
    column.sync([trial(0, { x: 1 }), trial(1, { x: 2 })])
    const member = Int32Array.from([0, 1, 2])
    expect(() => column.order(member, 3, new Arena())).toThrow(/holds 2 of the 3/)
  })
})

describe('ParzenEstimator', () => {
  it('is the same mixture with a kept order, an arena, and pruned negligible kernels', () => {
    const rng = new RandomState(5)
    const space: Record<string, Distribution> = {
      a: new FloatDistribution(-5, 5),
      b: new FloatDistribution(1e-3, 10, { log: true }),
      c: new IntDistribution(0, 20, { step: 2 }),
    }
    const n = 400
    const obs = {
      a: Float64Array.from({ length: n }, () => Math.round((rng.random() * 10 - 5) * 8) / 8),
      b: Float64Array.from({ length: n }, () => Math.exp(Math.log(1e-3) + rng.random() * Math.log(1e4))),
      c: Float64Array.from({ length: n }, () => 2 * Math.floor(rng.random() * 11)),
    }
    const weights = Float64Array.from({ length: n }, () => 0.1 + rng.random())
    const plain = new ParzenEstimator(space, obs, weights, OPTIONS)
    const column = (name: string, log: boolean) => {
      const c = new SortedColumn(name, log)
      c.sync(Array.from({ length: n }, (_, i) => trial(i, { [name]: obs[name as 'a'][i]! })))
      return c
    }
    const arena = new Arena()
    const member = Int32Array.from({ length: n }, (_, i) => i)
    const orders = { a: column('a', false).order(member, n, arena), b: column('b', true).order(member, n, arena), c: column('c', false).order(member, n, arena) }
    const kept = new ParzenEstimator(space, obs, weights, OPTIONS, undefined, orders, arena)
    const points = plain.sample(new RandomState(9), 64)
    const expected = Array.from(plain.logPdf(points))
    const got = Array.from(kept.logPdf(points))
    got.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected[i]!))))
    // Far from every kernel: the densities stay finite and ordered, not −∞.
    const far = kept.logPdf({ a: Float64Array.of(-5, 5), b: Float64Array.of(1e-3, 10), c: Float64Array.of(0, 20) })
    expect(Array.from(far).every(Number.isFinite)).toBe(true)
  })
})

describe('TPE on a conditional space', () => {
  const objective = (t: import('../../../main/study/trial.js').Trial) =>
    t.suggestCategorical('kind', ['a', 'b']) === 'a' ? (t.suggestFloat('x', -3, 3) - 1) ** 2 : 1 + t.suggestFloat('y', 0, 1)

  it("splits the trials where a conditional param is active ('active', the default) or all of them (Optuna's)", async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 1, nStartupTrials: 20 }) })
    await study.optimize(objective, { nTrials: 20 })
    const view = study.view()
    const running = (await study.ask()).frozen
    const space = { x: new FloatDistribution(-3, 3) }
    const points = { x: [-2, 0, 1, 2] }
    const active = new TPESampler({ seed: 1 }).acquisition(view, running, space, points)
    const all = new TPESampler({ seed: 1, conditionalSplit: 'all' }).acquisition(view, running, space, points)
    // With its own split, x's good set holds trials of its branch, so l(x)/g(x) peaks at the optimum x = 1.
    expect(active[2]).toBeGreaterThan(active[0]!)
    expect(Array.from(active)).not.toEqual(Array.from(all))
    expect(TPESampler.optunaOptions().conditionalSplit).toBe('all')
  })

  it('reuses a split across the params of one ask only where their good and bad sets are the same', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 2, nStartupTrials: 30 }) })
    await study.optimize(objective, { nTrials: 30 })
    const view = study.view()
    const running = (await study.ask()).frozen
    const kind = { kind: new (await import('../../../main/study/distributions.js')).CategoricalDistribution(['a', 'b']) }
    const x = { x: new FloatDistribution(-3, 3) }
    for (const options of [TPESampler.optunaOptions(), {}]) {
      const shared = new TPESampler({ seed: 1, ...options })
      shared.acquisition(view, running, kind, { kind: ['a', 'b'] })
      const after = shared.acquisition(view, running, x, { x: [-2, 0, 1, 2] })
      const fresh = new TPESampler({ seed: 1, ...options }).acquisition(view, running, x, { x: [-2, 0, 1, 2] })
      expect(Array.from(after)).toEqual(Array.from(fresh))
    }
  })
})
