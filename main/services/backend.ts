import { resolve } from 'node:path'
import type {
  EngineInfo,
  HistuneEvent,
  RequestArgs,
  RequestMethod,
  RequestResult,
  Settings,
  StudyStartOptions,
  Theme,
  WorkspaceSummary,
} from '../../preload/api'
import { REQUEST_METHODS } from '../../preload/api'
import { engineVersion } from '../engine'
import * as gpu from '../engine/gpu'
import { HistuneError } from '../errors'
import { getStorage } from '../study'
import type { SettingsStore } from '../settings'
import { MAX_WORKSPACE_BYTES } from '../workspace/load'
import { describeDatabase, freeStudyName, resolveDatabasePath, sqliteUrl } from './databases'
import { checkBranchRequest, checkDraft, draftNtupleStudy, RootFileService } from './root-files'
import { StudioSession } from './studio'
import { WorkspaceEditorService } from './workspace-editor'

/** The request half of the contract, as the main process (IPC) and `histune serve` (HTTP) both serve it. */
export type Backend = { [M in RequestMethod]: (...args: RequestArgs<M>) => Promise<RequestResult<M>> }

export interface BackendHost {
  host: EngineInfo['host']
  settings: SettingsStore
  /** Pushes an event to every connected UI. */
  emit(event: HistuneEvent): void
  /** A native open dialog (Electron only); resolves the chosen path or null. */
  choosePath?: () => Promise<string | null>
}

