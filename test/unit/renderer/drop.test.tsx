// @vitest-environment jsdom
import { act, cleanup, createEvent, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeHistuneApi, deferred, workspaceFile } from './fixtures'
import type { WorkspaceSummary } from '../../../preload/api'
import { twoChannelSummary } from './fixtures'
import { renderStudio } from './render'

afterEach(cleanup)

function dataTransfer(files: File[]) {
  return { files, types: ['Files'], dropEffect: 'none' }
}

describe('drag and drop', () => {
  it('loads a file dropped on the drop zone with its text and name', async () => {
    const api = new FakeHistuneApi()
    const pending = deferred<WorkspaceSummary>()
    api.respond = () => pending.promise
    renderStudio(api)
    const text = '{"channels":[{"name":"SR","samples":[]}]}'

    const dropZone = screen.getByTestId('drop-zone')
    fireEvent.dragEnter(dropZone, { dataTransfer: dataTransfer([]) })
    expect(screen.getByText('Release to open the workspace')).toBeTruthy()
    fireEvent.drop(dropZone, { dataTransfer: dataTransfer([workspaceFile(text, 'dropped_ws.json')]) })
    expect(screen.queryByText('Release to open the workspace')).toBeNull()

    await waitFor(() => expect(api.callsTo('loadWorkspaceText')).toEqual([[text, 'dropped_ws.json']]))
    expect(screen.getByRole('status').textContent).toBe('Reading dropped_ws.json…')
    await act(async () => pending.resolve(twoChannelSummary('dropped_ws.json')))
    expect(screen.getByTestId('workspace-summary')).toBeTruthy()
  })

  it('accepts drops anywhere on the window and prefers the JSON file', async () => {
    const api = new FakeHistuneApi()
    const { store } = renderStudio(api)
    await act(() => store.getState().loadWorkspaceText('{}', 'first.json'))

    const drop = createEvent.drop(window, {
      dataTransfer: dataTransfer([workspaceFile('notes', 'README.txt'), workspaceFile('{"b":1}', 'second.json')]),
    })
    fireEvent(window, drop)
    expect(drop.defaultPrevented).toBe(true)
    await waitFor(() => expect(api.callsTo('loadWorkspaceText')).toHaveLength(2))
    expect(api.callsTo('loadWorkspaceText')[1]).toEqual(['{"b":1}', 'second.json'])
  })

  it('keeps the browser from navigating to a dragged file', () => {
    renderStudio()
    const over = createEvent.dragOver(window, { dataTransfer: dataTransfer([]) })
    fireEvent(window, over)
    expect(over.defaultPrevented).toBe(true)
  })
})
