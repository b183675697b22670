// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { BinningEvaluation } from '../../../preload/api'
import { FakeHistuneApi, evaluateFromSetup, studyProgress, trialRecord } from './fixtures'
import { renderStudio } from './render'

afterEach(cleanup)

async function renderBinning(api = new FakeHistuneApi()) {
  const studio = renderStudio(api)
  await act(() => studio.store.getState().loadStudyConfigText('study: {}', 'study.yaml'))
  await waitFor(() => expect(screen.getByTestId('objective-value')).toBeTruthy())
  return studio
}

function evaluationWith(api: FakeHistuneApi, z0: number): BinningEvaluation {
  const evaluation = evaluateFromSetup(api.setup, api.setup.initialEdges)
  return { ...evaluation, values: [z0], metrics: { ...evaluation.metrics, z0 } }
}

describe('binning view', () => {
  it('offers the study drop zone until a config is loaded', () => {
    renderStudio()
    fireEvent.click(screen.getByTestId('tab-binning'))
    expect(screen.getByTestId('study-drop-zone').textContent).toContain('Drop a study config (study.yaml) here')
    expect(screen.getByTestId('tab-binning').getAttribute('aria-selected')).toBe('true')
  })

  it('names a broken study config and where it breaks', async () => {
    const api = new FakeHistuneApi()
    api.studyFailure = {
      code: 'E_SCHEMA',
      message: 'unknown name "y" (at character 16)',
      file: 'study.yaml',
      line: 17,
      path: 'model.samples[1].density',
    }
    const { store } = renderStudio(api)
    await act(() => store.getState().loadStudyConfigText('model: {}', 'study.yaml'))
    const panel = screen.getByTestId('error-panel')
    expect(within(panel).getByRole('heading').textContent).toBe('Not a valid study config')
    expect(screen.getByTestId('error-path').textContent).toBe('model.samples[1].density')
    expect(screen.getByTestId('error-line').textContent).toBe('17')
    expect(screen.getByTestId('study-drop-zone')).toBeTruthy()
  })

  it('switches views with Ctrl+1 and Ctrl+2', async () => {
    await renderBinning()
    fireEvent.keyDown(window, { key: '1', ctrlKey: true })
    expect(screen.getByTestId('tab-workspace').getAttribute('aria-selected')).toBe('true')
    expect(screen.queryByTestId('binning-view')).toBeNull()
    fireEvent.keyDown(window, { key: '2', metaKey: true })
    expect(screen.getByTestId('binning-view')).toBeTruthy()
  })

  it('shows the score with its change from the previous binning', async () => {
    const api = new FakeHistuneApi()
    api.evaluate = async () => evaluationWith(api, 1.9289)
    const { store } = await renderBinning(api)
    expect(screen.getByTestId('objective-value').textContent).toBe('1.9289')
    expect(screen.queryByTestId('objective-delta')).toBeNull()
    expect(screen.getByTestId('feasibility').textContent).toBe('Feasible')

    api.evaluate = async () => evaluationWith(api, 1.9421)
    act(() => store.getState().moveEdge('SR', 1, 0.3))
    await waitFor(() => expect(screen.getByTestId('objective-value').textContent).toBe('1.9421'))
    const delta = screen.getByTestId('objective-delta')
    expect(delta.textContent).toBe('▲ +0.0132')
    expect(delta.className).toContain('delta-better')

    api.evaluate = async () => evaluationWith(api, 1.9)
    act(() => store.getState().moveEdge('SR', 1, 0.32))
    await waitFor(() => expect(screen.getByTestId('objective-delta').textContent).toBe('▼ −0.0421'))
    expect(screen.getByTestId('objective-delta').className).toContain('delta-worse')
  })

  it('marks an infeasible binning and names the broken constraint', async () => {
    const api = new FakeHistuneApi()
    const { store } = await renderBinning(api)
    act(() => store.getState().setPreviewEdges({ SR: [0, 0.45, 0.5, 0.55, 1] }, { kind: 'edited' }))
    await waitFor(() => expect(screen.getByTestId('feasibility').textContent).toBe('Infeasible: min_background'))
    expect(screen.getByTestId('violations-note').textContent).toContain('min_background broken in bins 2, 3')
  })

  it('publishes the previewed edges and bin count', async () => {
    const { store } = await renderBinning()
    const preview = screen.getByTestId('binning-preview')
    expect(JSON.parse(preview.dataset.edges ?? '{}')).toEqual({ SR: [0, 0.25, 0.5, 0.75, 1] })
    act(() => store.getState().removeEdge('SR', 2))
    expect(JSON.parse(screen.getByTestId('binning-preview').dataset.edges ?? '{}')).toEqual({ SR: [0, 0.25, 0.75, 1] })
    expect(screen.getByTestId('bin-count').textContent).toBe('3 bins')
  })

  it('drives the study from the panel and shows its progress', async () => {
    const api = new FakeHistuneApi()
    const { store } = await renderBinning(api)
    const panel = screen.getByTestId('study-panel')
    fireEvent.change(within(panel).getByTestId('study-trials'), { target: { value: '50' } })
    fireEvent.change(within(panel).getByTestId('study-seed'), { target: { value: '' } })
    fireEvent.change(within(panel).getByTestId('study-workers'), { target: { value: '3' } })
    fireEvent.change(within(panel).getByTestId('study-sampler'), { target: { value: 'qmc' } })
    await act(async () => fireEvent.click(within(panel).getByTestId('study-start')))
    expect(api.callsTo('startStudy')).toEqual([[{ trials: 50, workers: 3, sampler: 'qmc' }]])
    expect((within(panel).getByTestId('study-trials') as HTMLInputElement).disabled).toBe(true)

    act(() =>
      store.getState().handleEvent({
        type: 'study-progress',
        progress: studyProgress({ nTrials: 50, finished: 20, nComplete: 20, trialsPerSecond: 10, bestValue: 1.95, bestTrial: 12 }),
      }),
    )
    expect(screen.getByTestId('study-count').textContent).toBe('20 / 50 trials')
    expect(screen.getByTestId('trials-per-second').textContent).toBe('10.0 trials/s')
    expect(screen.getByTestId('time-left').textContent).toBe('3 s left')
    expect(screen.getByRole('progressbar', { name: 'Trials finished' }).getAttribute('aria-valuenow')).toBe('20')

    await act(async () => fireEvent.click(within(panel).getByTestId('study-pause')))
    expect(api.callsTo('pauseStudy')).toHaveLength(1)
    await act(async () => fireEvent.click(within(panel).getByTestId('study-resume')))
    expect(api.callsTo('resumeStudy')).toHaveLength(1)
    await act(async () => fireEvent.click(within(panel).getByTestId('study-cancel')))
    expect(api.callsTo('cancelStudy')).toHaveLength(1)
    expect(screen.getByTestId('study-state').textContent).toBe('Cancelled')
  })

  it('fills the trial table from streamed batches, and previews a clicked trial or the best', async () => {
    const api = new FakeHistuneApi()
    const { store } = await renderBinning(api)
    expect((screen.getByTestId('apply-best') as HTMLButtonElement).disabled).toBe(true)
    const trials = Array.from({ length: 150 }, (_, i) => trialRecord(i, 1 + i / 1000, { feasible: i !== 149 }))
    act(() => {
      store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: trials.slice(0, 75) })
      store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: trials.slice(75) })
    })
    await waitFor(() => expect(screen.getAllByTestId('trial-row').length).toBeGreaterThan(10))
    // Only the rows in view (and a few beyond) are drawn; spacers stand for the rest.
    expect(screen.getAllByTestId('trial-row').length).toBeLessThan(40)
    expect(screen.getByTestId('trials-shown').textContent).toBe('150')
    // Best first: trial 149 is infeasible, so 148 leads and carries the badge.
    const first = screen.getAllByTestId('trial-row')[0]!
    expect(first.dataset.trial).toBe('149')
    expect(screen.getByText('best').closest('tr')?.dataset.trial).toBe('148')

    fireEvent.click(screen.getAllByTestId('trial-row')[5]!)
    expect(store.getState().selectedTrial).toBe(144)
    expect(screen.getByTestId('preview-source').textContent).toBe('Trial #144')

    fireEvent.click(screen.getByTestId('apply-best'))
    expect(store.getState().previewEdges).toEqual(trials[148]!.edges)
    expect(screen.getByTestId('preview-source').textContent).toBe('Best trial #148')

    fireEvent.click(screen.getByRole('button', { name: /^#/ }))
    await waitFor(() => expect(screen.getAllByTestId('trial-row')[0]!.dataset.trial).toBe('149'))
    fireEvent.click(screen.getByRole('button', { name: /^#/ }))
    await waitFor(() => expect(screen.getAllByTestId('trial-row')[0]!.dataset.trial).toBe('0'))
  })

  it('shows both objectives of a Pareto study, the bin count as an integer, and the Pareto panel', async () => {
    const api = new FakeHistuneApi()
    api.setup = { ...api.setup, objectiveNames: ['z0', 'n_bins'], directions: ['maximize', 'minimize'] }
    await renderBinning(api)
    expect(screen.getByTestId('objective-value-n_bins').textContent).toBe('4')
    expect(screen.getByTestId('pareto-chart')).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Pareto front · Z0 vs Bins' })).toBeTruthy()
  })

  it('lists baselines and applies one', async () => {
    const api = new FakeHistuneApi()
    const { store } = await renderBinning(api)
    await waitFor(() => expect(screen.getAllByTestId('baseline-row')).toHaveLength(3))
    expect(screen.getAllByTestId('baseline-row')[2]!.textContent).toContain('failed: no signal in range')
    fireEvent.click(screen.getByRole('button', { name: 'Apply baseline dp_optimum to the preview' }))
    expect(store.getState().previewEdges).toEqual({ SR: [0, 0.35, 0.45, 0.55, 0.65, 1] })
    expect(screen.getByTestId('preview-source').textContent).toBe('Baseline dp_optimum')
    fireEvent.click(screen.getByRole('checkbox', { name: 'Overlay the edges of equal_width_10' }))
    expect(store.getState().overlayBaseline).toBe('equal_width_10')
  })

  it('exports the workspace at the previewed edges', async () => {
    const api = new FakeHistuneApi()
    const { store } = await renderBinning(api)
    const created: Blob[] = []
    const createObjectURL = URL.createObjectURL
    const revokeObjectURL = URL.revokeObjectURL
    URL.createObjectURL = (blob: Blob) => {
      created.push(blob)
      return 'blob:histune/1'
    }
    URL.revokeObjectURL = () => undefined
    try {
      act(() => store.getState().applyBaseline('dp_optimum'))
      await act(async () => fireEvent.click(screen.getByTestId('export-workspace')))
      expect(api.callsTo('exportWorkspace')).toEqual([[{ SR: [0, 0.35, 0.45, 0.55, 0.65, 1] }]])
      expect(created).toHaveLength(1)
      expect(created[0]!.type).toBe('application/json')
    } finally {
      URL.createObjectURL = createObjectURL
      URL.revokeObjectURL = revokeObjectURL
    }
  })
})