export function createBackend(host: BackendHost): Backend {
  const studio = new StudioSession((event) => host.emit(event))
  const remember = (path: string): void => host.emit({ type: 'settings-changed', settings: host.settings.addRecentFile(path) })
  const rememberStudy = (entry: Parameters<SettingsStore['addRecentStudy']>[0]): void =>
    host.emit({ type: 'settings-changed', settings: host.settings.addRecentStudy(entry) })
  /** Relative paths a browser sends (a dropped file's name) resolve here: serve's working directory. */
  const baseDir = process.cwd()

  /** A new study in the studio is kept in the studies database, under a name no study there has. */
  const startOptions = async (options: StudyStartOptions): Promise<StudyStartOptions> => {
    const database = host.settings.studiesDatabase()
    const setup = studio.setup
    if (options.storage !== undefined || database === null || setup === null) return options
    const storage = await getStorage(sqliteUrl(database))
    try {
      return { ...options, storage: sqliteUrl(database), studyName: options.studyName ?? (await freeStudyName(storage, setup.name)) }
    } finally {
      await storage.close()
    }
  }

  const workspaces = new WorkspaceEditorService(host.host === 'electron')
  const rootFiles = new RootFileService(baseDir)

  const openWorkspaceFile = async (path: string): Promise<WorkspaceSummary> => {
    const summary = await workspaces.loadFile(path)
    remember(path)
    return summary
  }

  return {
    loadWorkspaceText: async (text: string, fileName?: string) => workspaces.loadText(text, fileName),
    openWorkspaceFile,
    showOpenDialog: async () => {
      const path = host.choosePath ? await host.choosePath() : null
      return path === null ? null : openWorkspaceFile(path)
    },
    getSettings: async (): Promise<Settings> => host.settings.snapshot(),
    setTheme: async (theme: Theme) => {
      const settings = host.settings.setTheme(theme)
      host.emit({ type: 'settings-changed', settings })
      return settings
    },
    engineInfo: async (): Promise<EngineInfo> => {
      const info: EngineInfo = { version: engineVersion(), host: host.host, maxWorkspaceBytes: MAX_WORKSPACE_BYTES, baseDir }
      const database = host.settings.studiesDatabase()
      if (database !== null) info.studiesDatabase = database
      return info
    },
    gpuStatus: async () => {
      const s = await gpu.status()
      return { selected: s.selected && { name: s.selected.name, backend: s.selected.backend, deviceType: s.selected.deviceType, f64: s.selected.f64 }, adapters: s.adapters, note: s.note, lastRun: s.lastRun }
    },
    loadStudyConfigText: async (text, fileName) => {
      try {
        return await studio.loadConfigText(text, fileName)
      } catch (error) {
        // A browser sends a dropped config's text, not its folder: say where its relative paths went.
        if (error instanceof HistuneError && error.code === 'E_IO' && host.host === 'serve') {
          throw new HistuneError(
            'E_IO',
            `${error.message} — a dropped config's relative paths resolve in ${baseDir}, where histune serve runs: ` +
              'start it in the config’s folder, or use absolute paths',
            { path: error.path, file: error.file, line: error.line },
          )
        }
        throw error
      }
    },
    openStudyConfigFile: async (path) => {
      const setup = await studio.loadConfigFile(path)
      rememberStudy({ path: resolve(path), kind: 'config' })
      return setup
    },
    evaluateBinning: (edges) => studio.evaluate(edges),
    studyBaselines: () => studio.baselines(),
    startStudy: async (options) => {
      const resolved = await startOptions(options ?? {})
      const progress = await studio.start(resolved)
      if (resolved.storage?.startsWith('sqlite:///')) {
        rememberStudy({ path: resolved.storage.slice('sqlite:///'.length), kind: 'database', studyName: progress.studyName })
      }
      return progress
    },
    pauseStudy: async () => studio.pause(),
    resumeStudy: async () => studio.resume(),
    cancelStudy: async () => studio.cancel(),
    studyTrials: () => studio.trials(),
    exportWorkspace: async (edges) => studio.exportWorkspace(edges),
    studyImportances: () => studio.importances(),
    openStudyDatabase: (path) => describeDatabase(path, baseDir),
    openStoredStudy: async (path, studyName) => {
      const file = resolveDatabasePath(path, baseDir)
      const stored = await studio.openStored(file, studyName)
      rememberStudy({ path: file, kind: 'database', studyName })
      return stored
    },
    workspaceSource: async () => workspaces.current(),
    validateWorkspaceText: async (text, fileName) => workspaces.validate(text, fileName),
    saveWorkspaceFile: async (path, text) => {
      const summary = await workspaces.save(path, text)
      remember(path)
      return summary
    },
    describePatchset: async (patchsetText, fileName) => workspaces.describePatchset(patchsetText, fileName),
    applyPatchset: async (workspaceText, patchsetText, name) => workspaces.applyPatchset(workspaceText, patchsetText, name),
    openRootFile: (path) => rootFiles.open(path),
    uploadRootFile: (base64, fileName) => rootFiles.upload(base64, fileName),
    summarizeRootBranch: (request) => rootFiles.summarize(request),
    draftNtupleStudy: async (request) => draftNtupleStudy(request),
  }
}

type ArgCheck = (args: unknown[]) => string | null

const optionalString = (value: unknown): boolean => value === undefined || value === null || typeof value === 'string'

const isEdges = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((edges) => Array.isArray(edges) && edges.every((x) => typeof x === 'number' && Number.isFinite(x)))

const START_OPTION_TYPES: Record<string, 'number' | 'string'> = {
  trials: 'number',
  seed: 'number',
  workers: 'number',
  storage: 'string',
  studyName: 'string',
  sampler: 'string',
}

function checkStartOptions(options: unknown): string | null {
  if (options === undefined || options === null) return null
  if (typeof options !== 'object' || Array.isArray(options)) return 'options must be an object'
  for (const [key, value] of Object.entries(options)) {
    const type = START_OPTION_TYPES[key]
    if (type === undefined) return `unknown option ${key}`
    if (value !== undefined && value !== null && typeof value !== type) return `${key} must be a ${type}`
  }
  return null
}

const EDGES_PROBLEM = 'edges must map channel names to arrays of finite numbers'

