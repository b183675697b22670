// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RootBranchRequest, RootBranchSummary, RootFileContents } from '../../../preload/api'
import { App } from '../../../renderer/src/App'
import type { ApiHost } from '../../../renderer/src/bridge'
import { StudioProvider } from '../../../renderer/src/store/context'
import { draftConfigPath, uploadLimit } from '../../../renderer/src/store/root-files'
import { createStudioStore } from '../../../renderer/src/store/studio'
import { deferred, FakeHistuneApi, workspaceFile } from './fixtures'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

const CONTENTS: RootFileContents = {
  path: '/data/ntuples/prediction.root',
  fileName: 'prediction.root',
  uploaded: false,
  sizeBytes: 336_688,
  keys: [
    {
      name: 'signal',
      className: 'TTree',
      title: '',
      note: null,
      tree: {
        entries: 5000,
        branches: [
          { name: 'jet_pt', typeName: 'double', readable: true, reason: null },
          { name: 'weight', typeName: 'double', readable: true, reason: null },
          { name: 'jet_eta', typeName: 'vector<float>', readable: false, reason: '`vector<float>` holds several numbers per entry' },
        ],
      },
    },
    {
      name: 'background',
      className: 'TTree',
      title: '',
      note: null,
      tree: { entries: 4000, branches: [{ name: 'jet_pt', typeName: 'double', readable: true, reason: null }] },
    },
    { name: 'SR', className: 'TDirectoryFile', title: 'SR', note: 'a directory: this reader lists top-level keys only', tree: null },
  ],
}

function summaryFor(request: RootBranchRequest): RootBranchSummary {
  return {
    request,
    entries: 5000,
    selected: 4000,
    nonFinite: 0,
    sumw: 61.1,
    sumw2: 2.5,
    min: 20,
    max: 1260,
    mean: 410.5,
    stdDev: 150.25,
    histogram: {
      edges: [20, 640, 1260],
      sumw: [50, 11.1],
      sumw2: [2, 0.5],
      entries: [3000, 1000],
      underflow: { sumw: 0, sumw2: 0, entries: 0 },
      overflow: { sumw: 0, sumw2: 0, entries: 0 },
    },
  }
}

function studio(host: ApiHost = 'electron', pathForFile?: (file: File) => string | null) {
  const api = new FakeHistuneApi()
  api.rootRespond = async (method, args) => {
    if (method === 'openRootFile' || method === 'uploadRootFile') return CONTENTS
    if (method === 'summarizeRootBranch') return summaryFor(args[0] as RootBranchRequest)
    if (method === 'draftNtupleStudy') return 'study:\n  name: ntuples-jet_pt\n'
    throw new Error(method)
  }
  const store = createStudioStore(api, host, { pathForFile })
  render(
    <StudioProvider store={store}>
      <App />
    </StudioProvider>,
  )
  return { api, store }
}

