import type {
  EngineInfo,
  HistuneEvent,
  RequestArgs,
  RequestMethod,
  RequestResult,
  Settings,
  Theme,
  WorkspaceSummary,
} from '../../preload/api'
import { REQUEST_METHODS } from '../../preload/api'
import { engineVersion } from '../engine'
import { HistuneError } from '../errors'
import type { SettingsStore } from '../settings'
import { MAX_WORKSPACE_BYTES, summarizeWorkspaceFile, summarizeWorkspaceText } from '../workspace/load'
import { StudioSession } from './studio'

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

  const openWorkspaceFile = async (path: string): Promise<WorkspaceSummary> => {
    const summary = await summarizeWorkspaceFile(path)
    remember(path)
    return summary
  }

  return {
    loadWorkspaceText: async (text: string, fileName?: string) => summarizeWorkspaceText(text, fileName),
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
    engineInfo: async (): Promise<EngineInfo> => ({
      version: engineVersion(),
      host: host.host,
      maxWorkspaceBytes: MAX_WORKSPACE_BYTES,
    }),
    loadStudyConfigText: (text, fileName) => studio.loadConfigText(text, fileName),
    openStudyConfigFile: async (path) => {
      const setup = await studio.loadConfigFile(path)
      remember(path)
      return setup
    },
    evaluateBinning: (edges) => studio.evaluate(edges),
    studyBaselines: () => studio.baselines(),
    startStudy: (options) => studio.start(options ?? {}),
    pauseStudy: async () => studio.pause(),
    resumeStudy: async () => studio.resume(),
    cancelStudy: async () => studio.cancel(),
    studyTrials: () => studio.trials(),
    exportWorkspace: async (edges) => studio.exportWorkspace(edges),
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
