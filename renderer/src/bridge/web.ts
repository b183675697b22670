/**
 * The browser bridge: `HistuneApi` over the `histune serve` protocol (HTTP requests + one WebSocket
 * of events), for when the UI runs in a plain browser instead of Electron.
 */
import {
  SERVE_API_PREFIX,
  SERVE_EVENTS_PATH,
  SERVE_TOKEN_HEADER,
  isApiError,
  type ApiError,
  type BridgeResponse,
  type ChannelEdges,
  type HistuneApi,
  type HistuneEvent,
  type NtupleStudyDraftRequest,
  type RequestArgs,
  type RequestMethod,
  type RequestResult,
  type RootBranchRequest,
  type StudyStartOptions,
  type Unsubscribe,
} from '../../../preload/api'

export const TOKEN_STORAGE_KEY = 'histune.token'

export interface WebBridgeOptions {
  /** Per-run secret printed by `histune serve`; null when the page was opened without one. */
  token: string | null
  /** Origin of the serve process, e.g. `http://127.0.0.1:5123`. */
  origin: string
  fetch?: typeof globalThis.fetch
  WebSocket?: typeof globalThis.WebSocket
  /** Delay before the n-th consecutive reconnect attempt (n starts at 1). */
  reconnectDelayMs?: (attempt: number) => number
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

const defaultReconnectDelay = (attempt: number): number => Math.min(500 * 2 ** (attempt - 1), 10_000)

const OPEN_PRINTED_URL = 'Open the address that “histune serve” printed (it ends in /?token=…).'

const missingToken: ApiError = { code: 'E_BAD_REQUEST', message: `No access token. ${OPEN_PRINTED_URL}` }

function isHistuneEvent(value: unknown): value is HistuneEvent {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return (
    type === 'workspace-opened' ||
    type === 'open-failed' ||
    type === 'settings-changed' ||
    type === 'study-setup' ||
    type === 'trials' ||
    type === 'study-progress' ||
    type === 'study-database'
  )
}

/** JSON turns a trailing `undefined` argument into `null`; optional arguments must stay absent. */
function trimTrailingUndefined(args: readonly unknown[]): unknown[] {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  return args.slice(0, end)
}

export class WebBridge implements HistuneApi {
  readonly #token: string | null
  readonly #origin: string
  readonly #fetch: typeof globalThis.fetch
  readonly #WebSocket: typeof globalThis.WebSocket | undefined
  readonly #reconnectDelayMs: (attempt: number) => number
  readonly #setTimeout: (callback: () => void, ms: number) => unknown
  readonly #clearTimeout: (handle: unknown) => void

  readonly #listeners = new Set<(event: HistuneEvent) => void>()
  #socket: WebSocket | null = null
  #reconnectTimer: unknown = null
  #failedAttempts = 0

