import { createStore, type StoreApi } from 'zustand/vanilla'
import type {
  ApiError,
  EngineInfo,
  HistuneApi,
  HistuneEvent,
  RecentFile,
  Settings,
  Theme,
  WorkspaceSummary,
} from '../../../preload/api'
import type { ApiHost } from '../bridge'
import { toApiError } from '../bridge/errors'
import { formatBytes } from '../format'

export type ResolvedTheme = 'light' | 'dark'

export interface StudioState {
  host: ApiHost
  summary: WorkspaceSummary | null
  /** Name shown while a workspace is being read; null when the backend picks the file (dialog). */
  loading: { label: string | null } | null
  error: ApiError | null
  theme: Theme
  recentFiles: RecentFile[]
  selectedChannel: string | null
  engine: EngineInfo | null
}

export interface StudioActions {
  /** Fetch settings and engine info, subscribe to backend events; returns the cleanup. */
  start(): () => void
  loadWorkspaceText(text: string, fileName: string): Promise<void>
  /** Read a dropped or picked file in the renderer and load its text. */
  loadWorkspaceFile(file: File): Promise<void>
  openWorkspaceFile(path: string): Promise<void>
  showOpenDialog(): Promise<void>
  setTheme(theme: Theme): Promise<void>
  selectChannel(name: string): void
  reportError(error: ApiError): void
  dismissError(): void
  handleEvent(event: HistuneEvent): void
}

export type StudioStore = StoreApi<StudioState & StudioActions>

/** Keep the selected channel when the new workspace has it too, else select the first one. */
function channelToSelect(summary: WorkspaceSummary, current: string | null): string | null {
  if (current !== null && summary.channels.some((c) => c.name === current)) return current
  return summary.channels[0]?.name ?? null
}

async function readFileText(file: File): Promise<string> {
  try {
    return await file.text()
  } catch (reason) {
    const detail = reason instanceof Error ? reason.message : String(reason)
    throw { code: 'E_IO', message: `Could not read the file (${detail}).`, file: file.name } satisfies ApiError
  }
}

export function resolveTheme(theme: Theme, systemPrefersDark: boolean): ResolvedTheme {
  if (theme === 'system') return systemPrefersDark ? 'dark' : 'light'
  return theme
}

export function createStudioStore(api: HistuneApi, host: ApiHost): StudioStore {
  return createStore<StudioState & StudioActions>()((set, get) => {
    /** Only the latest load may change the view: a slow earlier file must not replace a newer one. */
    let loadGeneration = 0

    async function load(label: string | null, request: () => Promise<WorkspaceSummary | null>) {
      const generation = ++loadGeneration
      set({ loading: { label }, error: null })
      try {
        const summary = await request()
        if (generation !== loadGeneration) return
        if (summary === null) {
          set({ loading: null })
          return
        }
        showSummary(summary)
      } catch (reason) {
        if (generation !== loadGeneration) return
        set({ loading: null, error: toApiError(reason) })
      }
    }

    function showSummary(summary: WorkspaceSummary) {
      set({
        summary,
        loading: null,
        error: null,
        selectedChannel: channelToSelect(summary, get().selectedChannel),
      })
    }

    function applySettings(settings: Settings) {
      set({ theme: settings.theme, recentFiles: settings.recentFiles })
    }

    return {
      host,
      summary: null,
      loading: null,
      error: null,
      theme: 'system',
      recentFiles: [],
      selectedChannel: null,
      engine: null,

      start() {
        let active = true
        const unsubscribe = api.onEvent((event) => get().handleEvent(event))
        api.getSettings().then(
          (settings) => {
            if (active) applySettings(settings)
          },
          (reason) => {
            if (active) set({ error: toApiError(reason) })
          },
        )
        // Without engine details the status bar stays empty and drops are not size-checked up front.
        api.engineInfo().then(
          (engine) => {
            if (active) set({ engine })
          },
          () => undefined,
        )
        return () => {
          active = false
          unsubscribe()
        }
      },

      loadWorkspaceText(text, fileName) {
        return load(fileName, () => api.loadWorkspaceText(text, fileName))
      },

      loadWorkspaceFile(file) {
        const limit = get().engine?.maxWorkspaceBytes
        if (limit !== undefined && file.size > limit) {
          loadGeneration++
          set({
            loading: null,
            error: {
              code: 'E_TOO_LARGE',
              message: `The file is ${formatBytes(file.size)}; Histune reads workspaces up to ${formatBytes(limit)}.`,
              file: file.name,
            },
          })
          return Promise.resolve()
        }
        return load(file.name, async () => {
          const text = await readFileText(file)
          return api.loadWorkspaceText(text, file.name)
        })
      },

      openWorkspaceFile(path) {
        return load(path, () => api.openWorkspaceFile(path))
      },

      showOpenDialog() {
        return load(null, () => api.showOpenDialog())
      },

      async setTheme(theme) {
        const previous = get().theme
        set({ theme })
        try {
          applySettings(await api.setTheme(theme))
        } catch (reason) {
          set({ theme: previous, error: toApiError(reason) })
        }
      },

      selectChannel(name) {
        if (get().summary?.channels.some((c) => c.name === name)) set({ selectedChannel: name })
      },

      reportError(error) {
        set({ error })
      },

      dismissError() {
        set({ error: null })
      },

      handleEvent(event) {
        switch (event.type) {
          case 'workspace-opened':
            loadGeneration++
            showSummary(event.summary)
            break
          case 'open-failed':
            loadGeneration++
            set({ loading: null, error: event.error })
            break
          case 'settings-changed':
            applySettings(event.settings)
            break
        }
      },
    }
  })
}
