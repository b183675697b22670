import { describe, expect, it } from 'vitest'
import { FloatDistribution } from '../../../main/study/distributions.js'
import { MedianPruner } from '../../../main/study/pruners/percentile.js'
import { RandomSampler } from '../../../main/study/samplers/random.js'
import { Study, retryFailedTrial } from '../../../main/study/study.js'
import { TrialPruned } from '../../../main/study/trial.js'

const random = (seed = 0) => new RandomSampler({ seed })

describe('Study ask/tell', () => {
  it('asks and tells, keeping define-by-run params per trial', async () => {
    const study = await Study.create({ sampler: random() })
    const trial = await study.ask()
    const x = trial.suggestFloat('x', -1, 1)
    expect(trial.suggestFloat('x', -1, 1)).toBe(x) // same name → same value
    const n = trial.suggestInt('n', 1, 100, { log: true })
    expect(Number.isInteger(n)).toBe(true)
    const told = await study.tell(trial, x * x)
    expect(told.trial.state).toBe('COMPLETE')
    expect(told.trial.params).toEqual({ x, n })
    await expect(study.tell(trial, 1)).rejects.toThrow(/Cannot tell a COMPLETE trial/)
  })

  it('tells by trial number and accepts fixed distributions at ask', async () => {
    const study = await Study.create({ sampler: random() })
    const trial = await study.ask({ lr: new FloatDistribution(1e-4, 1, { log: true }) })
    const lr = trial.params.lr as number
    expect(lr).toBeGreaterThanOrEqual(1e-4)
    await study.tell(trial.number, 0.5)
    expect((await study.bestTrial()).params).toEqual({ lr })
  })

  it('marks a trial FAIL when the objective throws or returns NaN, and goes on', async () => {
    const study = await Study.create({ sampler: random() })
    let i = 0
    await study.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1)
      i++
      if (i === 2) throw new Error('fit did not converge')
      if (i === 3) return NaN
      if (i === 4) return [x, x] // wrong number of values
      return x
    }, { nTrials: 6 })
    const states = (await study.getTrials()).map((t) => t.state)
    expect(states).toEqual(['COMPLETE', 'FAIL', 'FAIL', 'FAIL', 'COMPLETE', 'COMPLETE'])
    const nan = await study.ask()
    expect((await study.tell(nan, NaN)).failReason).toMatch(/not acceptable/)
  })

  it('reports validation errors of suggest calls as FAIL with a clear reason', async () => {
    const study = await Study.create({ sampler: random() })
    const r = await study.runTrial((t) => t.suggestFloat('x', 1, 0))
    expect(r.trial.state).toBe('FAIL')
    expect(r.failReason).toMatch(/low must not be larger than high/)
    const r2 = await study.runTrial((t) => t.suggestFloat('y', 0, 1, { log: true }))
    expect(r2.failReason).toMatch(/larger than 0 for a log distribution/)
    const r3 = await study.runTrial((t) => Number(t.suggestCategorical('c', [])))
    expect(r3.failReason).toMatch(/one or more elements/)
  })

  it('refuses to change a param kind within a study', async () => {
    const study = await Study.create({ sampler: random() })
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 })
    const r = await study.runTrial((t) => t.suggestInt('x', 0, 1))
    expect(r.failReason).toMatch(/different distribution kind/)
  })

  it('supports conditional search spaces', async () => {
    const study = await Study.create({ sampler: random(3) })
    await study.optimize((t) => {
      const kind = t.suggestCategorical('kind', ['uniform', 'quantile'])
      return kind === 'uniform' ? t.suggestInt('n_bins', 2, 20) : t.suggestFloat('q', 0.1, 0.9)
    }, { nTrials: 20 })
    for (const t of await study.getTrials()) {
      expect(Object.keys(t.params).sort()).toEqual(t.params.kind === 'uniform' ? ['kind', 'n_bins'] : ['kind', 'q'])
    }
  })

  it('runs enqueued trials first with their fixed params, once', async () => {
    const study = await Study.create({ sampler: random() })
    await study.enqueueTrial({ x: 0.25, k: 'b' }, { userAttrs: { source: 'baseline' } })
    await study.enqueueTrial({ x: 0.25, k: 'b' }, { skipIfExists: true })
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + (t.suggestCategorical('k', ['a', 'b']) === 'a' ? 0 : 1), { nTrials: 2 })
    const [first, second] = await study.getTrials()
    expect(first!.params).toEqual({ x: 0.25, k: 'b' })
    expect(first!.userAttrs).toEqual({ source: 'baseline' })
    expect(first!.values).toEqual([1.25])
    expect(second!.systemAttrs.fixed_params).toBeUndefined()
  })

  it('follows the direction and finds the Pareto front', async () => {
    const max = await Study.create({ direction: 'maximize', sampler: random() })
    await max.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20 })
    const values = (await max.getTrials()).map((t) => t.values![0]!)
    expect(await max.bestValue()).toBe(Math.max(...values))

    const mo = await Study.create({ directions: ['minimize', 'maximize'], sampler: random() })
    await mo.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1)
      return [x, x * x]
    }, { nTrials: 10 })
    expect(await mo.bestTrials()).toHaveLength(10) // every point trades one objective for the other
    await expect(mo.bestTrial()).rejects.toThrow(/multi-objective|single-objective/)
    await expect(Study.create({ direction: 'minimize', directions: ['minimize'] })).rejects.toThrow(/only one/)
  })

  it('stores constraints as Optuna does and prefers feasible trials', async () => {
    const study = await Study.create({ sampler: random(1), constraintsFunc: (t) => [t.params.x as number - 0.5] })
    await study.optimize((t) => -(t.suggestFloat('x', 0, 1) as number), { nTrials: 30 })
    const trials = await study.getTrials()
    for (const t of trials) expect(t.systemAttrs.constraints).toEqual([(t.params.x as number) - 0.5])
    const best = await study.bestTrial()
    expect(best.params.x as number).toBeLessThanOrEqual(0.5)
    const infeasible = trials.filter((t) => (t.params.x as number) > 0.5)
    expect(infeasible.length).toBeGreaterThan(0)
  })

  it('keeps user attrs on studies and trials', async () => {
    const study = await Study.create({ studyName: 'attrs', sampler: random() })
    await study.setUserAttr('workspace', { file: 'ws.json' })
    await study.optimize((t) => {
      t.setUserAttr('z0', 3.2)
      return t.suggestFloat('x', 0, 1)
    }, { nTrials: 1 })
    expect(await study.userAttrs()).toEqual({ workspace: { file: 'ws.json' } })
    expect((await study.getTrials())[0]!.userAttrs).toEqual({ z0: 3.2 })
  })

  it('reports intermediate values and prunes with the median pruner', async () => {
    const study = await Study.create({ sampler: random(5), pruner: new MedianPruner({ nStartupTrials: 3 }) })
    let i = 0
    await study.optimize(async (t) => {
      const offset = i++ < 3 ? 0 : 10 // later trials are much worse at every step
      t.suggestFloat('x', 0, 1)
      for (let step = 0; step < 5; step++) {
        t.report(offset + step, step)
        if (await t.shouldPrune()) throw new TrialPruned()
      }
      return offset
    }, { nTrials: 5 })
    const trials = await study.getTrials()
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'PRUNED'])
    expect([...trials[3]!.intermediateValues.keys()]).toEqual([0])
  })

  it('fails stale RUNNING trials after the grace period when heartbeats are on', async () => {
    const study = await Study.create({ sampler: random(), heartbeatInterval: 0.2, gracePeriod: 0.3 })
    const abandoned = await study.ask() // a worker that died: no more heartbeats
    await new Promise((r) => setTimeout(r, 500))
    await study.ask()
    const states = (await study.getTrials()).map((t) => t.state)
    expect(states).toEqual(['FAIL', 'RUNNING'])
    expect(abandoned.number).toBe(0)
  })

  it('retries a stale trial with the same params, up to maxRetry times', async () => {
    const study = await Study.create({
      sampler: random(),
      heartbeatInterval: 0.1,
      gracePeriod: 0.15,
      staleTrialCallback: retryFailedTrial({ maxRetry: 1 }),
    })
    const first = await study.ask()
    const x = first.suggestFloat('x', 0, 1)
    first.setUserAttr('note', 'worker died')
    await first.flush()
    await new Promise((r) => setTimeout(r, 250))
    const retry = await study.ask() // fails trial 0 and pops its retry
    expect(retry.suggestFloat('x', 0, 1)).toBe(x)
    expect(retry.frozen.systemAttrs).toMatchObject({ failed_trial: 0, retry_history: [0] })
    expect(retry.userAttrs).toEqual({ note: 'worker died' })
    await new Promise((r) => setTimeout(r, 250))
    const fresh = await study.ask() // the retry died too: maxRetry reached, so a new trial
    expect(fresh.frozen.systemAttrs.retry_history).toBeUndefined()
    expect((await study.getTrials()).map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'RUNNING'])
  })
})

