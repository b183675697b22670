import { describe, expect, it } from 'vitest'
import { StudyRunner, type RunnerState, type TrialFinishedEvent } from '../../../main/study/runner.js'
import { GridSampler } from '../../../main/study/samplers/grid.js'
import { TPESampler } from '../../../main/study/samplers/tpe.js'
import { Study } from '../../../main/study/study.js'
import { TrialPruned } from '../../../main/study/trial.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('StudyRunner', () => {
  it('keeps N evaluations in flight and emits each finished trial', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 0, nStartupTrials: 4 }) })
    let inFlight = 0
    let maxInFlight = 0
    const runner = new StudyRunner(study, async (t) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const x = t.suggestFloat('x', -2, 2)
      await sleep(5)
      inFlight--
      if (t.number === 3) throw new Error('engine error')
      if (t.number === 4) throw new TrialPruned()
      return x * x
    }, { nTrials: 16, concurrency: 4 })
    const events: TrialFinishedEvent[] = []
    const states: RunnerState[] = []
    runner.on('trial', (e) => events.push(e))
    runner.on('state', (s) => states.push(s))
    const summary = await runner.run()
    expect(maxInFlight).toBe(4)
    expect(summary).toEqual({ state: 'finished', nComplete: 14, nPruned: 1, nFail: 1 })
    expect(events).toHaveLength(16)
    expect(events.map((e) => e.finished)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
    expect(events.find((e) => e.trial.number === 3)?.failReason).toBe('engine error')
    expect(states).toEqual(['running', 'finished'])
    const numbers = (await study.getTrials()).map((t) => t.number)
    expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => i))
  })

  it('spreads parallel suggestions with the constant liar', async () => {
    // Eight trials asked before any is told, after 20 finished ones: RUNNING trials count as bad
    // with the liar, so the batch spreads out instead of piling onto the current optimum.
    const spread = async (constantLiar: boolean) => {
      let total = 0
      for (let seed = 0; seed < 10; seed++) {
        const study = await Study.create({ sampler: new TPESampler({ seed, constantLiar }) })
        await study.optimize((t) => (t.suggestFloat('x', 0, 1) - 0.3) ** 2, { nTrials: 20 })
        const batch: number[] = []
        for (let i = 0; i < 8; i++) batch.push((await study.ask()).suggestFloat('x', 0, 1))
        const mean = batch.reduce((a, b) => a + b) / batch.length
        total += Math.sqrt(batch.reduce((a, b) => a + (b - mean) ** 2, 0) / batch.length)
      }
      return total / 10
    }
    expect(await spread(true)).toBeGreaterThan(1.3 * (await spread(false)))
  })

  it('pauses (running trials finish, none start) and resumes', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 2 }) })
    let started = 0
    const runner = new StudyRunner(study, async (t) => {
      started++
      await sleep(20)
      return t.suggestFloat('x', 0, 1)
    }, { nTrials: 6, concurrency: 2 })
    const done = runner.run()
    await sleep(5)
    runner.pause()
    expect(runner.state).toBe('paused')
    await sleep(80)
    const whilePaused = started
    expect(whilePaused).toBe(2)
    expect((await study.getTrials(['COMPLETE'])).length).toBe(2)
    runner.resume()
    expect((await done).nComplete).toBe(6)
  })

  it('cancels: running trials are aborted and marked FAIL, no new ones start', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 3 }) })
    const runner = new StudyRunner(study, (t, { signal }) => {
      t.suggestFloat('x', 0, 1)
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => resolve(1), 10_000)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          reject(signal.reason)
        })
      })
    }, { concurrency: 3 })
    const failures: (string | undefined)[] = []
    runner.on('trial', (e) => failures.push(e.failReason))
    const done = runner.run()
    await sleep(20)
    runner.cancel()
    const summary = await done
    expect(summary).toEqual({ state: 'cancelled', nComplete: 0, nPruned: 0, nFail: 3 })
    expect(failures).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(runner.state).toBe('cancelled')
    expect((await study.getTrials()).every((t) => t.state === 'FAIL')).toBe(true)
  })

  it('ends when the sampler stops the study or the timeout passes', async () => {
    const grid = await Study.create({ sampler: new GridSampler({ x: [1, 2, 3] }) })
    const s1 = await new StudyRunner(grid, (t) => t.suggestInt('x', 0, 5), { concurrency: 2 }).run()
    expect(s1.nComplete).toBeGreaterThanOrEqual(3)
    expect(s1.nComplete).toBeLessThanOrEqual(4) // a second worker may have asked before the stop

    const timed = await Study.create({ sampler: new TPESampler({ seed: 0 }) })
    const t0 = Date.now()
    await new StudyRunner(timed, async (t) => (await sleep(10), t.suggestFloat('x', 0, 1)), { timeout: 0.1 }).run()
    expect(Date.now() - t0).toBeLessThan(5000) // without the timeout it would never end; the bound allows a loaded machine
    expect((await timed.getTrials()).length).toBeGreaterThan(2)
  })

  it('lets timers run and pause take effect while a synchronous objective runs on in-memory storage', async () => {
    const study = await Study.create({ sampler: new TPESampler({ seed: 1 }) })
    const runner = new StudyRunner(study, (t) => {
      const x = t.suggestFloat('x', -2, 2)
      const until = performance.now() + 1
      while (performance.now() < until); // a millisecond of blocking work, as a native fit would be
      return x * x
    }, { nTrials: 400 })
    let ticks = 0
    const timer = setInterval(() => {
      ticks++
      if (ticks === 3) runner.pause()
    }, 5)
    let finished = 0
    let finishedAtPause = -1
    runner.on('trial', () => finished++)
    runner.on('state', (s) => {
      if (s === 'paused') finishedAtPause = finished
    })
    const done = runner.run()
    while (runner.state !== 'paused') await sleep(5)
    await sleep(50)
    expect(finishedAtPause).toBeGreaterThan(0)
    expect(finishedAtPause).toBeLessThan(400)
    expect(finished).toBeLessThanOrEqual(finishedAtPause + 1)
    runner.resume()
    const summary = await done
    clearInterval(timer)
    expect(summary.nComplete).toBe(400)
    expect(ticks).toBeGreaterThan(3)
  })

  it('validates its options', async () => {
    const study = await Study.create()
    expect(() => new StudyRunner(study, () => 0, { concurrency: 0 })).toThrow(/concurrency/)
    expect(() => new StudyRunner(study, () => 0, { nTrials: -1 })).toThrow(/nTrials/)
  })
})

describe('StudyRunner storage failures', () => {
  it('stops and rejects with the error when storage fails (objective errors only FAIL trials)', async () => {
    const { InMemoryStorage } = await import('../../../main/study/storage/memory.js')
    class FlakyStorage extends InMemoryStorage {
      calls = 0
      override async createNewTrial(studyId: number) {
        if (++this.calls > 3) throw new Error('disk full')
        return super.createNewTrial(studyId)
      }
    }
    const study = await Study.create({ storage: new FlakyStorage(), sampler: new TPESampler({ seed: 0 }) })
    const runner = new StudyRunner(study, (t) => t.suggestFloat('x', 0, 1), { nTrials: 10 })
    const errors: unknown[] = []
    runner.on('error', (e) => errors.push(e))
    await expect(runner.run()).rejects.toThrow('disk full')
    expect(runner.state).toBe('failed')
    expect(errors).toHaveLength(1)
    expect((await study.getTrials()).map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE'])
  })
})
