import { createStore, type StoreApi } from 'zustand/vanilla'
import type {
  ApiError,
  EngineInfo,
  HistuneApi,
  HistuneEvent,
  RecentFile,
  RecentStudy,
  Settings,
  Theme,
  WorkspaceSummary,
} from '../../../preload/api'
import type { ApiHost } from '../bridge'
import { toApiError } from '../bridge/errors'
import { formatBytes } from '../format'
import { createRootBrowserSlice, type RootBrowserActions, type RootBrowserState } from './root-files'
import { createStudySlice, type StudyActions, type StudySliceOptions, type StudyState } from './study'

export type ResolvedTheme = 'light' | 'dark'

export interface StudioState extends StudyState, RootBrowserState {
  host: ApiHost
  summary: WorkspaceSummary | null
  /** Name shown while a workspace is being read; null when the backend picks the file (dialog). */
  loading: { label: string | null } | null
  error: ApiError | null
  theme: Theme
  recentFiles: RecentFile[]
  recentStudies: RecentStudy[]
  /** A pyhf patchset dropped on the window, for the workspace editor to apply. */
  droppedPatchset: { fileName: string; text: string } | null
  /** The keyboard-shortcut help overlay is open. */
  helpOpen: boolean
  selectedChannel: string | null
  engine: EngineInfo | null
}

export interface StudioActions extends StudyActions, RootBrowserActions {
  /** Fetch settings and engine info, subscribe to backend events; returns the cleanup. */
  start(): () => void
  loadWorkspaceText(text: string, fileName: string): Promise<void>
  /** Read a dropped or picked file in the renderer and load its text. */
  loadWorkspaceFile(file: File): Promise<void>
  /** A dropped or picked file: a study config (YAML, or JSON with `model` and `binning`) or a workspace. */
  loadDroppedFile(file: File): Promise<void>
  /** Read a picked study config in the renderer and load its text. */
  loadStudyConfigFile(file: File): Promise<void>
  openWorkspaceFile(path: string): Promise<void>
  /** Reopen a recent study: a config file, or a study in a database. */
  openRecentStudy(recent: RecentStudy): Promise<void>
  takeDroppedPatchset(): { fileName: string; text: string } | null
  setHelpOpen(open: boolean): void
  showOpenDialog(): Promise<void>
  setTheme(theme: Theme): Promise<void>
  selectChannel(name: string): void
  reportError(error: ApiError): void
  dismissError(): void
  handleEvent(event: HistuneEvent): void
}

export type StudioStore = StoreApi<StudioState & StudioActions>

export interface StudioStoreOptions extends StudySliceOptions {
  /** The real path of a dropped file (Electron's webUtils through the preload); absent in a browser. */
  pathForFile?: (file: File) => string | null
}

/** What kind of file a drop is, by its name (JSON files are told apart by their content). */
export type DroppedKind = 'study-config' | 'json' | 'database' | 'root' | 'other'

export function droppedKind(fileName: string): DroppedKind {
  if (YAML_NAME.test(fileName)) return 'study-config'
  if (/\.json$/i.test(fileName)) return 'json'
  if (/\.(db|sqlite3?)$/i.test(fileName)) return 'database'
  if (/\.root$/i.test(fileName)) return 'root'
  return 'other'
}

/** A pyhf patchset: `metadata` and a `patches` array at the top level (pyhf's patchset schema). */
export function isPatchset(text: string): boolean {
  if (!/"patches"/.test(text)) return false
  try {
    const parsed: unknown = JSON.parse(text)
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      'metadata' in parsed &&
      Array.isArray((parsed as { patches?: unknown }).patches)
    )
  } catch {
    return false
  }
}

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

const YAML_NAME = /\.ya?ml$/i

/** A study config is YAML, or JSON with the two required sections at the top level. */
export function isStudyConfig(fileName: string, text: string): boolean {
  if (YAML_NAME.test(fileName)) return true
  if (!/\.json$/i.test(fileName) || !/"model"/.test(text) || !/"binning"/.test(text)) return false
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'model' in parsed && 'binning' in parsed
  } catch {
    return false
  }
}

export function createStudioStore(api: HistuneApi, host: ApiHost, options: StudioStoreOptions = {}): StudioStore {
  const pathForFile = (file: File): string | null => {
    try {
      return options.pathForFile?.(file) || null
    } catch {
      return null
    }
  }
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
        view: 'workspace',
        loading: null,
        error: null,
        selectedChannel: channelToSelect(summary, get().selectedChannel),
      })
    }

    function applySettings(settings: Settings) {
      set({ theme: settings.theme, recentFiles: settings.recentFiles, recentStudies: settings.recentStudies ?? [] })
    }

    function tooLarge(file: File): ApiError | null {
      const limit = get().engine?.maxWorkspaceBytes
      if (limit === undefined || file.size <= limit) return null
      return {
        code: 'E_TOO_LARGE',
        message: `The file is ${formatBytes(file.size)}; Histune reads files up to ${formatBytes(limit)}.`,
        file: file.name,
      }
    }

    return {
      ...createStudySlice(api, set, get, options),
      ...createRootBrowserSlice(api, set, get),
      host,
      summary: null,
      loading: null,
      error: null,
      theme: 'system',
      recentFiles: [],
      recentStudies: [],
      droppedPatchset: null,
      helpOpen: false,
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

      async loadDroppedFile(file) {
        // Electron knows where a dropped file lives: the backend reads it there, so a config's relative
        // paths resolve against its own folder. A browser sends the name (databases) or the text.
        const path = pathForFile(file)
        const kind = droppedKind(file.name)
        if (kind === 'database') return get().openStudyDatabase(path ?? file.name)
        if (kind === 'root') return get().openRootFile(file, path)
        if (kind === 'study-config') return path ? get().openStudyConfigFile(path) : get().loadStudyConfigFile(file)
        if (kind !== 'json' || tooLarge(file)) return get().loadWorkspaceFile(file)
        let text: string
        try {
          text = await readFileText(file)
        } catch (reason) {
          set({ error: toApiError(reason) })
          return
        }
        if (isStudyConfig(file.name, text)) return path ? get().openStudyConfigFile(path) : get().loadStudyConfigText(text, file.name)
        if (isPatchset(text)) {
          if (get().summary === null) {
            set({
              view: 'workspace',
              error: {
                code: 'E_BAD_REQUEST',
                message: `${file.name} is a pyhf patchset: open the workspace it patches first, then drop the patchset again to apply one of its patches.`,
                file: file.name,
              },
            })
            return
          }
          set({ droppedPatchset: { fileName: file.name, text }, view: 'workspace', error: null })
          return
        }
        if (path) return get().openWorkspaceFile(path)
        return load(file.name, () => api.loadWorkspaceText(text, file.name))
      },

      openRecentStudy(recent) {
        if (recent.kind === 'config') return get().openStudyConfigFile(recent.path)
        if (recent.studyName !== undefined) return get().openStoredStudy(recent.path, recent.studyName)
        return get().openStudyDatabase(recent.path)
      },

      takeDroppedPatchset() {
        const dropped = get().droppedPatchset
        if (dropped !== null) set({ droppedPatchset: null })
        return dropped
      },

      setHelpOpen(open) {
        set({ helpOpen: open })
      },

      async loadStudyConfigFile(file) {
        const refused = tooLarge(file)
        if (refused) {
          set({ error: refused })
          return
        }
        let text: string
        try {
          text = await readFileText(file)
        } catch (reason) {
          set({ error: toApiError(reason) })
          return
        }
        return get().loadStudyConfigText(text, file.name)
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
        if (get().handleStudyEvent(event)) return
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
