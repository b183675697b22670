import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { HistuneEvent, StudyProgress } from '../../../preload/api'
import { StudioSession } from '../../../main/services/studio'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/study.yaml')
const ntuples = join(root, 'resources/examples/ntuples/study.yaml')
const equal = (lo: number, hi: number, n: number): number[] => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n)

describe('the studio session', () => {
  const events: HistuneEvent[] = []
  let session: StudioSession
  const make = (): StudioSession => (session = new StudioSession((e) => events.push(e)))
  afterEach(async () => {
    events.length = 0
    await session?.dispose()
  })

  it('loads a study config with its search space and fine histograms', async () => {
    const setup = await make().loadConfigFile(tutorial)
    expect(setup.name).toBe('tutorial')
    expect(setup.space.map((p) => p.name)).toEqual(['n_bins', 'lo', 'hi'])
    expect(setup.objectiveNames).toEqual(['z0'])
    const sr = setup.channels[0]!
    expect(sr.name).toBe('SR')
    expect(sr.edges).toHaveLength(201)
    // The fine histograms integrate the densities: totals as the tutorial's integrals over [0, 1].
    expect(sr.signal.reduce((a, b) => a + b, 0)).toBeCloseTo(10.0265131, 6)
    expect(sr.background.reduce((a, b) => a + b, 0)).toBeCloseTo(86.4664717, 6)
    expect(setup.initialEdges.SR).toEqual(equal(0, 1, 10))
    expect(events.map((e) => e.type)).toEqual(['study-setup'])
  })

  it('scores a binning as the baselines do, and the latest of queued requests wins', async () => {
    make()
    await session.loadConfigFile(tutorial)
    const baselines = await session.baselines()
    const evaluation = await session.evaluate({ SR: equal(0, 1, 10) })
    expect(evaluation.objectiveNames).toEqual(['z0'])
    expect(evaluation.values[0]).toBeCloseTo(baselines.equal_width_10!.value, 12)
    expect(evaluation.bins.SR).toHaveLength(10)
    expect(evaluation.feasible).toBe(true)

    const first = session.evaluate({ SR: equal(0, 1, 5) })
    const stale = session.evaluate({ SR: equal(0, 1, 6) })
    const latest = session.evaluate({ SR: equal(0, 1, 7) })
    await expect(stale).rejects.toMatchObject({ code: 'E_CANCELLED' })
    expect((await first).bins.SR).toHaveLength(5)
    expect((await latest).bins.SR).toHaveLength(7)
  })

  it('marks the bins that break a constraint', async () => {
    make()
    const setup = await session.loadConfigFile(ntuples)
    const [lo, hi] = setup.channels[0]!.range
    const evaluation = await session.evaluate({ SR: equal(lo, hi, 40) })
    expect(evaluation.feasible).toBe(false)
    const broken = evaluation.bins.SR!.filter((b) => b.violations.length > 0)
    expect(broken.length).toBeGreaterThan(0)
    for (const b of broken) {
      const why = b.violations
      expect(why.some((v) => ['min_background', 'max_mc_rel_error', 'positive_background'].includes(v))).toBe(true)
      if (why.includes('min_background')) expect(b.background).toBeLessThan(5)
    }
  })

  it('runs a study, streams trials in batches and reports progress', async () => {
    make()
    await session.loadConfigFile(tutorial)
    const done = new Promise<StudyProgress>((resolve) => {
      const check = setInterval(() => {
        const last = events.filter((e) => e.type === 'study-progress').pop()
        if (last?.type === 'study-progress' && last.progress.state === 'finished') {
          clearInterval(check)
          resolve(last.progress)
        }
      }, 20)
    })
    const started = await session.start({ trials: 30, seed: 3 })
    expect(started.state).toBe('running')
    const progress = await done
    expect(progress).toMatchObject({ nTrials: 30, finished: 30, nComplete: 30, nFail: 0 })
    expect(progress.bestValue).toBeGreaterThan(1.9)
    const streamed = events.flatMap((e) => (e.type === 'trials' ? e.trials : []))
    expect(streamed.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    // Batched: far fewer messages than trials.
    expect(events.filter((e) => e.type === 'trials').length).toBeLessThan(30)
    const best = streamed.find((t) => t.number === progress.bestTrial)!
    expect(best.values![0]).toBe(progress.bestValue)
    expect(best.edges!.SR!.length).toBeGreaterThan(3)
    expect(await session.trials()).toHaveLength(30)

    const workspace = JSON.parse(session.exportWorkspace(best.edges!)) as { channels: { samples: { data: number[] }[] }[] }
    expect(workspace.channels[0]!.samples[0]!.data).toHaveLength(best.edges!.SR!.length - 1)
  })

  it('pauses, resumes and cancels a running study', async () => {
    make()
    await session.loadConfigFile(tutorial)
    await session.start({ trials: 100000 })
    expect(session.pause().state).toBe('paused')
    expect(session.resume().state).toBe('running')
    session.cancel()
    await expect.poll(() => events.some((e) => e.type === 'study-progress' && e.progress.state === 'cancelled'), { timeout: 10_000 }).toBe(true)
    expect(() => session.pause()).toThrow(/no study is running/)
  })

  it('runs a Python builder study: its keyword arguments as the space, no edges to preview', async () => {
    make()
    const setup = await session.loadConfigFile(join(root, 'resources/examples/python/study.yaml'))
    expect(setup.builder).toEqual({ file: 'builder.py', function: 'build_workspace' })
    expect(setup.channels).toEqual([])
    expect(setup.space.map((p) => p.name)).toEqual(['n_bins', 'lo', 'hi'])
    await expect(session.evaluate({ SR: [0, 1] })).rejects.toThrow(/Python builder/)
    await session.start({ trials: 4, seed: 1 })
    await expect.poll(() => events.some((e) => e.type === 'study-progress' && e.progress.state === 'finished'), { timeout: 60_000 }).toBe(true)
    const trials = await session.trials()
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE'])
    for (const t of trials) expect(t.values![0]).toBeGreaterThan(0.5)
  })

  it('refuses requests before a config is loaded', async () => {
    make()
    expect(() => session.evaluate({ SR: [0, 1] })).toThrow(/no study config is loaded/)
    await expect(session.start({})).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
  })
})