/** What each request accepts: requests from a browser or a renderer are untrusted input. */
const ARG_CHECKS: { [M in RequestMethod]: ArgCheck } = {
  loadWorkspaceText: ([text, fileName]) =>
    typeof text !== 'string' ? 'text must be a string' : optionalString(fileName) ? null : 'fileName must be a string',
  openWorkspaceFile: ([path]) => (typeof path === 'string' && path !== '' ? null : 'path must be a non-empty string'),
  showOpenDialog: () => null,
  getSettings: () => null,
  setTheme: ([theme]) => (theme === 'light' || theme === 'dark' || theme === 'system' ? null : 'theme must be light, dark or system'),
  engineInfo: () => null,
  gpuStatus: () => null,
  loadStudyConfigText: ([text, fileName]) =>
    typeof text !== 'string' ? 'text must be a string' : optionalString(fileName) ? null : 'fileName must be a string',
  openStudyConfigFile: ([path]) => (typeof path === 'string' && path !== '' ? null : 'path must be a non-empty string'),
  evaluateBinning: ([edges]) => (isEdges(edges) ? null : EDGES_PROBLEM),
  studyBaselines: () => null,
  startStudy: ([options]) => checkStartOptions(options),
  pauseStudy: () => null,
  resumeStudy: () => null,
  cancelStudy: () => null,
  studyTrials: () => null,
  exportWorkspace: ([edges]) => (isEdges(edges) ? null : EDGES_PROBLEM),
  studyImportances: () => null,
  openStudyDatabase: ([path]) => (typeof path === 'string' && path !== '' ? null : 'path must be a non-empty string'),
  openStoredStudy: ([path, studyName]) =>
    typeof path !== 'string' || path === ''
      ? 'path must be a non-empty string'
      : typeof studyName === 'string' && studyName !== ''
        ? null
        : 'studyName must be a non-empty string',
  workspaceSource: () => null,
  validateWorkspaceText: ([text, fileName]) =>
    typeof text !== 'string' ? 'text must be a string' : optionalString(fileName) ? null : 'fileName must be a string',
  saveWorkspaceFile: ([path, text]) =>
    typeof path !== 'string' || path === '' ? 'path must be a non-empty string' : typeof text === 'string' ? null : 'text must be a string',
  describePatchset: ([text, fileName]) =>
    typeof text !== 'string' ? 'patchsetText must be a string' : optionalString(fileName) ? null : 'fileName must be a string',
  applyPatchset: ([workspaceText, patchsetText, name]) =>
    typeof workspaceText !== 'string' || typeof patchsetText !== 'string'
      ? 'workspaceText and patchsetText must be strings'
      : typeof name === 'string' && name !== ''
        ? null
        : 'name must be a non-empty string',
  openRootFile: ([path]) => (typeof path === 'string' && path !== '' ? null : 'path must be a non-empty string'),
  uploadRootFile: ([base64, fileName]) =>
    typeof base64 !== 'string' ? 'base64 must be a string' : typeof fileName === 'string' && fileName !== '' ? null : 'fileName must be a non-empty string',
  summarizeRootBranch: ([request]) => checkBranchRequest(request),
  draftNtupleStudy: ([request]) => checkDraft(request),
}

export function isRequestMethod(name: string): name is RequestMethod {
  return (REQUEST_METHODS as readonly string[]).includes(name)
}

/** Route one untrusted request to the backend, checking its method and arguments first. */
export async function dispatch(backend: Backend, method: string, args: unknown): Promise<unknown> {
  if (!isRequestMethod(method)) throw new HistuneError('E_BAD_REQUEST', `unknown request ${JSON.stringify(method)}`)
  if (!Array.isArray(args)) throw new HistuneError('E_BAD_REQUEST', `${method}: arguments must be an array`)
  const problem = ARG_CHECKS[method](args)
  if (problem !== null) throw new HistuneError('E_BAD_REQUEST', `${method}: ${problem}`)
  const call = backend[method] as (...a: unknown[]) => Promise<unknown>
  return call(...args.map((a) => (a === null ? undefined : a)))
}
