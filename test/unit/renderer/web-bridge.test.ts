// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import type { HistuneEvent } from '../../../preload/api'
import { SERVE_TOKEN_HEADER } from '../../../preload/api'
import { TOKEN_STORAGE_KEY, WebBridge, readServeToken } from '../../../renderer/src/bridge/web'
import { twoChannelSummary } from './fixtures'

const ORIGIN = 'http://127.0.0.1:5123'

interface Sent {
  url: string
  init: RequestInit
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

function bridgeAnswering(reply: (request: Sent) => Response | Promise<Response>, token: string | null = 's3cret') {
  const sent: Sent[] = []
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const request = { url: String(url), init: init ?? {} }
    sent.push(request)
    return reply(request)
  }) as typeof globalThis.fetch
  return { bridge: new WebBridge({ token, origin: ORIGIN, fetch, WebSocket: undefined }), sent }
}

/** A WebSocket double the test drives: open, message, close. */
class FakeSocket extends EventTarget {
  static instances: FakeSocket[] = []
  closed = false
  constructor(readonly url: string) {
    super()
    FakeSocket.instances.push(this)
  }
  close() {
    this.closed = true
    this.dispatchEvent(new Event('close'))
  }
  open() {
    this.dispatchEvent(new Event('open'))
  }
  receive(data: string) {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }
  drop() {
    this.dispatchEvent(new Event('close'))
  }
}

function eventBridge() {
  FakeSocket.instances = []
  const timers: { callback: () => void; ms: number }[] = []
  const bridge = new WebBridge({
    token: 's3cret',
    origin: ORIGIN,
    fetch: (() => Promise.reject(new Error('unused'))) as typeof globalThis.fetch,
    WebSocket: FakeSocket as unknown as typeof globalThis.WebSocket,
    setTimeout: (callback, ms) => timers.push({ callback, ms }),
    clearTimeout: () => timers.splice(0),
  })
  return { bridge, timers, sockets: FakeSocket.instances }
}

describe('web bridge requests', () => {
  it('POSTs the arguments to /api/<method> with the token header', async () => {
    const summary = twoChannelSummary('ws.json')
    const { bridge, sent } = bridgeAnswering(() => jsonResponse(200, { ok: true, result: summary }))

    await expect(bridge.loadWorkspaceText('{"x":1}', 'ws.json')).resolves.toEqual(summary)
    expect(sent).toHaveLength(1)
    const [request] = sent
    expect(request?.url).toBe(`${ORIGIN}/api/loadWorkspaceText`)
    expect(request?.init.method).toBe('POST')
    expect((request?.init.headers as Record<string, string>)[SERVE_TOKEN_HEADER]).toBe('s3cret')
    expect(JSON.parse(request?.init.body as string)).toEqual({ args: ['{"x":1}', 'ws.json'] })
  })

  it('leaves an omitted optional argument out instead of sending null', async () => {
    const { bridge, sent } = bridgeAnswering(() => jsonResponse(200, { ok: true, result: twoChannelSummary() }))
    await bridge.loadWorkspaceText('{}')
    expect(JSON.parse(sent[0]?.init.body as string)).toEqual({ args: ['{}'] })
  })

  it('rejects with the ApiError the server sent', async () => {
    const error = { code: 'E_SCHEMA', message: 'bad', path: 'channels[0]', file: 'ws.json' }
    const { bridge } = bridgeAnswering(() => jsonResponse(422, { ok: false, error }))
    await expect(bridge.loadWorkspaceText('{}', 'ws.json')).rejects.toEqual(error)
  })

  it('turns a network failure into E_IO', async () => {
    const { bridge } = bridgeAnswering(() => Promise.reject(new TypeError('Failed to fetch')))
    await expect(bridge.getSettings()).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('Failed to fetch'),
    })
  })

  it('rejects a reply that is not JSON', async () => {
    const { bridge } = bridgeAnswering(() => new Response('<html>Bad Gateway</html>', { status: 502 }))
    await expect(bridge.engineInfo()).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining('502') })
  })

  it('explains a refused token instead of reporting an unreadable reply', async () => {
    const { bridge } = bridgeAnswering(() => new Response('histune serve: open the URL with ?token=…', { status: 403 }))
    await expect(bridge.getSettings()).rejects.toMatchObject({
      code: 'E_BAD_REQUEST',
      message: expect.stringContaining('refused the access token (HTTP 403)'),
    })
  })

  it('refuses to send anything without a token', async () => {
    const { bridge, sent } = bridgeAnswering(() => jsonResponse(200, { ok: true, result: null }), null)
    await expect(bridge.showOpenDialog()).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    expect(sent).toEqual([])
  })
})

describe('web bridge events', () => {
  it('connects to /events with the token and delivers parsed events', () => {
    const { bridge, sockets } = eventBridge()
    const received: HistuneEvent[] = []
    bridge.onEvent((e) => received.push(e))

    expect(sockets).toHaveLength(1)
    expect(sockets[0]?.url).toBe('ws://127.0.0.1:5123/events?token=s3cret')
    const event: HistuneEvent = { type: 'settings-changed', settings: { theme: 'dark', recentFiles: [] } }
    sockets[0]?.receive(JSON.stringify(event))
    sockets[0]?.receive('not json')
    sockets[0]?.receive(JSON.stringify({ type: 'unknown' }))
    expect(received).toEqual([event])
  })

  it('shares one socket between listeners and closes it after the last unsubscribes', () => {
    const { bridge, sockets, timers } = eventBridge()
    const stopA = bridge.onEvent(() => undefined)
    const stopB = bridge.onEvent(() => undefined)
    expect(sockets).toHaveLength(1)
    stopA()
    expect(sockets[0]?.closed).toBe(false)
    stopB()
    expect(sockets[0]?.closed).toBe(true)
    expect(timers).toEqual([])
  })

  it('reconnects with growing delays after the connection drops', () => {
    const { bridge, sockets, timers } = eventBridge()
    const received: HistuneEvent[] = []
    bridge.onEvent((e) => received.push(e))

    sockets[0]?.drop()
    expect(timers.map((t) => t.ms)).toEqual([500])
    timers.shift()?.callback()
    expect(sockets).toHaveLength(2)
    sockets[1]?.drop()
    expect(timers.map((t) => t.ms)).toEqual([1000])
    timers.shift()?.callback()
    sockets[2]?.open()
    const event: HistuneEvent = { type: 'open-failed', error: { code: 'E_IO', message: 'gone' } }
    sockets[2]?.receive(JSON.stringify(event))
    expect(received).toEqual([event])

    sockets[2]?.drop()
    expect(timers.map((t) => t.ms)).toEqual([500])
  })
})

describe('serve token', () => {
  it('takes the token from the URL, remembers it and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=abc123&x=1')
    sessionStorage.clear()
    expect(readServeToken(window.location, sessionStorage, window.history)).toBe('abc123')
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('abc123')
    expect(window.location.search).toBe('?x=1')

    window.history.replaceState(null, '', '/')
    expect(readServeToken(window.location, sessionStorage, window.history)).toBe('abc123')
  })

  it('has no token when neither the URL nor the session has one', () => {
    window.history.replaceState(null, '', '/')
    sessionStorage.clear()
    expect(readServeToken(window.location, sessionStorage)).toBeNull()
  })
})
