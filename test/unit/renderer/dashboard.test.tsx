// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { App } from '../../../renderer/src/App'
import { StudioProvider } from '../../../renderer/src/store/context'
import { createStudioStore, droppedKind, isPatchset } from '../../../renderer/src/store/studio'
import { FakeHistuneApi, studyProgress, trialRecord, workspaceFile } from './fixtures'

afterEach(cleanup)

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

/** The studio with a short importance interval and, optionally, Electron's dropped-file paths. */
function studio(api = new FakeHistuneApi(), pathForFile?: (file: File) => string | null) {
  const store = createStudioStore(api, 'electron', { importanceIntervalMs: 20, pathForFile })
  const view = render(
    <StudioProvider store={store}>
      <App />
    </StudioProvider>,
  )
  act(() => {
    store.getState().start()
  })
  return { api, store, ...view }
}

async function loadedStudy(api = new FakeHistuneApi()) {
  const s = studio(api)
  await act(() => s.store.getState().loadStudyConfigText('study: {}', 'study.yaml'))
  return s
}

const PATCHSET = JSON.stringify({
  metadata: { name: 'signals', references: { hepdata: 'ins123' }, digests: { sha256: 'abc' }, labels: ['m'] },
  patches: [{ metadata: { name: 'm100', values: [100] }, patch: [] }],
  version: '1.0.0',
})

describe('study dashboard: importances', () => {
  it('asks the backend for importances while trials stream, at most once per interval, and once more at the end', async () => {
    const { api, store } = await loadedStudy()
    expect(screen.getByTestId('importance-chart').dataset.params).toBe('')
    expect(screen.getByText('Importances appear once a few trials have finished.')).toBeTruthy()
    act(() => {
      for (let i = 0; i < 5; i++) store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(i, 1 + i / 10)] })
    })
    await waitFor(() => expect(api.callsTo('studyImportances')).toHaveLength(1))
    await waitFor(() => expect(screen.getByTestId('importance-chart').dataset.params).toBe('n_bins,hi,lo'))
    expect(screen.getByTestId('importance-count').textContent).toBe('40 trials')
    expect(screen.getByTestId('importance-chart').getAttribute('aria-label')).toContain('n_bins matters most (62 %)')

    act(() => store.getState().handleEvent({ type: 'study-progress', progress: studyProgress({ state: 'finished', finished: 5 }) }))
    await waitFor(() => expect(api.callsTo('studyImportances')).toHaveLength(2))
  })

  it('says why importances are missing when the backend refuses', async () => {
    const api = new FakeHistuneApi()
    api.studyImportances = async () => {
      throw { code: 'E_INTERNAL', message: 'no objective 0 in this study' }
    }
    const { store } = await loadedStudy(api)
    act(() => store.getState().refreshImportances())
    expect(await screen.findByText('Importances could not be computed: no objective 0 in this study')).toBeTruthy()
  })

  it('offers the contour of two parameters, the most important first, and swaps on a clash', async () => {
    const { store } = await loadedStudy()
    act(() => store.getState().refreshImportances())
    await waitFor(() => expect((screen.getByTestId('contour-x') as HTMLSelectElement).value).toBe('n_bins'))
    expect((screen.getByTestId('contour-y') as HTMLSelectElement).value).toBe('hi')
    fireEvent.change(screen.getByTestId('contour-x'), { target: { value: 'hi' } })
    expect((screen.getByTestId('contour-x') as HTMLSelectElement).value).toBe('hi')
    expect((screen.getByTestId('contour-y') as HTMLSelectElement).value).toBe('n_bins')
    expect(screen.getByTestId('svg-tutorial-contour-hi-n_bins')).toBeTruthy()
    expect(screen.getByTestId('parallel-chart')).toBeTruthy()
  })
})

