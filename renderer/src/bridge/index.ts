import type { HistuneApi } from '../../../preload/api'
import { createWebBridge } from './web'

export type ApiHost = 'electron' | 'serve'

let bridge: { api: HistuneApi; host: ApiHost } | undefined

function resolveBridge(): { api: HistuneApi; host: ApiHost } {
  bridge ??= window.histune
    ? { api: window.histune, host: 'electron' }
    : { api: createWebBridge(window), host: 'serve' }
  return bridge
}

/** The backend: Electron's preload bridge when present, otherwise the `histune serve` web bridge. */
export function getApi(): HistuneApi {
  return resolveBridge().api
}

/** Where the UI runs: decides between the native open dialog and a browser file picker. */
export function getApiHost(): ApiHost {
  return resolveBridge().host
}
