import { describe, expect, it } from 'vitest'
import { GridSampler } from '../../../main/study/samplers/grid.js'
import { NSGAIISampler } from '../../../main/study/samplers/nsga2.js'
import { QMCSampler } from '../../../main/study/samplers/qmc.js'
import { RandomSampler } from '../../../main/study/samplers/random.js'
import { SobolSequence } from '../../../main/study/samplers/sobol.js'
import { TPESampler, defaultGamma, defaultWeights } from '../../../main/study/samplers/tpe.js'
import type { Sampler } from '../../../main/study/samplers/base.js'
import { Study, type Objective } from '../../../main/study/study.js'
import { RandomState } from '../../../main/study/rng.js'
import { mixed, rosenbrock, sphere } from './functions.js'

async function run(sampler: Sampler, objective: Objective, nTrials: number, directions: ('minimize' | 'maximize')[] = ['minimize']) {
  const study = await Study.create({ sampler, directions })
  await study.optimize(objective, { nTrials })
  return study
}

async function paramsOf(sampler: () => Sampler, objective: Objective, n: number) {
  return (await (await run(sampler(), objective, n)).getTrials()).map((t) => t.params)
}

describe('RandomState', () => {
  it('is reproducible and uniform', () => {
    const a = new RandomState(42)
    const b = new RandomState(42)
    const xs = Array.from({ length: 20000 }, () => a.random())
    expect(Array.from({ length: 20000 }, () => b.random())).toEqual(xs)
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 2)
    expect(new RandomState(43).random()).not.toBe(xs[0])
  })
})

describe('RandomSampler', () => {
  it('respects bounds, steps, log scale and choices, reproducibly', async () => {
    const params = await paramsOf(() => new RandomSampler({ seed: 1 }), mixed, 200)
    for (const p of params) {
      expect((p.n as number) % 2).toBe(0)
      expect(p.n as number).toBeGreaterThanOrEqual(0)
      expect(p.n as number).toBeLessThanOrEqual(20)
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4)
      expect(['a', 'b', 'c', 'd']).toContain(p.kind)
    }
    // Log scale: about half the draws below the geometric midpoint 1e-2.
    const below = params.filter((p) => (p.lr as number) < 1e-2).length
    expect(below).toBeGreaterThan(70)
    expect(below).toBeLessThan(130)
    expect(new Set(params.map((p) => p.n)).size).toBe(11) // both end points are reachable
    expect(await paramsOf(() => new RandomSampler({ seed: 1 }), mixed, 200)).toEqual(params)
  })
})

describe('TPESampler', () => {
  it('has Optuna gamma and weights', () => {
    expect([0, 1, 10, 11, 100, 250, 1000].map(defaultGamma)).toEqual([0, 1, 1, 2, 10, 25, 25])
    expect([...defaultWeights(3)]).toEqual([1, 1, 1])
    const w = defaultWeights(30)
    expect(w[0]).toBeCloseTo(1 / 30)
    expect(w[4]).toBeCloseTo(1)
    expect([...w.slice(5)]).toEqual(new Array(25).fill(1))
  })

  it('reproduces a run with the same seed', async () => {
    const a = await paramsOf(() => new TPESampler({ seed: 3 }), mixed, 30)
    const b = await paramsOf(() => new TPESampler({ seed: 3 }), mixed, 30)
    const c = await paramsOf(() => new TPESampler({ seed: 4 }), mixed, 30)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  it.each([
    ['default (Watanabe 2023 settings)', {}],
    ['Optuna 5 settings', TPESampler.optunaOptions()],
    ['univariate', { ...TPESampler.optunaOptions(), multivariate: false }],
  ])('beats random search on the 5-D sphere: %s', async (_name, options) => {
    const tpe = await run(new TPESampler({ seed: 0, ...options }), sphere(5), 100)
    const rnd = await run(new RandomSampler({ seed: 0 }), sphere(5), 100)
    expect(await tpe.bestValue()).toBeLessThan(2)
    expect(await tpe.bestValue()).toBeLessThan((await rnd.bestValue()) / 2)
  })

  it('gets close to the minimum of the 2-D Rosenbrock function', async () => {
    const tpe = await run(new TPESampler({ seed: 1 }), rosenbrock(2), 150)
    expect(await tpe.bestValue()).toBeLessThan(0.5)
  })

  it('learns the good categorical choice and the good region of a mixed space', async () => {
    const study = await run(new TPESampler({ seed: 2 }), mixed, 80)
    const late = (await study.getTrials()).slice(40)
    expect(late.filter((t) => t.params.kind === 'c').length).toBeGreaterThan(late.length / 2)
    expect(await study.bestValue()).toBeLessThan(0.2)
  })

  it('samples at random until nStartupTrials trials finished, then from the model', async () => {
    const shifted: Objective = (t) => -sphere(2)(t) // reverses the ranking of the same points
    const a = await paramsOf(() => new TPESampler({ seed: 0, nStartupTrials: 5 }), sphere(2), 12)
    const b = await paramsOf(() => new TPESampler({ seed: 0, nStartupTrials: 5 }), shifted, 12)
    expect(b.slice(0, 5)).toEqual(a.slice(0, 5)) // values do not matter yet
    expect(b.slice(5)).not.toEqual(a.slice(5))
  })

  it('finds a spread Pareto front with several objectives (MOTPE)', async () => {
    // ZDT1-like: f1 = x0, f2 = g (1 − sqrt(f1/g)) with g ≥ 1.
    const zdt1: Objective = (t) => {
      const x = Array.from({ length: 3 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))
      const g = 1 + 9 * (x[1]! + x[2]!) / 2
      return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))]
    }
    const tpe = await run(new TPESampler({ seed: 0 }), zdt1, 80, ['minimize', 'minimize'])
    const rnd = await run(new RandomSampler({ seed: 0 }), zdt1, 80, ['minimize', 'minimize'])
    const hv = async (s: Study) => {
      const front = (await s.bestTrials()).map((t) => t.values!).sort((a, b) => a[0]! - b[0]!)
      let area = 0
      let prevY = 11
      for (const [x, y] of front) {
        area += (1.1 - x!) * (prevY - y!)
        prevY = y!
      }
      return area
    }
    expect(await hv(tpe)).toBeGreaterThan(await hv(rnd))
  })
})

