import { describe, expect, it } from 'vitest'
import { FloatDistribution, IntDistribution, type Distribution } from '../../../main/study/distributions.js'
import type { FrozenTrial } from '../../../main/study/frozen-trial.js'
import { RandomState } from '../../../main/study/rng.js'
import { Arena } from '../../../main/study/samplers/tpe/arena.js'
import { ParzenEstimator, type ParzenOptions } from '../../../main/study/samplers/tpe/parzen.js'
import { SortedColumn } from '../../../main/study/samplers/tpe/sorted-column.js'
import { largest, selectKth } from '../../../main/study/samplers/tpe/select.js'
import { TPESampler, type TPESamplerOptions } from '../../../main/study/samplers/tpe.js'
import { Study } from '../../../main/study/study.js'
import type { Trial } from '../../../main/study/trial.js'

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

describe("TPESampler's caches", () => {
  /** A sampler that drops everything it keeps between samples (study cache, columns and their kernel memos, splits). */
  function forgetful(options: TPESamplerOptions): TPESampler {
    const sampler = new TPESampler(options)
    const forget = () => Object.assign(sampler as unknown as Record<string, unknown>, { cache: undefined, lastSplit: undefined, lastSets: undefined, lastUsed: undefined })
    for (const method of ['inferRelativeSearchSpace', 'sampleRelative', 'sampleIndependent'] as const) {
      const original = sampler[method].bind(sampler) as (...args: unknown[]) => unknown
      Object.assign(sampler, { [method]: (...args: unknown[]) => (forget(), original(...args)) })
    }
    return sampler
  }

  const objective = (t: Trial, i: number) => {
    // A range that moves after 50 trials (the kernel memo is for the old bounds), a conditional param, several kinds.
    const x = t.suggestFloat('x', i < 50 ? -5 : -3, i < 50 ? 5 : 7)
    const y = t.suggestFloat('y', 1e-3, 10, { log: true })
    const k = t.suggestInt('k', 0, 12, { step: 3 })
    const extra = t.suggestCategorical('branch', ['p', 'q']) === 'p' ? t.suggestFloat('z', -1, 1) ** 2 : 0.5
    return (x - 1) ** 2 + Math.log(y) ** 2 + Math.abs(k - 6) + extra
  }

  async function trials(sampler: TPESampler, workers: number): Promise<unknown[]> {
    const study = await Study.create({ sampler })
    const pool: Trial[] = []
    for (let i = 0; i < 120; i++) {
      pool.push(await study.ask())
      if (pool.length < workers) continue
      const t = pool.shift()!
      if (workers > 1 && i % 9 === 4) await study.tell(t, null, 'PRUNED')
      else await study.tell(t, objective(t, i))
    }
    for (const t of pool) await study.tell(t, objective(t, 120))
    const f64 = new Float64Array(1)
    const bits = (v: unknown) => (typeof v === 'number' ? ((f64[0] = v), new BigUint64Array(f64.buffer)[0]) : v)
    return (await study.getTrials()).map((t) => [t.state, Object.entries(t.params).map(([k, v]) => [k, bits(v)]), t.values?.map(bits)])
  }

  it.each([
    ['univariate', { seed: 3, multivariate: false }, 1],
    ['multivariate', { seed: 4 }, 1],
    ['univariate, running trials as bad ones', { seed: 5, multivariate: false }, 3],
    ["multivariate, Optuna's split, running trials", { seed: 6, ...TPESampler.optunaOptions() }, 3],
  ] as [string, TPESamplerOptions, number][])('draw what a sampler that keeps nothing draws, bit for bit (%s)', async (_, options, workers) => {
    const kept = await trials(new TPESampler(options), workers)
    const cold = await trials(forgetful(options), workers)
    expect(kept).toHaveLength(120)
    expect(kept).toEqual(cold)
  })

  it('sees a param a running trial draws between two samples of one ask', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 8 }) })
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1) ** 2, { nTrials: 20 })
    const running = await study.ask()
    const asking = (await study.ask()).frozen
    const view = study.view()
    const space = { x: new FloatDistribution(-5, 5) }
    const points = { x: [-2, 0, 1, 2] }
    // Optuna's split keeps trials without the param (the running one) in the lists the columns are synced with.
    const kept = new TPESampler({ seed: 1, ...TPESampler.optunaOptions() })
    const before = kept.acquisition(view, asking, space, points)
    running.suggestFloat('x', -5, 5)
    const after = kept.acquisition(view, asking, space, points)
    const fresh = new TPESampler({ seed: 1, ...TPESampler.optunaOptions() }).acquisition(view, asking, space, points)
    expect(Array.from(after)).toEqual(Array.from(fresh))
    expect(Array.from(after)).not.toEqual(Array.from(before))
  })
})

describe('selectKth', () => {
  it('finds what a sort puts at k, and the largest of the k before it, bit for bit', () => {
    const rng = new RandomState(12)
    const pool = [0, -0, 1, -1, Infinity, -Infinity, NaN, 0.5]
    const asBits = (x: number) => new BigUint64Array(Float64Array.of(x).buffer)[0]
    for (let round = 0; round < 400; round++) {
      const n = 1 + Math.floor(rng.random() * (round % 3 === 0 ? 8 : 300))
      // Ties (few distinct values), signed zeros, infinities and NaN, sorted and reversed runs.
      const xs = Float64Array.from({ length: n }, () => (rng.random() < 0.3 ? pool[Math.floor(rng.random() * pool.length)]! : Math.round(rng.random() * 40) / 8 - 2))
      if (round % 5 === 1) xs.sort()
      if (round % 5 === 2) xs.sort().reverse()
      const sorted = xs.slice().sort()
      const k = Math.floor(rng.random() * n)
      const scratch = xs.slice()
      expect(asBits(selectKth(scratch, k))).toBe(asBits(sorted[k]!))
      if (k > 0) expect(asBits(largest(scratch.subarray(0, k)))).toBe(asBits(sorted[k - 1]!))
      expect(asBits(largest(xs))).toBe(asBits(sorted[n - 1]!))
    }
  })
})
