import type { HistuneApi } from '../../preload/api'

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge; absent in a plain browser (`histune serve`). */
    histune?: HistuneApi
  }
}

export {}
