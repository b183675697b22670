// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import type { ApiError, WorkspaceSummary } from '../../../preload/api'
import { createStudioStore, resolveTheme } from '../../../renderer/src/store/studio'
import { FakeHistuneApi, deferred, syntaxError, twoChannelSummary, workspaceFile } from './fixtures'

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('studio store', () => {
  it('shows a loaded workspace and selects its first channel', async () => {
    const api = new FakeHistuneApi()
    const pending = deferred<WorkspaceSummary>()
    api.respond = () => pending.promise
    const store = createStudioStore(api, 'serve')

    const done = store.getState().loadWorkspaceText('{"channels":[]}', 'ws.json')
    expect(store.getState().loading).toEqual({ label: 'ws.json' })
    expect(api.callsTo('loadWorkspaceText')).toEqual([['{"channels":[]}', 'ws.json']])

    pending.resolve(twoChannelSummary())
    await done
    const state = store.getState()
    expect(state.loading).toBeNull()
    expect(state.error).toBeNull()
    expect(state.summary?.poi).toBe('mu')
    expect(state.selectedChannel).toBe('SR')
  })

  it('keeps the previous workspace and records the error when a load fails', async () => {
    const api = new FakeHistuneApi()
    const store = createStudioStore(api, 'serve')
    await store.getState().loadWorkspaceText('{}', 'good.json')
    api.respond = () => Promise.reject(syntaxError)

    await store.getState().loadWorkspaceText('{', 'broken_workspace.json')

    expect(store.getState().error).toEqual(syntaxError)
    expect(store.getState().summary?.file).toBe('analysis/sr_cr_workspace.json')
    expect(store.getState().loading).toBeNull()

    api.respond = async () => twoChannelSummary()
    const retry = store.getState().loadWorkspaceText('{}', 'fixed.json')
    expect(store.getState().error).toBeNull()
    await retry
  })

  it('turns a non-ApiError rejection into E_INTERNAL', async () => {
    const api = new FakeHistuneApi()
    api.respond = () => Promise.reject(new Error('worker crashed'))
    const store = createStudioStore(api, 'serve')
    await store.getState().openWorkspaceFile('/data/ws.json')
    expect(store.getState().error).toEqual({ code: 'E_INTERNAL', message: 'worker crashed' })
  })

  it('ignores a slow earlier load that finishes after a newer one', async () => {
    const api = new FakeHistuneApi()
    const slow = deferred<WorkspaceSummary>()
    const fast = deferred<WorkspaceSummary>()
    const queue = [slow.promise, fast.promise]
    api.respond = () => queue.shift() as Promise<WorkspaceSummary>
    const store = createStudioStore(api, 'serve')

    const first = store.getState().loadWorkspaceText('a', 'first.json')
    const second = store.getState().loadWorkspaceText('b', 'second.json')
    fast.resolve(twoChannelSummary('second.json'))
    await second
    slow.resolve(twoChannelSummary('first.json'))
    await first

    expect(store.getState().summary?.file).toBe('second.json')
  })

  it('keeps the selected channel when the new workspace has it, else falls back to the first', async () => {
    const api = new FakeHistuneApi()
    const store = createStudioStore(api, 'serve')
    await store.getState().loadWorkspaceText('a', 'a.json')
    store.getState().selectChannel('CR')
    store.getState().selectChannel('no-such-channel')
    expect(store.getState().selectedChannel).toBe('CR')

    await store.getState().loadWorkspaceText('a', 'a.json')
    expect(store.getState().selectedChannel).toBe('CR')

    const onlySR = twoChannelSummary()
    onlySR.channels = onlySR.channels.filter((c) => c.name === 'SR')
    api.respond = async () => onlySR
    await store.getState().loadWorkspaceText('b', 'b.json')
    expect(store.getState().selectedChannel).toBe('SR')
  })

  it('leaves the view alone when the open dialog is cancelled', async () => {
    const api = new FakeHistuneApi()
    api.respond = async () => null
    const store = createStudioStore(api, 'electron')
    await store.getState().showOpenDialog()
    expect(store.getState()).toMatchObject({ summary: null, loading: null, error: null })
    expect(api.callsTo('showOpenDialog')).toHaveLength(1)
  })

  it('applies settings on start and follows pushed events until stopped', async () => {
    const api = new FakeHistuneApi()
    api.settings = {
      theme: 'dark',
      recentFiles: [{ path: '/data/monojet.json', openedAt: '2026-11-27T09:00:00Z' }],
    }
    const store = createStudioStore(api, 'electron')
    const stop = store.getState().start()
    await flush()
    expect(store.getState().theme).toBe('dark')
    expect(store.getState().recentFiles.map((r) => r.path)).toEqual(['/data/monojet.json'])
    expect(store.getState().engine?.maxWorkspaceBytes).toBe(64_000_000)

    api.emit({ type: 'workspace-opened', summary: twoChannelSummary('/data/menu.json') })
    expect(store.getState().summary?.file).toBe('/data/menu.json')

    const schemaError: ApiError = { code: 'E_SCHEMA', message: 'missing observations', path: 'observations' }
    api.emit({ type: 'open-failed', error: schemaError })
    expect(store.getState().error).toEqual(schemaError)

    api.emit({ type: 'settings-changed', settings: { theme: 'light', recentFiles: [] } })
    expect(store.getState().theme).toBe('light')
    expect(store.getState().recentFiles).toEqual([])

    stop()
    expect(api.listeners.size).toBe(0)
  })

  it('rolls the theme back and reports when it cannot be saved', async () => {
    const api = new FakeHistuneApi()
    const store = createStudioStore(api, 'serve')
    await store.getState().setTheme('dark')
    expect(store.getState().theme).toBe('dark')

    api.setThemeFailure = { code: 'E_IO', message: 'settings file is read-only' }
    await store.getState().setTheme('light')
    expect(store.getState().theme).toBe('dark')
    expect(store.getState().error?.message).toBe('settings file is read-only')
  })

  it('reads a dropped file and sends its text with its name', async () => {
    const api = new FakeHistuneApi()
    const store = createStudioStore(api, 'serve')
    await store.getState().loadWorkspaceFile(workspaceFile('{"version":"1.0.0"}', 'dropped.json'))
    expect(api.callsTo('loadWorkspaceText')).toEqual([['{"version":"1.0.0"}', 'dropped.json']])
    expect(store.getState().summary).not.toBeNull()
  })

  it('refuses a file above the engine limit without reading or sending it', async () => {
    const api = new FakeHistuneApi()
    api.engine = { ...api.engine, maxWorkspaceBytes: 10 }
    const store = createStudioStore(api, 'serve')
    store.getState().start()
    await flush()

    await store.getState().loadWorkspaceFile(workspaceFile('{"channels": []}', 'huge.json'))
    expect(api.callsTo('loadWorkspaceText')).toEqual([])
    expect(store.getState().error).toMatchObject({ code: 'E_TOO_LARGE', file: 'huge.json' })
  })

  it('reports an unreadable file as E_IO naming the file', async () => {
    const api = new FakeHistuneApi()
    const store = createStudioStore(api, 'serve')
    const file = workspaceFile('', 'gone.json')
    Object.defineProperty(file, 'text', { value: () => Promise.reject(new Error('NotReadableError')) })
    await store.getState().loadWorkspaceFile(file)
    expect(store.getState().error).toMatchObject({ code: 'E_IO', file: 'gone.json' })
    expect(api.callsTo('loadWorkspaceText')).toEqual([])
  })

  it('resolves the system theme from the OS preference', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
  })
})