describe('NSGAIISampler', () => {
  it('evolves generations and improves the front over random search, reproducibly', async () => {
    const objective: Objective = (t) => {
      const x = t.suggestFloat('x', -2, 2)
      const y = t.suggestFloat('y', -2, 2)
      return [x * x + y * y, (x - 1) ** 2 + y * y]
    }
    const ga = await run(new NSGAIISampler({ seed: 1, populationSize: 10 }), objective, 80, ['minimize', 'minimize'])
    const trials = await ga.getTrials()
    expect(new Set(trials.map((t) => t.systemAttrs['NSGAIISampler:generation'])).size).toBeGreaterThanOrEqual(7)
    const meanLate = trials.slice(60).reduce((s, t) => s + t.values![0]! + t.values![1]!, 0) / 20
    const meanEarly = trials.slice(0, 10).reduce((s, t) => s + t.values![0]! + t.values![1]!, 0) / 10
    expect(meanLate).toBeLessThan(meanEarly)
    const again = await run(new NSGAIISampler({ seed: 1, populationSize: 10 }), objective, 80, ['minimize', 'minimize'])
    expect((await again.getTrials()).map((t) => t.params)).toEqual(trials.map((t) => t.params))
  })

  it('validates its options', () => {
    expect(() => new NSGAIISampler({ populationSize: 1 })).toThrow(/populationSize/)
    expect(() => new NSGAIISampler({ crossoverProb: 1.5 })).toThrow(/crossoverProb/)
  })
})

describe('GridSampler', () => {
  it('visits every grid point once, then stops the study', async () => {
    const grid = new GridSampler({ n: [2, 4, 8], kind: ['a', 'b'] }, { seed: 1 })
    const study = await Study.create({ sampler: grid })
    await study.optimize((t) => t.suggestInt('n', 0, 10) + (t.suggestCategorical('kind', ['a', 'b']) === 'a' ? 0 : 1), { nTrials: 20 })
    const seen = (await study.getTrials()).map((t) => `${String(t.params.n)}${String(t.params.kind)}`)
    expect(seen).toHaveLength(6)
    expect(new Set(seen)).toEqual(new Set(['2a', '2b', '4a', '4b', '8a', '8b']))
  })

  it('refuses a value outside the suggested range', async () => {
    const study = await Study.create({ sampler: new GridSampler({ x: [5] }) })
    const r = await study.runTrial((t) => t.suggestFloat('x', 0, 1))
    expect(r.failReason).toMatch(/out of the range/)
  })
})