describe('study dashboard: stored studies', () => {
  it('opens a dropped database by its real path and, with one Histune study in it, shows that study ready to continue', async () => {
    const api = new FakeHistuneApi()
    api.database = { ...api.database, studies: [api.database.studies[0]!] }
    api.trials = [trialRecord(0, 1.5), trialRecord(1, 1.9), trialRecord(2, 1.7)]
    const { store } = studio(api, (file) => `/home/me/studies/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('SQLite format 3', 'tutorial.db')))
    await flush()
    expect(api.callsTo('openStudyDatabase')).toEqual([['/home/me/studies/tutorial.db']])
    expect(api.callsTo('openStoredStudy')).toEqual([['/data/studies.db', 'tutorial']])
    await waitFor(() => expect(store.getState().trialLog.list).toHaveLength(3))
    expect(store.getState().bestTrial?.number).toBe(1)
    expect(screen.getByTestId('study-state').textContent).toBe('Stored')
    expect(screen.getByTestId('study-storage').textContent).toBe('Kept as tutorial in /data/studies.db')

    fireEvent.change(screen.getByTestId('study-trials'), { target: { value: '25' } })
    await act(async () => fireEvent.click(screen.getByTestId('study-continue')))
    const [options] = api.callsTo('startStudy')[0] as [Record<string, unknown>]
    expect(options).toMatchObject({ trials: 25, storage: 'sqlite:////data/studies.db', studyName: 'tutorial' })
    // The stored trials stay; new ones continue them.
    expect(store.getState().trialLog.list).toHaveLength(3)
  })

  it('lists the studies of a database with several and opens the one chosen; Esc closes the list', async () => {
    const api = new FakeHistuneApi()
    const { store } = studio(api)
    await act(() => store.getState().loadDroppedFile(workspaceFile('SQLite format 3', 'studies.db')))
    // A browser knows only the name: the backend looks it up in its folder.
    expect(api.callsTo('openStudyDatabase')).toEqual([['studies.db']])
    const dialog = await screen.findByTestId('database-dialog')
    const rows = within(dialog).getAllByTestId('stored-study')
    expect(rows.map((r) => r.dataset.study)).toEqual(['tutorial', 'optuna-made'])
    expect(within(rows[1]!).getByText('not a Histune study')).toBeTruthy()
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByTestId('database-dialog')).toBeNull()

    await act(() => store.getState().openStudyDatabase('studies.db'))
    await act(async () => fireEvent.click(within(screen.getByTestId('database-dialog')).getByTestId('open-stored-study')))
    expect(api.callsTo('openStoredStudy')).toEqual([['/data/studies.db', 'tutorial']])
    expect(screen.queryByTestId('database-dialog')).toBeNull()
    expect(screen.getByTestId('binning-view')).toBeTruthy()
  })

  it('lists a database the desktop menu opened (an event from the backend)', async () => {
    const api = new FakeHistuneApi()
    studio(api)
    act(() => api.emit({ type: 'study-database', database: api.database }))
    const dialog = await screen.findByTestId('database-dialog')
    expect(within(dialog).getAllByTestId('stored-study')).toHaveLength(2)
    expect(screen.getByTestId('tab-binning').getAttribute('aria-selected')).toBe('true')
  })

  it('names the database that could not be opened', async () => {
    const api = new FakeHistuneApi()
    api.databaseFailure = { code: 'E_IO', message: 'no study database at /srv/run/x.db ("x.db" is looked up in /srv/run)', file: 'x.db' }
    const { store } = studio(api)
    await act(() => store.getState().loadDroppedFile(workspaceFile('', 'x.db')))
    expect(screen.getByTestId('error-panel').textContent).toContain('"x.db" is looked up in /srv/run')
  })

  it('keeps a new run in the studies database so that it can be continued', async () => {
    const api = new FakeHistuneApi()
    api.engine = { ...api.engine, studiesDatabase: '/home/me/.config/histune/studies.db' }
    api.progress = studyProgress({ studyName: 'tutorial-2' })
    const { store } = await loadedStudy(api)
    await waitFor(() => expect(store.getState().engine).not.toBeNull())
    await act(() => store.getState().startStudy())
    expect(store.getState().storedStudy).toEqual({ storage: 'sqlite:////home/me/.config/histune/studies.db', studyName: 'tutorial-2' })
  })

  it('reopens recent studies: a config by its path, a stored study from its database', async () => {
    const api = new FakeHistuneApi()
    api.settings = {
      theme: 'light',
      recentFiles: [],
      recentStudies: [
        { path: '/data/studies.db', kind: 'database', studyName: 'tutorial', openedAt: '2026-11-28T10:00:00.000Z' },
        { path: '/data/ntuples/study.yaml', kind: 'config', openedAt: '2026-11-27T10:00:00.000Z' },
      ],
    }
    studio(api)
    const recent = await screen.findAllByTestId('recent-study')
    expect(recent.map((r) => r.getAttribute('aria-label'))).toEqual([
      'Reopen study tutorial from /data/studies.db',
      'Open recent study config /data/ntuples/study.yaml',
    ])
    await act(async () => fireEvent.click(recent[1]!))
    expect(api.callsTo('openStudyConfigFile')).toEqual([['/data/ntuples/study.yaml']])
    await waitFor(() => expect(screen.getByTestId('binning-view')).toBeTruthy())
  })
})

describe('drops', () => {
  it('tells the kind of a dropped file by its name, and a patchset by its content', () => {
    expect(['a.yaml', 'a.yml', 'a.json', 'a.db', 'a.sqlite3', 'a.root', 'a.txt'].map(droppedKind)).toEqual([
      'study-config',
      'study-config',
      'json',
      'database',
      'database',
      'root',
      'other',
    ])
    expect(isPatchset(PATCHSET)).toBe(true)
    expect(isPatchset('{"channels": [], "patches": 3}')).toBe(false)
  })

  it('opens a dropped study config from its real path in Electron, so its relative paths resolve beside it', async () => {
    const api = new FakeHistuneApi()
    const { store } = studio(api, (file) => `/data/ntuples/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('model: {}', 'study.yaml')))
    expect(api.callsTo('openStudyConfigFile')).toEqual([['/data/ntuples/study.yaml']])
    expect(api.callsTo('loadStudyConfigText')).toEqual([])
  })

  it('opens a dropped ROOT file in the ROOT browser from its real path', async () => {
    const api = new FakeHistuneApi()
    const { store } = studio(api, (file) => `/data/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    expect(api.callsTo('openRootFile')).toEqual([['/data/prediction.root']])
    expect(screen.getByTestId('root-error').textContent).toContain('no answer queued for openRootFile')
  })

  it('hands a dropped patchset to the workspace editor, once a workspace is open', async () => {
    const { store } = studio()
    await act(() => store.getState().loadDroppedFile(workspaceFile(PATCHSET, 'patchset.json')))
    expect(screen.getByTestId('error-panel').textContent).toContain('patchset.json is a pyhf patchset: open the workspace it patches first')
    expect(store.getState().droppedPatchset).toBeNull()
    await act(() => store.getState().loadWorkspaceText('{}', 'ws.json'))
    await act(() => store.getState().loadDroppedFile(workspaceFile(PATCHSET, 'patchset.json')))
    expect(store.getState().view).toBe('workspace')
    expect(store.getState().takeDroppedPatchset()).toEqual({ fileName: 'patchset.json', text: PATCHSET })
    expect(store.getState().droppedPatchset).toBeNull()
  })
})

describe('help overlay', () => {
  it('opens with ? and closes with Esc, but ? typed in a field stays text', async () => {
    await loadedStudy()
    const filter = screen.queryByTestId('trials-filter')
    fireEvent.keyDown(window, { key: '?' })
    const overlay = screen.getByTestId('help-overlay')
    expect(overlay.getAttribute('role')).toBe('dialog')
    expect(within(overlay).getByText('Remove the selected edge (also Backspace)')).toBeTruthy()
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close the shortcuts')
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByTestId('help-overlay')).toBeNull()

    const input = filter ?? screen.getByTestId('study-trials')
    fireEvent.keyDown(input, { key: '?' })
    expect(screen.queryByTestId('help-overlay')).toBeNull()
    fireEvent.click(screen.getByTestId('help-button'))
    expect(screen.getByTestId('help-overlay')).toBeTruthy()
    fireEvent.click(screen.getByTestId('help-backdrop'))
    expect(screen.queryByTestId('help-overlay')).toBeNull()
  })
})

describe('trial table filter', () => {
  it('filters by state and by conditions on columns, and says what it cannot read', async () => {
    const { store } = await loadedStudy()
    const trials = Array.from({ length: 30 }, (_, i) => trialRecord(i, 1 + i / 100, { feasible: i % 3 !== 0, params: { n_bins: i % 10, lo: 0.1, hi: 0.9 } }))
    act(() => store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials }))
    await waitFor(() => expect(screen.getByTestId('trials-shown').textContent).toBe('30'))

    fireEvent.change(screen.getByTestId('trials-state-filter'), { target: { value: 'infeasible' } })
    expect(screen.getByTestId('trials-shown').textContent).toBe('10 of 30')
    fireEvent.change(screen.getByTestId('trials-state-filter'), { target: { value: 'all' } })

    fireEvent.change(screen.getByTestId('trials-filter'), { target: { value: 'n_bins <= 2, z0 > 1.15' } })
    // n_bins ∈ {0, 1, 2} and value > 1.15: trials 20, 21, 22.
    expect(screen.getByTestId('trials-shown').textContent).toBe('3 of 30')
    expect(screen.getAllByTestId('trial-row').map((r) => r.dataset.trial)).toEqual(['22', '21', '20'])

    fireEvent.change(screen.getByTestId('trials-filter'), { target: { value: 'nbins < 3' } })
    expect(screen.getByRole('alert').textContent).toBe('no column “nbins” (columns: #, z0, bins, n_bins, lo, hi)')
    expect(screen.getByTestId('trials-filter').getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByTestId('trials-shown').textContent).toBe('30')

    fireEvent.change(screen.getByTestId('trials-filter'), { target: { value: '# > 100' } })
    expect(screen.getByTestId('trials-none').textContent).toBe('No trial matches the filter.')
  })
})