describe('study summaries', () => {
  it('lists studies with their progress and deletes them', async () => {
    const { InMemoryStorage } = await import('../../../main/study/storage/memory.js')
    const { studySummaries, deleteStudy } = await import('../../../main/study/study.js')
    const storage = new InMemoryStorage()
    const so = await Study.create({ storage, studyName: 'so', sampler: random() })
    await so.optimize((t) => t.suggestFloat('x', 2, 3), { nTrials: 4 })
    const mo = await Study.create({ storage, studyName: 'mo', directions: ['minimize', 'maximize'], sampler: random() })
    await mo.optimize((t) => {
      const x = t.suggestFloat('x', 0, 1)
      return [x, x]
    }, { nTrials: 3 })
    await Study.create({ storage, studyName: 'empty' })
    const summaries = await studySummaries(storage)
    expect(summaries.map((s) => [s.studyName, s.nTrials, s.nParetoTrials])).toEqual([['so', 4, null], ['mo', 3, 3], ['empty', 0, null]])
    expect(summaries[0]!.bestValue).toBe(await so.bestValue())
    expect(summaries[2]!.bestValue).toBeNull()
    await deleteStudy(storage, 'so')
    expect((await studySummaries(storage)).map((s) => s.studyName)).toEqual(['mo', 'empty'])
  })
})

