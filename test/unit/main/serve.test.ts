import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { BridgeResponse, HistuneEvent, WorkspaceSummary } from '../../../preload/api'

// A small limit so the oversized-request path is cheap to exercise (read when the module loads).
process.env.HISTUNE_MAX_WORKSPACE_MB = '1'
const { startServer } = await import('../../../main/serve/server')
const { openConfSettings } = await import('../../../main/settings/conf')

const tutorial = readFileSync(join(__dirname, '../../../resources/examples/tutorial/workspace.json'), 'utf8')

describe('histune serve bridge', () => {
  let dir: string
  let server: Awaited<ReturnType<typeof startServer>>
  const base = (): string => `http://127.0.0.1:${server.port}`
  const call = async <T>(method: string, args: unknown[], token: string | null = server.token): Promise<{ status: number; body: BridgeResponse<T> }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (token !== null) headers['x-histune-token'] = token
    const res = await fetch(`${base()}/api/${method}`, { method: 'POST', headers, body: JSON.stringify({ args }) })
    return { status: res.status, body: (await res.json().catch(() => null)) as BridgeResponse<T> }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'histune-serve-'))
    const rendererDir = join(dir, 'renderer')
    mkdirSync(rendererDir)
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Histune</title>')
    server = await startServer({ rendererDir, settings: openConfSettings({ cwd: dir }) })
  })
  afterAll(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints a loopback URL with a per-run token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/)
  })

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(403)
    expect((await fetch(`${base()}/?token=nope`)).status).toBe(403)
    expect((await call('engineInfo', [], null)).status).toBe(403)
    expect((await call('engineInfo', [], 'x'.repeat(server.token.length))).status).toBe(403)
  })

  it('serves the page with the token, a strict CSP and a cookie for its own assets', async () => {
    const res = await fetch(server.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/)
    expect((await fetch(`${base()}/index.html`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200)
    expect((await fetch(`${base()}/../../etc/passwd?token=${server.token}`)).status).toBe(404)
  })

  it('summarises a workspace sent as text', async () => {
    const { status, body } = await call<WorkspaceSummary>('loadWorkspaceText', [tutorial, 'workspace.json'])
    expect(status).toBe(200)
    if (!body.ok) throw new Error(body.error.message)
    expect(body.result.poi).toBe('mu')
    expect(body.result.channels.map((c) => [c.name, c.nBins])).toEqual([['SR', 20]])
    expect(body.result.file).toBe('workspace.json')
  })

  it('answers bad input with the error shape: code, message, file, line', async () => {
    const { status, body } = await call('loadWorkspaceText', ['{\n  "channels": [\n', 'broken.json'])
    expect(status).toBe(400)
    if (body.ok) throw new Error('expected an error')
    expect(body.error.code).toBe('E_JSON_SYNTAX')
    expect(body.error.file).toBe('broken.json')
    expect(body.error.line).toBeGreaterThanOrEqual(2)
  })

  it('refuses unknown methods, wrong argument types and oversized bodies', async () => {
    expect((await call('deleteEverything', [])).body).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } })
    expect((await call('loadWorkspaceText', [42])).body).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } })
    expect((await call('setTheme', ['purple'])).body).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } })
    const big = await call('loadWorkspaceText', ['x'.repeat(2 * 1024 * 1024)])
    expect(big.status).toBe(413)
    expect(big.body).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } })
  })

  it('pushes events over the WebSocket to token holders only', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/events`)
    await expect(new Promise((resolve, reject) => (refused.on('open', resolve), refused.on('error', reject)))).rejects.toThrow()

    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${server.token}`)
    await new Promise((resolve, reject) => (socket.on('open', resolve), socket.on('error', reject)))
    const received = new Promise<HistuneEvent>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))))
    const { body } = await call('setTheme', ['dark'])
    expect(body.ok).toBe(true)
    expect(await received).toEqual({ type: 'settings-changed', settings: { theme: 'dark', recentFiles: [], recentStudies: [] } })
    socket.close()
  })
})
