// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeHistuneApi } from './fixtures'

afterEach(() => {
  delete window.histune
  vi.resetModules()
})

describe('getApi', () => {
  it('uses the preload bridge when Electron exposed one', async () => {
    const preload = new FakeHistuneApi()
    window.histune = preload
    const { getApi, getApiHost } = await import('../../../renderer/src/bridge')
    expect(getApi()).toBe(preload)
    expect(getApiHost()).toBe('electron')
  })

  it('falls back to the histune serve web bridge in a plain browser', async () => {
    window.history.replaceState(null, '', '/?token=t0k')
    const { getApi, getApiHost } = await import('../../../renderer/src/bridge')
    const { WebBridge } = await import('../../../renderer/src/bridge/web')
    const api = getApi()
    expect(api).toBeInstanceOf(WebBridge)
    expect(getApi()).toBe(api)
    expect(getApiHost()).toBe('serve')
    expect(window.location.search).toBe('')
  })
})