describe('QMCSampler', () => {
  it("reproduces scipy's unscrambled Sobol' points", () => {
    const s = new SobolSequence(3)
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => s.point(i))).toEqual([
      [0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75], [0.375, 0.375, 0.625], [0.875, 0.875, 0.125], [0.625, 0.125, 0.875],
    ])
    expect(new SobolSequence(12).point(1000)).toEqual([
      0.2197265625, 0.0966796875, 0.5185546875, 0.6767578125, 0.2802734375, 0.9072265625, 0.0458984375, 0.8994140625, 0.5009765625,
      0.0693359375, 0.0849609375, 0.2548828125,
    ])
  })

  it('scrambles reproducibly with a seed and keeps each 1-D projection stratified', () => {
    const a = new SobolSequence(4, { scramble: true, rng: new RandomState(9) })
    const b = new SobolSequence(4, { scramble: true, rng: new RandomState(9) })
    const pts = Array.from({ length: 64 }, (_, i) => a.point(i))
    expect(Array.from({ length: 64 }, (_, i) => b.point(i))).toEqual(pts)
    expect(pts[0]).not.toEqual([0, 0, 0, 0])
    for (let d = 0; d < 4; d++) {
      const cells = new Set(pts.map((p) => Math.floor(p[d]! * 64)))
      expect(cells.size).toBe(64) // one point in each 1/64 interval
    }
  })

  it('samples the study space after the first trial', async () => {
    const study = await run(new QMCSampler({ seed: 0 }), (t) => t.suggestFloat('x', 0, 8) + t.suggestInt('n', 1, 16, { log: true }), 9)
    const xs = (await study.getTrials()).slice(1).map((t) => t.params.x)
    expect(xs).toEqual([4, 2, 6, 3, 7, 1, 5, 2.5]) // x is the second dimension (params sorted by name)
  })
})

describe('group-decomposed multivariate TPE', () => {
  it('splits params into groups that always occur together', async () => {
    const { groupDecomposedSearchSpace } = await import('../../../main/study/samplers/base.js')
    const study = await run(new RandomSampler({ seed: 0 }), (t) => {
      const kind = t.suggestCategorical('kind', ['edges', 'width'])
      if (kind === 'edges') return t.suggestInt('n', 1, 5) + t.suggestFloat('e0', 0, 1) + t.suggestFloat('e1', 0, 1)
      return t.suggestFloat('w', 0.1, 1, { log: true })
    }, 12)
    const groups = groupDecomposedSearchSpace(await study.getTrials()).map((g) => Object.keys(g))
    expect(groups.sort()).toEqual([['e0', 'e1', 'n'], ['kind'], ['w']])
  })

  it('samples a conditional space jointly per group and beats random search', async () => {
    const objective: Objective = (t) => {
      const kind = t.suggestCategorical('kind', ['edges', 'width'])
      if (kind === 'width') return 1 + t.suggestFloat('w', 0.1, 1, { log: true })
      const a = t.suggestFloat('a', -3, 3)
      const b = t.suggestFloat('b', -3, 3)
      return (a - b) ** 2 + (a + b - 1) ** 2 / 10
    }
    const grouped = await run(new TPESampler({ seed: 0, group: true }), objective, 80)
    const rnd = await run(new RandomSampler({ seed: 0 }), objective, 80)
    expect(await grouped.bestValue()).toBeLessThan(await rnd.bestValue())
    for (const t of await grouped.getTrials()) {
      expect(Object.keys(t.params).sort()).toEqual(t.params.kind === 'width' ? ['kind', 'w'] : ['a', 'b', 'kind'])
    }
  })
})

describe('createSampler', () => {
  it('makes each named sampler and explains bad requests', async () => {
    const { createSampler, SAMPLER_NAMES } = await import('../../../main/study/samplers/index.js')
    expect(createSampler('tpe')).toBeInstanceOf(TPESampler)
    expect(createSampler('motpe')).toBeInstanceOf(TPESampler)
    expect(createSampler('random')).toBeInstanceOf(RandomSampler)
    expect(createSampler('qmc')).toBeInstanceOf(QMCSampler)
    expect(createSampler('nsga2')).toBeInstanceOf(NSGAIISampler)
    expect(createSampler('grid', { grid: { x: [1, 2] } })).toBeInstanceOf(GridSampler)
    expect(() => createSampler('grid')).toThrow(/needs the values/)
    expect(() => createSampler('cmaes' as never)).toThrow(/choose one of/)
    expect(SAMPLER_NAMES).toHaveLength(6)
  })
})
