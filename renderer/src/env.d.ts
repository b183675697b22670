import type { HistuneApi, HistuneFiles } from '../../preload/api'

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge; absent in a plain browser (`histune serve`). */
    histune?: HistuneApi
    /** Electron only: the real paths of dropped files. */
    histuneFiles?: HistuneFiles
  }
}

export {}
