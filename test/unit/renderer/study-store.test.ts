// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import type { BinningEvaluation, ChannelEdges, StudyProgress } from '../../../preload/api'
import { createStudioStore, isStudyConfig } from '../../../renderer/src/store/studio'
import {
  FakeHistuneApi,
  deferred,
  evaluateFromSetup,
  studyProgress,
  trialRecord,
  tutorialSetup,
  workspaceFile,
} from './fixtures'

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A store whose animation frames run only when the test says so. */
function studioWithFrames(api = new FakeHistuneApi()) {
  const frames: (() => void)[] = []
  const store = createStudioStore(api, 'serve', { scheduleFrame: (callback) => frames.push(callback) })
  const runFrame = async () => {
    const pending = frames.splice(0)
    for (const callback of pending) callback()
    await flush()
  }
  return { api, store, runFrame, frames }
}

async function loaded(api = new FakeHistuneApi()) {
  const studio = studioWithFrames(api)
  await studio.store.getState().loadStudyConfigText('study: {}', 'study.yaml')
  await studio.runFrame()
  return studio
}

describe('study store', () => {
  it('loads a study config, switches to Binning, scores the initial edges and fetches the baselines', async () => {
    const { api, store } = await loaded()
    const state = store.getState()
    expect(api.callsTo('loadStudyConfigText')).toEqual([['study: {}', 'study.yaml']])
    expect(state.view).toBe('binning')
    expect(state.binningChannel).toBe('SR')
    expect(state.previewEdges).toEqual({ SR: [0, 0.25, 0.5, 0.75, 1] })
    expect(api.callsTo('evaluateBinning')).toEqual([[{ SR: [0, 0.25, 0.5, 0.75, 1] }]])
    expect(state.evaluation?.values[0]).toBeCloseTo(evaluateFromSetup(api.setup, state.previewEdges).values[0] as number)
    expect(api.callsTo('studyBaselines')).toHaveLength(1)
    expect(Object.keys(state.baselines ?? {})).toContain('dp_optimum')
    expect(state.studyOptions).toMatchObject({ trials: 200, seed: 42, sampler: 'tpe' })
  })

  it('shows a study the backend announces, but not twice the one it is loading for this window', async () => {
    const { api, store, runFrame } = await loaded()
    store.getState().handleEvent({ type: 'study-setup', setup: tutorialSetup() })
    await runFrame()
    expect(api.callsTo('evaluateBinning')).toHaveLength(1)
    expect(api.callsTo('studyBaselines')).toHaveLength(1)

    const opened = { ...tutorialSetup(), name: 'opened-from-the-menu' }
    store.getState().handleEvent({ type: 'study-setup', setup: opened })
    await runFrame()
    expect(store.getState().setup?.name).toBe('opened-from-the-menu')
    expect(api.callsTo('studyBaselines')).toHaveLength(2)
  })

  it('sends one evaluation per frame with the latest edges, however many moves came before', async () => {
    const { api, store, runFrame } = await loaded()
    const before = api.callsTo('evaluateBinning').length
    store.getState().moveEdge('SR', 1, 0.3)
    store.getState().moveEdge('SR', 1, 0.35)
    store.getState().moveEdge('SR', 1, 0.4)
    expect(api.callsTo('evaluateBinning')).toHaveLength(before)
    await runFrame()
    expect(api.callsTo('evaluateBinning').slice(before)).toEqual([[{ SR: [0, 0.4, 0.5, 0.75, 1] }]])
    expect(store.getState().previewSource).toEqual({ kind: 'edited' })
  })

  it('keeps one request in flight and sends only the latest edges when it settles', async () => {
    const { api, store, runFrame } = await loaded()
    const answers: { edges: ChannelEdges; reply: ReturnType<typeof deferred<BinningEvaluation>> }[] = []
    api.evaluate = (edges) => {
      const reply = deferred<BinningEvaluation>()
      answers.push({ edges, reply })
      return reply.promise
    }
    store.getState().moveEdge('SR', 1, 0.3)
    await runFrame()
    expect(answers).toHaveLength(1)
    store.getState().moveEdge('SR', 1, 0.35)
    await runFrame()
    store.getState().moveEdge('SR', 1, 0.4)
    await runFrame()
    expect(answers).toHaveLength(1)

    answers[0]!.reply.resolve(evaluateFromSetup(api.setup, answers[0]!.edges))
    await flush()
    expect(answers).toHaveLength(2)
    expect(answers[1]!.edges).toEqual({ SR: [0, 0.4, 0.5, 0.75, 1] })
    answers[1]!.reply.resolve(evaluateFromSetup(api.setup, answers[1]!.edges))
    await flush()
    expect(store.getState().evaluation?.edges).toEqual({ SR: [0, 0.4, 0.5, 0.75, 1] })
    expect(store.getState().previousEvaluation?.edges).toEqual({ SR: [0, 0.3, 0.5, 0.75, 1] })
  })

  it('keeps the score of the shown edges when an edit is undone while it is being scored', async () => {
    const { api, store, runFrame } = await loaded()
    const initial = store.getState().evaluation
    const pending = deferred<BinningEvaluation>()
    api.evaluate = () => pending.promise
    store.getState().addEdge('SR', 0.6)
    await runFrame()
    expect(api.callsTo('evaluateBinning')).toHaveLength(2)
    store.getState().removeEdge('SR', 3)
    await runFrame()
    expect(store.getState().evaluation).toBe(initial)

    pending.resolve(evaluateFromSetup(api.setup, { SR: [0, 0.25, 0.5, 0.6, 0.75, 1] }))
    await flush()
    expect(store.getState().evaluation).toBe(initial)
    // The undone edit's edges were scored already: nothing more is sent.
    expect(api.callsTo('evaluateBinning')).toHaveLength(2)
  })

  it('scores a newly loaded study even while the previous study’s evaluation is still out', async () => {
    const { api, store, runFrame } = await loaded()
    const slow = deferred<BinningEvaluation>()
    api.evaluate = () => slow.promise
    store.getState().moveEdge('SR', 1, 0.3)
    await runFrame()
    api.evaluate = async (edges) => evaluateFromSetup(api.setup, edges)
    await store.getState().loadStudyConfigText('study: {}', 'other.yaml')
    await runFrame()
    slow.resolve(evaluateFromSetup(api.setup, { SR: [0, 0.3, 0.5, 0.75, 1] }))
    await flush()
    await flush()
    expect(store.getState().evaluation?.edges).toEqual({ SR: [0, 0.25, 0.5, 0.75, 1] })
    expect(api.callsTo('evaluateBinning').at(-1)).toEqual([{ SR: [0, 0.25, 0.5, 0.75, 1] }])
  })

  it('ignores a superseded (E_CANCELLED) evaluation but shows other failures', async () => {
    const { api, store, runFrame } = await loaded()
    const shown = store.getState().evaluation
    api.evaluate = () => Promise.reject({ code: 'E_CANCELLED', message: 'superseded' })
    store.getState().moveEdge('SR', 1, 0.3)
    await runFrame()
    expect(store.getState().evaluationError).toBeNull()
    expect(store.getState().evaluation).toBe(shown)

    api.evaluate = () => Promise.reject({ code: 'E_ENGINE', message: 'fit did not converge' })
    store.getState().moveEdge('SR', 1, 0.32)
    await runFrame()
    expect(store.getState().evaluationError).toEqual({ code: 'E_ENGINE', message: 'fit did not converge' })
  })

  it('adds, snaps and removes edges, selecting the new edge', async () => {
    const api = new FakeHistuneApi()
    api.setup = tutorialSetup({ grid: true })
    const { store } = await loaded(api)
    store.getState().addEdge('SR', 0.62)
    expect(store.getState().previewEdges.SR).toEqual([0, 0.25, 0.5, 0.6, 0.75, 1])
    expect(store.getState().selectedEdge).toEqual({ channel: 'SR', index: 3 })
    store.getState().moveEdge('SR', 3, 0.68)
    expect(store.getState().previewEdges.SR).toEqual([0, 0.25, 0.5, 0.7, 0.75, 1])
    store.getState().removeEdge('SR', 3)
    expect(store.getState().previewEdges.SR).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(store.getState().selectedEdge).toEqual({ channel: 'SR', index: 3 })
  })

  it('applies a baseline and a trial to the preview', async () => {
    const { store } = await loaded()
    store.getState().applyBaseline('dp_optimum')
    expect(store.getState().previewEdges).toEqual({ SR: [0, 0.35, 0.45, 0.55, 0.65, 1] })
    expect(store.getState().previewSource).toEqual({ kind: 'baseline', name: 'dp_optimum' })
    store.getState().applyBaseline('flat_signal')
    expect(store.getState().previewSource).toEqual({ kind: 'baseline', name: 'dp_optimum' })

    store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(0, 1.2), trialRecord(1, 1.6)] })
    store.getState().previewTrial(0)
    expect(store.getState().previewEdges).toEqual({ SR: [0, 0.3, 0.7, 1] })
    expect(store.getState().selectedTrial).toBe(0)
    store.getState().applyBestTrial()
    expect(store.getState().previewEdges).toEqual({ SR: [0, 0.301, 0.7, 1] })
    expect(store.getState().previewSource).toEqual({ kind: 'trial', number: 1, best: true })
  })

  it('collects streamed trials batch by batch and tracks the best', async () => {
    const { store } = await loaded()
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => trialRecord(b * 100 + i, Math.sin(b * 100 + i) + 1, { feasible: i % 7 !== 0 })),
    )
    const seen = new Set<unknown>()
    const unsubscribe = store.subscribe((s) => seen.add(s.trialLog))
    for (const trials of batches) store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials })
    unsubscribe()
    const { trialLog, bestTrial } = store.getState()
    expect(trialLog.list).toHaveLength(2000)
    expect(seen.size).toBe(20)
    const best = batches.flat().filter((t) => t.feasible).reduce((a, b) => ((b.values![0]! > a.values![0]!) ? b : a))
    expect(bestTrial?.number).toBe(best.number)
  })

  it('starts a study with the chosen options and clears the previous trials', async () => {
    const { api, store } = await loaded()
    store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(0, 1.2)] })
    store.getState().setStudyOptions({ trials: 50, seed: 7, workers: 4, sampler: 'random' })
    await store.getState().startStudy()
    expect(api.callsTo('startStudy')).toEqual([[{ trials: 50, seed: 7, workers: 4, sampler: 'random' }]])
    expect(store.getState().trialLog.list).toHaveLength(0)
    expect(store.getState().progress?.state).toBe('running')

    store.getState().setStudyOptions({ seed: null })
    await store.getState().startStudy()
    expect(api.callsTo('startStudy')[1]).toEqual([{ trials: 50, workers: 4, sampler: 'random' }])

    store.getState().handleEvent({ type: 'study-progress', progress: studyProgress({ finished: 20, nTrials: 50 }) })
    expect(store.getState().progress?.finished).toBe(20)

    store.getState().handleEvent({ type: 'trials', studyName: 'an-older-study', trials: [trialRecord(5, 3)] })
    store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(6, 1.1)] })
    expect(store.getState().trialLog.list.map((t) => t.number)).toEqual([6])
  })

  it('keeps the end of a fast study reported before the reply to its start', async () => {
    const { api, store } = await loaded()
    const reply = deferred<StudyProgress>()
    api.startStudy = async () => reply.promise
    const started = store.getState().startStudy()
    store.getState().handleEvent({
      type: 'study-progress',
      progress: studyProgress({ state: 'finished', nTrials: 50, finished: 50, nComplete: 50 }),
    })
    reply.resolve(studyProgress({ state: 'running', nTrials: 50, finished: 0 }))
    await started
    expect(store.getState().progress).toMatchObject({ state: 'finished', finished: 50 })
    expect(store.getState().studyRequestPending).toBe(false)
  })

  it('routes a dropped file by name and content', async () => {
    const { api, store } = studioWithFrames()
    await store.getState().loadDroppedFile(workspaceFile('study:\n  name: x\n', 'study.yml'))
    expect(api.callsTo('loadStudyConfigText')).toHaveLength(1)
    const studyJson = JSON.stringify({ model: { kind: 'shapes' }, binning: { space: 'uniform' } })
    await store.getState().loadDroppedFile(workspaceFile(studyJson, 'study.json'))
    expect(api.callsTo('loadStudyConfigText')[1]).toEqual([studyJson, 'study.json'])
    await store.getState().loadDroppedFile(workspaceFile('{"channels": []}', 'workspace.json'))
    expect(api.callsTo('loadWorkspaceText')).toEqual([['{"channels": []}', 'workspace.json']])
    expect(store.getState().view).toBe('workspace')
  })

  it('tells study configs from workspaces', () => {
    expect(isStudyConfig('a.yaml', '')).toBe(true)
    expect(isStudyConfig('a.JSON', '{"model": {}, "binning": {}}')).toBe(true)
    expect(isStudyConfig('a.json', '{"channels": [], "note": "model binning"}')).toBe(false)
    expect(isStudyConfig('a.json', '{"model": ')).toBe(false)
  })
})