describe('ROOT browser', () => {
  it('lists the trees, the selected tree’s branches with their types, and keys it cannot browse', async () => {
    const { api, store } = studio('electron', (file) => `/data/ntuples/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    expect(api.callsTo('openRootFile')).toEqual([['/data/ntuples/prediction.root']])
    const dialog = screen.getByRole('dialog', { name: /prediction\.root/ })
    const trees = within(dialog).getAllByTestId('root-tree')
    expect(trees.map((t) => t.textContent)).toEqual(['signal5,000 entries', 'background4,000 entries'])
    expect(trees[0]!.getAttribute('aria-pressed')).toBe('true')
    const rows = within(dialog).getAllByTestId('root-branch')
    expect(rows.map((r) => r.getAttribute('data-branch'))).toEqual(['jet_pt', 'weight', 'jet_eta'])
    // An unreadable branch has no button and says why.
    expect(within(rows[2]!).queryByRole('button')).toBeNull()
    expect(rows[2]!.textContent).toContain('several numbers per entry')
    expect(within(dialog).getByTestId('root-other-key').textContent).toContain('a directory')
    expect(within(dialog).getByTestId('root-pick-branch').textContent).toContain('Select a branch')
    // A tree with a `weight` branch weights its histograms by it.
    expect((screen.getByLabelText('Weight') as HTMLInputElement).value).toBe('weight')
  })

  it('summarises the selected branch with the weight, selection and bins, and drops a stale answer', async () => {
    const { api, store } = studio('electron', (file) => `/data/ntuples/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show the histogram of jet_pt' })))
    expect(api.callsTo('summarizeRootBranch')).toEqual([
      [{ path: '/data/ntuples/prediction.root', tree: 'signal', observable: 'jet_pt', weight: 'weight', bins: 50 }],
    ])
    const histogram = screen.getByTestId('root-histogram')
    expect(within(histogram).getByText('Weighted mean').nextSibling?.textContent).toBe('410.5')
    expect(histogram.textContent).toContain('of 5,000')

    fireEvent.change(screen.getByLabelText('Selection'), { target: { value: 'lep_charge > 0' } })
    fireEvent.change(screen.getByLabelText('Bins'), { target: { value: '20' } })
    await act(async () => fireEvent.click(screen.getByTestId('root-apply')))
    expect(api.callsTo('summarizeRootBranch')[1]).toEqual([
      { path: '/data/ntuples/prediction.root', tree: 'signal', observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0', bins: 20 },
    ])

    // A slow answer for the older request must not replace the newer one.
    const slow = deferred<RootBranchSummary>()
    const respond = api.rootRespond
    let calls = 0
    api.rootRespond = async (method, args) => {
      if (method === 'summarizeRootBranch' && calls++ === 0) return slow.promise
      return respond(method, args)
    }
    const first = store.getState().setRootHistogramSettings({ bins: 5 })
    await act(() => store.getState().setRootHistogramSettings({ bins: 7 }))
    slow.resolve(summaryFor({ path: CONTENTS.path, tree: 'signal', observable: 'jet_pt', bins: 5 }))
    await act(() => first)
    expect(store.getState().rootBrowser?.summary?.request.bins).toBe(7)
  })

  it('shows a refused summary as an error beside the form, and bad bin counts are not sent', async () => {
    const { api, store } = studio('electron', (file) => `/data/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    api.rootRespond = async () => {
      throw { code: 'E_BAD_REQUEST', message: 'in expression `lep_charge >` at position 12: expected a value' }
    }
    await act(() => store.getState().selectRootBranch('jet_pt'))
    expect(screen.getByTestId('root-summary-error').textContent).toContain('`lep_charge >` at position 12')
    fireEvent.change(screen.getByLabelText('Bins'), { target: { value: '0' } })
    expect((screen.getByTestId('root-apply') as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByLabelText('Bins').getAttribute('aria-invalid')).toBe('true')
  })

  it('sends a histogram range typed as low and high, says what is wrong with a bad one and sends nothing', async () => {
    const { api, store } = studio('electron', (file) => `/data/ntuples/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show the histogram of jet_pt' })))
    expect(screen.getByTestId('root-histogram').textContent).toContain('2 equal bins from 20 to 1,260 (the selected values’ range)')

    const low = screen.getByLabelText('Low')
    const high = screen.getByLabelText('High')
    const apply = async () => act(async () => fireEvent.click(screen.getByTestId('root-apply')))
    const sent = () => api.callsTo('summarizeRootBranch').length
    const error = () => screen.queryByTestId('root-range-error')?.textContent ?? null

    for (const [lo, hi, message] of [
      ['300', '100', 'low edge (300) must be below its high edge (100)'],
      ['100', '100', 'low edge (100) must be below its high edge (100)'],
      ['1O0', '500', 'low edge “1O0” is not a number'],
      ['100', 'inf', 'high edge “inf” is not a number'],
      ['100', '', 'Set the range’s high edge too'],
    ] as const) {
      fireEvent.change(low, { target: { value: lo } })
      fireEvent.change(high, { target: { value: hi } })
      await apply()
      expect(error()).toContain(message)
      expect(low.getAttribute('aria-invalid')).toBe('true')
      expect(sent()).toBe(1)
    }

    fireEvent.change(low, { target: { value: ' 1e2' } })
    fireEvent.change(high, { target: { value: '500 ' } })
    expect(error()).toBeNull()
    await apply()
    expect(api.callsTo('summarizeRootBranch')[1]).toEqual([
      { path: '/data/ntuples/prediction.root', tree: 'signal', observable: 'jet_pt', weight: 'weight', bins: 50, range: [100, 500] },
    ])
    expect(screen.getByTestId('root-histogram').textContent).toContain('(the range you set)')
    expect((low as HTMLInputElement).value).toBe('100')

    // Emptied, the range is the selected values’ again.
    fireEvent.change(low, { target: { value: '' } })
    fireEvent.change(high, { target: { value: '' } })
    await apply()
    expect(api.callsTo('summarizeRootBranch')[2]![0]).not.toHaveProperty('range')

    // A range set for one branch is not carried to another.
    fireEvent.change(low, { target: { value: '0' } })
    fireEvent.change(high, { target: { value: '1' } })
    await apply()
    expect(store.getState().rootBrowser?.settings.range).toEqual([0, 1])
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show the histogram of weight' })))
    expect(api.callsTo('summarizeRootBranch')[4]![0]).not.toHaveProperty('range')
    expect((low as HTMLInputElement).value).toBe('')
  })

  it('uploads a dropped file’s bytes in a browser', async () => {
    const { api, store } = studio('serve')
    await act(() => store.getState().loadDroppedFile(new File(['root…'], 'prediction.root')))
    const [[base64, name]] = api.callsTo('uploadRootFile') as [[string, string]]
    expect(name).toBe('prediction.root')
    expect(atob(base64)).toBe(new TextDecoder('latin1').decode(new TextEncoder().encode('root…')))
    expect(screen.getByTestId('root-browser')).toBeTruthy()
  })

  it('says why a file opened by name failed when it is too big to upload', async () => {
    const { api, store } = studio('serve')
    store.setState({ engine: { version: '0', host: 'serve', maxWorkspaceBytes: 4 } })
    api.rootRespond = async () => {
      throw { code: 'E_IO', message: 'no ROOT file at /srv/big.root ("big.root" is looked up in /srv)' }
    }
    await act(() => store.getState().loadDroppedFile(new File(['root and more'], 'big.root')))
    expect(api.callsTo('uploadRootFile')).toEqual([])
    expect(api.callsTo('openRootFile')).toEqual([['big.root']])
    expect(screen.getByTestId('root-error').textContent).toContain('more than a browser can upload')
    expect(uploadLimit({ version: '0', host: 'serve', maxWorkspaceBytes: 100 })).toBe(90)
  })

  it('drafts a new ntuple study from the file’s trees and opens it beside the ROOT file', async () => {
    const { api, store } = studio('electron', (file) => `/data/ntuples/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    await act(() => store.getState().selectRootBranch('jet_pt'))
    await act(async () => fireEvent.click(screen.getByTestId('root-new-study')))
    expect(api.callsTo('draftNtupleStudy')).toEqual([
      [{ file: '/data/ntuples/prediction.root', observable: 'jet_pt', signalTree: 'signal', backgroundTrees: ['background'], weight: 'weight' }],
    ])
    const text = screen.getByTestId('root-draft-text') as HTMLTextAreaElement
    expect(text.value).toBe('study:\n  name: ntuples-jet_pt\n')
    fireEvent.change(text, { target: { value: 'study:\n  name: edited\n' } })
    await act(async () => fireEvent.click(screen.getByTestId('root-draft-open')))
    expect(api.callsTo('loadStudyConfigText')).toEqual([['study:\n  name: edited\n', '/data/ntuples/ntuples-jet_pt.yaml']])
    expect(store.getState().rootBrowser).toBeNull()
    expect(store.getState().view).toBe('binning')
  })

  it('keeps an edited draft from a stray Escape, and asks before the close button discards it', async () => {
    const { store } = studio('electron', (file) => `/data/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    await act(async () => fireEvent.click(screen.getByTestId('root-new-study')))
    fireEvent.change(screen.getByTestId('root-draft-text'), { target: { value: 'study: {name: mine}\n' } })
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.getByTestId('root-draft-text')).toBeTruthy()
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false)
    fireEvent.click(screen.getByRole('button', { name: 'Close the ROOT browser' }))
    fireEvent.click(screen.getByTestId('root-draft-back'))
    expect(confirm).toHaveBeenCalledTimes(2)
    expect((screen.getByTestId('root-draft-text') as HTMLTextAreaElement).value).toBe('study: {name: mine}\n')
    confirm.mockReturnValue(true)
    fireEvent.click(screen.getByRole('button', { name: 'Close the ROOT browser' }))
    expect(store.getState().rootBrowser).toBeNull()
  })

  it('closes with Escape and keeps relative drafts beside uploads', async () => {
    const { store } = studio('electron', (file) => `/data/${file.name}`)
    await act(() => store.getState().loadDroppedFile(workspaceFile('root', 'prediction.root')))
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByTestId('root-browser')).toBeNull()
    expect(draftConfigPath({ ...CONTENTS, path: '/tmp/histune-root-x/prediction.root', uploaded: true }, 'my study')).toBe(
      '/tmp/histune-root-x/my_study.yaml',
    )
    expect(draftConfigPath({ ...CONTENTS, path: 'C:\\data\\prediction.root' }, 's')).toBe('C:\\data\\s.yaml')
  })
})
