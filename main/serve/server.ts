import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  SERVE_API_PREFIX,
  SERVE_EVENTS_PATH,
  SERVE_TOKEN_HEADER,
  type BridgeResponse,
  type HistuneEvent,
} from '../../preload/api'
import { HistuneError, toApiError } from '../errors'
import { createBackend, dispatch } from '../services/backend'
import type { SettingsStore } from '../settings'
import { MAX_WORKSPACE_BYTES } from '../workspace/load'

export interface ServeOptions {
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string
  settings: SettingsStore
  port?: number
  host?: string
  /** Fixed token (tests); a random one per run otherwise. */
  token?: string
}

export interface RunningServer {
  url: string
  token: string
  port: number
  emit(event: HistuneEvent): void
  close(): Promise<void>
}

const COOKIE = 'histune_token'
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}
/** Request bodies carry a workspace as JSON text (escaped), so allow some headroom over the file limit. */
const MAX_BODY_BYTES = Math.ceil(MAX_WORKSPACE_BYTES * 1.25) + 1024 * 1024

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === COOKIE) return value.join('=')
  }
  return undefined
}

function sendJson(res: ServerResponse, status: number, body: BridgeResponse<unknown>): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(text)
}

function statusFor(code: string): number {
  switch (code) {
    case 'E_INTERNAL':
    case 'E_ENGINE':
      return 500
    case 'E_TOO_LARGE':
      return 413
    default:
      return 400
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw tooLarge(size)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function tooLarge(bytes: number): HistuneError {
  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1)
  return new HistuneError(
    'E_TOO_LARGE',
    `the request is ${mb(bytes)} MB, more than the ${mb(MAX_WORKSPACE_BYTES)} MB workspace limit`,
  )
}

/** Serve the built renderer and bridge the preload contract over HTTP + WebSocket on loopback. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const host = options.host ?? '127.0.0.1'
  const sockets = new Set<WebSocket>()
  const emit = (event: HistuneEvent): void => {
    const text = JSON.stringify(event)
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(text)
  }
  const backend = createBackend({ host: 'serve', settings: options.settings, emit })
  const rendererRoot = normalize(options.rendererDir + sep)

  const authorised = (req: IncomingMessage, url: URL): boolean =>
    sameToken(url.searchParams.get('token') ?? undefined, token) ||
    sameToken(req.headers[SERVE_TOKEN_HEADER] as string | undefined, token) ||
    sameToken(cookieToken(req), token)

  const serveStatic = async (url: URL, res: ServerResponse): Promise<void> => {
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)
    const file = normalize(join(rendererRoot, relative))
    if (!file.startsWith(rendererRoot)) {
      res.writeHead(404).end()
      return
    }
    const info = await stat(file).catch(() => null)
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    }
    if (extname(file) === '.html') {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY
      // The token in the URL becomes a strict cookie, so the page's own assets and socket are authorised.
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
    }
    res.writeHead(200, headers)
    createReadStream(file).pipe(res)
  }

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { ok: false, error: { code: 'E_BAD_REQUEST', message: 'use POST' } })
      return
    }
    try {
      const body = await readBody(req)
      let parsed: unknown
      try {
        parsed = body === '' ? {} : JSON.parse(body)
      } catch {
        throw new HistuneError('E_BAD_REQUEST', 'the request body is not JSON')
      }
      const args = (parsed as { args?: unknown }).args ?? []
      const result = await dispatch(backend, method, args)
      sendJson(res, 200, { ok: true, result })
    } catch (error) {
      const api = toApiError(error)
      if (api.code === 'E_TOO_LARGE') req.resume()
      sendJson(res, statusFor(api.code), { ok: false, error: api })
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (!authorised(req, url)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('histune serve: open the URL with ?token=… that the server printed')
      return
    }
    const handle = url.pathname.startsWith(SERVE_API_PREFIX)
      ? handleApi(req, res, url.pathname.slice(SERVE_API_PREFIX.length))
      : serveStatic(url, res)
    handle.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: toApiError(error) })
      else res.destroy()
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== SERVE_EVENTS_PATH || !authorised(req, url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('error', () => sockets.delete(ws))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host}:${port}/?token=${token}`,
    token,
    port,
    emit,
    close: async () => {
      for (const socket of sockets) socket.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
