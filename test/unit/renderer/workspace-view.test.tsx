// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeHistuneApi, syntaxError, twoChannelSummary, workspaceFile } from './fixtures'
import { renderStudio } from './render'

afterEach(cleanup)

function rowsOf(table: HTMLElement): string[][] {
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => cell.textContent ?? ''))
}

async function renderLoaded(api = new FakeHistuneApi()) {
  const studio = renderStudio(api)
  await act(() => studio.store.getState().loadWorkspaceText('{}', 'sr_cr_workspace.json'))
  return studio
}

describe('workspace view', () => {
  it('shows the POI, measurement and the open file name', async () => {
    await renderLoaded()
    expect(screen.getByTestId('workspace-summary')).toBeTruthy()
    expect(screen.getByTestId('poi').textContent).toBe('mu')
    expect(screen.getByTestId('measurement').textContent).toBe('NormalMeasurement')
    expect(screen.getByTestId('open-file-name').textContent).toBe('sr_cr_workspace.json')
    expect(screen.getByText(/BkgOnly/)).toBeTruthy()
  })

  it('lists channels with bins, samples and totals', async () => {
    await renderLoaded()
    expect(rowsOf(screen.getByTestId('channels-table'))).toEqual([
      ['SR', '3', '2', '129.1', '129'],
      ['CR', '2', '1', '180', '181'],
    ])
  })

  it("lists the selected channel's samples and switches channel from the selector", async () => {
    await renderLoaded()
    const samples = () => rowsOf(screen.getByTestId('samples-table'))
    expect(samples().map((r) => r.slice(0, 3))).toEqual([
      ['signal', '18.2', '14.1 %'],
      ['ttbar', '110.9', '85.9 %'],
      ['Total expected', '129.1', ''],
      ['Observed', '129', ''],
    ])
    expect(samples()[0]?.[3]).toContain('mu')

    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'CR' } })
    expect(samples().map((r) => r[0])).toEqual(['ttbar', 'Total expected', 'Observed'])
    expect(screen.getByTestId('histogram').getAttribute('aria-label')).toContain('channel CR, 2 bins')

    fireEvent.click(screen.getByRole('button', { name: 'Show channel SR' }))
    expect(samples().map((r) => r[0])).toContain('signal')
  })

  it('summarises modifiers by type', async () => {
    await renderLoaded()
    const modifiers = screen.getByTestId('modifiers-summary')
    const normsys = modifiers.querySelector('[data-modifier-type="normsys"]') as HTMLElement
    expect(within(normsys).getByLabelText('2 entries')).toBeTruthy()
    expect(within(normsys).getByText('ttbar_norm')).toBeTruthy()
    expect(modifiers.querySelectorAll('.modifier-type')).toHaveLength(5)
  })

  it('tabulates parameters with inits, bounds, fixed and constraint', async () => {
    await renderLoaded()
    const rows = rowsOf(screen.getByTestId('parameters-table'))
    expect(rows.map((r) => r[0])).toEqual(['lumi', 'muPOI', 'staterror_SR', 'ttbar_norm', 'uncorr_bkguncrt'])
    expect(rows[1]).toEqual(['muPOI', 'normfactor', '1', '1', '[0, 10]', 'free', '—'])
    expect(rows[2]).toEqual(['staterror_SR', 'staterror', '3', '1 ×3', '[1e−10, 10] ×3', 'free', 'Gaussian'])
    expect(rows[3]?.[5]).toBe('fixed')
    expect(rows[4]?.[6]).toBe('Poisson')
  })

  it('renders the histogram container without a canvas when there is no layout', async () => {
    await renderLoaded()
    const histogram = screen.getByTestId('histogram')
    expect(histogram.getAttribute('role')).toBe('img')
    expect(histogram.querySelector('canvas')).toBeNull()
  })

  it('shows a load error above the still-open workspace and dismisses it', async () => {
    const { api, store } = await renderLoaded()
    api.respond = () => Promise.reject(syntaxError)
    await act(() => store.getState().loadWorkspaceText('{', 'broken_workspace.json'))
    expect(screen.getByRole('alert').textContent).toContain('channels[0].samples[1].data')
    expect(screen.getByTestId('workspace-summary')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss error' }))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('follows workspace-opened and open-failed events from the backend', async () => {
    const { api } = renderStudio()
    await waitFor(() => expect(api.listeners.size).toBe(1))
    act(() => api.emit({ type: 'workspace-opened', summary: twoChannelSummary('/data/menu_open.json') }))
    expect(screen.getByTestId('open-file-name').textContent).toBe('menu_open.json')
    act(() => api.emit({ type: 'open-failed', error: { code: 'E_EMPTY', message: 'no channels' } }))
    expect(screen.getByTestId('error-code').textContent).toBe('E_EMPTY')
  })
})

describe('empty state', () => {
  it('offers recent files and opens one through the backend', async () => {
    const api = new FakeHistuneApi()
    api.settings = {
      theme: 'light',
      recentFiles: [{ path: '/home/ana/ws/monojet.json', openedAt: '2026-11-20T10:00:00Z' }],
    }
    renderStudio(api)
    expect(screen.getByText(/Drop a pyhf workspace here/)).toBeTruthy()
    const recent = await screen.findByRole('button', { name: 'Open recent workspace /home/ana/ws/monojet.json' })
    await act(async () => fireEvent.click(recent))
    expect(api.callsTo('openWorkspaceFile')).toEqual([['/home/ana/ws/monojet.json']])
    expect(screen.getByTestId('workspace-summary')).toBeTruthy()
  })

  it('uses the native open dialog in Electron', async () => {
    const api = new FakeHistuneApi()
    renderStudio(api, 'electron')
    expect(screen.getByText(/File → Open…/)).toBeTruthy()
    expect(screen.queryByTestId('file-input')).toBeNull()
    await act(async () => fireEvent.click(screen.getByRole('button', { name: /Open workspace/ })))
    expect(api.callsTo('showOpenDialog')).toHaveLength(1)
    expect(screen.getByTestId('workspace-summary')).toBeTruthy()
  })

  it('uses a file input in the browser and loads the chosen file', async () => {
    const api = new FakeHistuneApi()
    renderStudio(api, 'serve')
    const input = screen.getByLabelText('Choose a pyhf workspace file') as HTMLInputElement
    expect(input.type).toBe('file')
    expect(input.accept).toContain('.json')
    const file = workspaceFile('{"version":"1.0.0"}', 'picked.json')
    await act(async () => {
      fireEvent.change(input, { target: { files: [file] } })
    })
    await waitFor(() => expect(api.callsTo('loadWorkspaceText')).toEqual([['{"version":"1.0.0"}', 'picked.json']]))
    expect(api.callsTo('showOpenDialog')).toEqual([])
  })

  it('toggles the theme through the backend and applies it to the document', async () => {
    const api = new FakeHistuneApi()
    renderStudio(api)
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Switch to dark theme' })))
    expect(api.callsTo('setTheme')).toEqual([['dark']])
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(screen.getByRole('button', { name: 'Switch to light theme' })).toBeTruthy()
  })
})