describe('refused writes', () => {
  it('fails the trial when storage refuses its params, and the study goes on', async () => {
    const storage = new (await import('../../../main/study/storage/memory.js')).InMemoryStorage()
    const a = await Study.create({ storage, studyName: 's', sampler: random() })
    const b = await Study.load({ storage, studyName: 's', sampler: random(1) })
    const ta = await a.ask()
    const tb = await b.ask() // asked before `a` stored x, so b's own check cannot see it
    ta.suggestFloat('x', 0, 1)
    await a.tell(ta, 1)
    tb.suggestInt('x', 0, 1) // another kind for the same name: storage refuses it
    const told = await b.tell(tb, 1)
    expect(told.trial.state).toBe('FAIL')
    expect(told.failReason).toMatch(/different distribution kind/)
    await b.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 })
    expect((await b.getTrials()).map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'COMPLETE'])
  })
})

describe('constraints formats', () => {
  it("reads Optuna 4's list and Optuna 5's named constraints", async () => {
    const { trialConstraints, isFeasible } = await import('../../../main/study/frozen-trial.js')
    const base = { trialId: 1, number: 0, state: 'COMPLETE' as const, values: [0], datetimeStart: null, datetimeComplete: null, params: {}, distributions: {}, userAttrs: {}, intermediateValues: new Map() }
    expect(trialConstraints({ ...base, systemAttrs: {} })).toBeNull()
    expect(trialConstraints({ ...base, systemAttrs: { constraints: [-1, 0.5] } })).toEqual([-1, 0.5])
    const named = { ...base, systemAttrs: { 'constraints:mass': -2, 'constraints:width': 0 } }
    expect(trialConstraints(named)).toEqual([-2, 0])
    expect(isFeasible(named)).toBe(true)
    expect(isFeasible({ ...base, systemAttrs: { 'constraints:mass': 0.1 } })).toBe(false)
  })
})