  constructor(options: WebBridgeOptions) {
    this.#token = options.token
    this.#origin = options.origin
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket
    this.#reconnectDelayMs = options.reconnectDelayMs ?? defaultReconnectDelay
    this.#setTimeout = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms))
    this.#clearTimeout =
      options.clearTimeout ??
      ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>))
  }

  loadWorkspaceText(text: string, fileName?: string) {
    return this.#request('loadWorkspaceText', [text, fileName])
  }
  openWorkspaceFile(path: string) {
    return this.#request('openWorkspaceFile', [path])
  }
  showOpenDialog() {
    return this.#request('showOpenDialog', [])
  }
  getSettings() {
    return this.#request('getSettings', [])
  }
  setTheme(theme: Parameters<HistuneApi['setTheme']>[0]) {
    return this.#request('setTheme', [theme])
  }
  engineInfo() {
    return this.#request('engineInfo', [])
  }
  gpuStatus() {
    return this.#request('gpuStatus', [])
  }
  loadStudyConfigText(text: string, fileName?: string) {
    return this.#request('loadStudyConfigText', [text, fileName])
  }
  openStudyConfigFile(path: string) {
    return this.#request('openStudyConfigFile', [path])
  }
  evaluateBinning(edges: ChannelEdges) {
    return this.#request('evaluateBinning', [edges])
  }
  studyBaselines() {
    return this.#request('studyBaselines', [])
  }
  startStudy(options: StudyStartOptions) {
    return this.#request('startStudy', [options])
  }
  pauseStudy() {
    return this.#request('pauseStudy', [])
  }
  resumeStudy() {
    return this.#request('resumeStudy', [])
  }
  cancelStudy() {
    return this.#request('cancelStudy', [])
  }
  studyTrials() {
    return this.#request('studyTrials', [])
  }
  exportWorkspace(edges: ChannelEdges) {
    return this.#request('exportWorkspace', [edges])
  }
  studyImportances() {
    return this.#request('studyImportances', [])
  }
  openStudyDatabase(path: string) {
    return this.#request('openStudyDatabase', [path])
  }
  openStoredStudy(path: string, studyName: string) {
    return this.#request('openStoredStudy', [path, studyName])
  }
  workspaceSource() {
    return this.#request('workspaceSource', [])
  }
  validateWorkspaceText(text: string, fileName?: string) {
    return this.#request('validateWorkspaceText', [text, fileName])
  }
  saveWorkspaceFile(path: string, text: string) {
    return this.#request('saveWorkspaceFile', [path, text])
  }
  describePatchset(patchsetText: string, fileName?: string) {
    return this.#request('describePatchset', [patchsetText, fileName])
  }
  applyPatchset(workspaceText: string, patchsetText: string, name: string) {
    return this.#request('applyPatchset', [workspaceText, patchsetText, name])
  }
  openRootFile(path: string) {
    return this.#request('openRootFile', [path])
  }
  uploadRootFile(base64: string, fileName: string) {
    return this.#request('uploadRootFile', [base64, fileName])
  }
  summarizeRootBranch(request: RootBranchRequest) {
    return this.#request('summarizeRootBranch', [request])
  }
  draftNtupleStudy(request: NtupleStudyDraftRequest) {
    return this.#request('draftNtupleStudy', [request])
  }

  onEvent(listener: (event: HistuneEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    if (this.#listeners.size === 1) this.#connect()
    return () => {
      if (!this.#listeners.delete(listener)) return
      if (this.#listeners.size === 0) this.#disconnect()
    }
  }

  async #request<M extends RequestMethod>(
    method: M,
    args: RequestArgs<M>,
  ): Promise<RequestResult<M>> {
    if (this.#token === null) throw missingToken
    let response: Response
    try {
      response = await this.#fetch(`${this.#origin}${SERVE_API_PREFIX}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVE_TOKEN_HEADER]: this.#token },
        body: JSON.stringify({ args: trimTrailingUndefined(args) }),
      })
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw {
        code: 'E_IO',
        message: `Cannot reach the Histune server (${reason}).`,
      } satisfies ApiError
    }

    if (response.status === 401 || response.status === 403) {
      throw {
        code: 'E_BAD_REQUEST',
        message: `The Histune server refused the access token (HTTP ${response.status}). ${OPEN_PRINTED_URL}`,
      } satisfies ApiError
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw {
        code: response.ok ? 'E_INTERNAL' : 'E_IO',
        message: `Unexpected reply from the Histune server to ${method} (HTTP ${response.status}).`,
      } satisfies ApiError
    }
    const reply = body as Partial<BridgeResponse<RequestResult<M>>>
    if (reply.ok === true && response.ok) return (reply as { result: RequestResult<M> }).result
    if (reply.ok === false && isApiError(reply.error)) throw reply.error
    throw {
      code: 'E_INTERNAL',
      message: `Malformed reply from the Histune server to ${method} (HTTP ${response.status}).`,
    } satisfies ApiError
  }

  #eventsUrl(): string {
    const url = new URL(SERVE_EVENTS_PATH, this.#origin)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('token', this.#token ?? '')
    return url.toString()
  }

  #connect(): void {
    if (this.#token === null || this.#WebSocket === undefined || this.#socket !== null) return
    const socket = new this.#WebSocket(this.#eventsUrl())
    this.#socket = socket
    socket.addEventListener('open', () => {
      this.#failedAttempts = 0
    })
    socket.addEventListener('message', (message: MessageEvent) => {
      if (typeof message.data !== 'string') return
      let event: unknown
      try {
        event = JSON.parse(message.data)
      } catch {
        return
      }
      if (!isHistuneEvent(event)) return
      for (const listener of [...this.#listeners]) listener(event)
    })
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return
      this.#socket = null
      this.#scheduleReconnect()
    })
  }

  #scheduleReconnect(): void {
    if (this.#listeners.size === 0 || this.#reconnectTimer !== null) return
    this.#failedAttempts++
    this.#reconnectTimer = this.#setTimeout(() => {
      this.#reconnectTimer = null
      if (this.#listeners.size > 0) this.#connect()
    }, this.#reconnectDelayMs(this.#failedAttempts))
  }

  #disconnect(): void {
    if (this.#reconnectTimer !== null) {
      this.#clearTimeout(this.#reconnectTimer)
      this.#reconnectTimer = null
    }
    const socket = this.#socket
    this.#socket = null
    this.#failedAttempts = 0
    socket?.close()
  }
}

/**
 * Take the token from `?token=` (and remember it for reloads), else from this tab's sessionStorage.
 * The token is then removed from the address bar so it does not end up in screenshots or history.
 */
export function readServeToken(location: Location, storage: Storage, history?: History): string | null {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl)
    if (history) {
      url.searchParams.delete('token')
      history.replaceState(history.state, '', url.pathname + url.search + url.hash)
    }
    return fromUrl
  }
  return storage.getItem(TOKEN_STORAGE_KEY)
}

export function createWebBridge(win: Window = window): WebBridge {
  return new WebBridge({
    token: readServeToken(win.location, win.sessionStorage, win.history),
    origin: win.location.origin,
  })
}
