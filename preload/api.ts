/**
 * The contract between the UI and the backend. The Electron preload (preload/index.ts) and the
 * browser bridge of `histune serve` (renderer/src/bridge/web.ts) both implement `HistuneApi`, so the
 * compiler keeps the two in step. Everything that crosses it is plain, structured-cloneable data.
 */

/** Error shape every request rejects with. `path` is a JSON pointer/path into the offending file. */
export interface ApiError {
  code: ErrorCode
  message: string
  /** JSON path of the offending value, e.g. `channels[0].samples[1].data[3]`. */
  path?: string
  /** File the error is about, when there is one. */
  file?: string
  /** 1-based line in that file, when it is known (JSON syntax errors). */
  line?: number
}

export type ErrorCode =
  | 'E_JSON_SYNTAX'
  | 'E_SCHEMA'
  | 'E_WORKSPACE'
  | 'E_EMPTY'
  | 'E_TOO_LARGE'
  | 'E_IO'
  | 'E_ENGINE'
  | 'E_BAD_REQUEST'
  | 'E_CANCELLED'
  | 'E_INTERNAL'

export type ModifierType =
  | 'normfactor'
  | 'shapefactor'
  | 'normsys'
  | 'histosys'
  | 'lumi'
  | 'shapesys'
  | 'staterror'

export interface ModifierRef {
  name: string
  type: ModifierType
}

export interface SampleSummary {
  name: string
  channel: string
  /** Nominal yields per bin. */
  yields: number[]
  /** Sum of the nominal yields. */
  total: number
  modifiers: ModifierRef[]
}

export interface ChannelSummary {
  name: string
  nBins: number
  /** Observed data per bin (from `observations`). */
  observed: number[]
  samples: SampleSummary[]
}

export interface ModifierTypeCount {
  type: ModifierType
  /** Number of modifier entries of this type across all samples. */
  count: number
  /** Distinct parameter (modifier) names of this type, in order of appearance. */
  names: string[]
}

/** One parameter set in pyhf's order. Vector parameters (shapesys, staterror, shapefactor) have n > 1. */
export interface ParameterSummary {
  name: string
  /** Per-component names as pyhf prints them: `name` for scalars, `name[i]` for vectors. */
  componentNames: string[]
  modifierType: ModifierType
  n: number
  inits: number[]
  bounds: [number, number][]
  fixed: boolean
  constraint: 'normal' | 'poisson' | null
  auxdata: number[]
}

export interface WorkspaceSummary {
  /** File the workspace came from, if any. */
  file?: string
  version: string
  measurement: string
  measurements: { name: string; poi: string }[]
  poi: string
  channels: ChannelSummary[]
  /** All samples of all channels (flattened, in file order). */
  samples: SampleSummary[]
  modifiers: ModifierTypeCount[]
  parameters: ParameterSummary[]
  /** Total number of scalar parameters (sum of `n`). */
  nParameters: number
  nBins: number
}

export interface RecentFile {
  path: string
  openedAt: string
}

export type Theme = 'light' | 'dark' | 'system'

/** A study reopened from the recent list: a config file, or a study in a database. */
export interface RecentStudy {
  path: string
  kind: 'config' | 'database'
  /** The study in the database (kind `database`). */
  studyName?: string
  openedAt: string
}

export interface Settings {
  theme: Theme
  recentFiles: RecentFile[]
  /** Study configs and stored studies, most recent first. */
  recentStudies?: RecentStudy[]
}

export interface EngineInfo {
  version: string
  /** How the UI reaches the engine: inside Electron's main process, or `histune serve`. */
  host: 'electron' | 'serve'
  /** Largest workspace file the backend reads, in bytes (the UI refuses bigger drops up front). */
  maxWorkspaceBytes: number
  /**
   * The folder relative paths resolve against when the UI can only send a file's name and text
   * (a drop into a browser): `histune serve`'s working directory.
   */
  baseDir?: string
  /** The SQLite database the studio keeps its studies in (when it keeps them). */
  studiesDatabase?: string
}

export type Direction = 'maximize' | 'minimize'

/** One parameter of a study's search space (Optuna's int / float distributions). */
export interface ParameterSpec {
  name: string
  type: 'int' | 'float'
  low: number
  high: number
  step?: number
  log?: boolean
}

/** Bin edges per channel name. */
export type ChannelEdges = Record<string, number[]>

/** A channel's total signal and background at the fine binning the preview draws. */
export interface FineChannel {
  name: string
  range: [number, number]
  /** Edges the binning must be drawn from (a workspace's own bins); null when any edges work. */
  grid: number[] | null
  edges: number[]
  signal: number[]
  background: number[]
  /** Σw² of the background MC per fine bin; null when the model has no MC statistics. */
  backgroundSumw2: number[] | null
  /** Observed data per fine bin, when the model has data that can be binned finely. */
  data: number[] | null
}

export interface BaselineSummary {
  value: number
  edges: ChannelEdges
  heldoutValue?: number
  error?: string
}

/** A study config loaded into the studio: everything the binning preview and study panel need. */
export interface StudySetup {
  file?: string
  name: string
  objectiveNames: string[]
  directions: Direction[]
  space: ParameterSpec[]
  constraintNames: string[]
  sampler: string
  trials: number
  seed?: number
  channels: FineChannel[]
  /** A starting binning for the preview (equal width over each channel's range). */
  initialEdges: ChannelEdges
  /** A Python builder study (model kind: python): its trials run, but it has no edges to preview (no channels). */
  builder?: { file: string; function: string }
}

/** Per-bin content of one channel at the evaluated binning, with the constraints each bin breaks. */
export interface BinContent {
  lo: number
  hi: number
  signal: number
  background: number
  /** Relative MC statistical error of the background, when known. */
  mcRelError: number | null
  /** Names of the constraints this bin violates (e.g. `min_background`). */
  violations: string[]
}

export interface BinningEvaluation {
  edges: ChannelEdges
  /** One per objective, in `objectiveNames` order. */
  values: number[]
  objectiveNames: string[]
  feasible: boolean
  constraints: { name: string; value: number }[]
  /** z0, p0, expected_limit, mu_hat, … (finite values only). */
  metrics: Record<string, number>
  heldoutValue?: number
  bins: Record<string, BinContent[]>
  elapsedMs: number
}

export type TrialStateName = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING'

export interface TrialRecord {
  number: number
  state: TrialStateName
  values: number[] | null
  params: Record<string, number | string | boolean | null>
  edges: ChannelEdges | null
  feasible: boolean
  heldoutValue?: number
  durationMs?: number
  /** Why the trial is FAIL, when it is. */
  failReason?: string
  /** The baseline a warm-start trial came from. */
  baseline?: string
}

export type StudyRunState = 'idle' | 'running' | 'paused' | 'finished' | 'cancelled' | 'failed'

export interface StudyProgress {
  studyName: string
  state: StudyRunState
  /** Trials this run will evaluate. */
  nTrials: number
  finished: number
  nComplete: number
  nFail: number
  nInfeasible: number
  trialsPerSecond: number
  /** Best feasible value of the first objective so far. */
  bestValue: number | null
  bestTrial: number | null
  error?: ApiError
}

export interface StudyStartOptions {
  trials?: number
  seed?: number
  /** Storage URL (`sqlite:///…`, `postgresql://…`); in memory when omitted. */
  storage?: string
  studyName?: string
  /** Objective evaluations in flight at once. */
  workers?: number
  sampler?: 'tpe' | 'random' | 'qmc' | 'nsga2' | 'motpe' | 'grid'
}

/** The JSON text of the workspace the backend last loaded, for the workspace editor. */
export interface WorkspaceSource {
  text: string
  /** Name shown for it (a dropped file's name, or the path it was opened from). */
  fileName?: string
  /** Path the backend read it from and can save it back to (Electron only; absent for drops). */
  path?: string
}

/** A workspace text checked by the engine: its summary, or the first problem with its JSON path/line. */
export type WorkspaceValidation = { ok: true; summary: WorkspaceSummary } | { ok: false; error: ApiError }

/** A pyhf patchset (schema `patchset.json`): what it is for and the patches it holds. */
export interface PatchsetSummary {
  description: string
  labels: string[]
  /** Digests of the workspace the patches apply to. */
  digests: { sha256?: string; md5?: string }
  version: string
  patches: { name: string; values: (number | string)[]; operations: number }[]
}

/** A parameter's share of the objective's variation (PED-ANOVA, normalised to sum to 1). */
export interface ParameterImportance {
  name: string
  importance: number
}

export interface ParameterImportances {
  studyName: string
  /** Complete trials the importances were computed from. */
  nTrials: number
  /** Most important first. */
  importances: ParameterImportance[]
}

/** One study in a study database, as its list shows it. */
export interface StoredStudySummary {
  name: string
  directions: Direction[]
  nTrials: number
  /** Best value of a single-objective study with complete trials. */
  bestValue: number | null
  /** ISO time of the first trial's start. */
  startedAt: string | null
  /** The study keeps the config it was made from, so the studio can show it and resume it. */
  resumable: boolean
  /** Where that config was read from. */
  configFile?: string
}

export interface StudyDatabase {
  /** Absolute path of the SQLite file. */
  path: string
  studies: StoredStudySummary[]
}

/** A stored study opened in the studio: its config's setup, its trials, and how to resume it. */
export interface StoredStudy {
  setup: StudySetup
  trials: TrialRecord[]
  progress: StudyProgress
  /** Pass these to `startStudy` to resume it. */
  storage: string
  studyName: string
}

/** Electron only, as `window.histuneFiles`: the real path of a dropped file (webUtils.getPathForFile). */
export interface HistuneFiles {
  pathForFile(file: { readonly name: string }): string
}

/** The GPU path as the status bar shows it (crate histune-gpu): the adapter in use and fits/s. */
export interface GpuStatusInfo {
  /** The adapter the GPU work runs on, or null (then `note` says why, and the CPU runs it). */
  selected: { name: string; backend: string; deviceType: string; f64: boolean } | null
  /** Every adapter found. */
  adapters: { name: string; backend: string; deviceType: string; f64: boolean }[]
  note: string | null
  /** Throughput of the last toy run or GPU self-check in this backend, if any. */
  lastRun: { what: string; backend: string; fitsPerSecond: number; fits: number } | null
}

/** One branch of a tree in a ROOT file, as the ROOT browser lists it. */
export interface RootBranch {
  name: string
  /** C++ type as the reader reports it (`double`, `int64_t`, `vector<float>`, …). */
  typeName: string
  /** One number per entry: Histune can histogram it and use it in expressions. */
  readable: boolean
  /** Why it cannot be read, when it cannot (jagged, array or object branches). */
  reason: string | null
}

export interface RootTree {
  entries: number
  branches: RootBranch[]
}

/** A top-level key of a ROOT file: a tree the reader opened, or something else (`note` says what). */
export interface RootKey {
  name: string
  className: string
  title: string
  tree: RootTree | null
  note: string | null
}

/** What a ROOT file holds (`openRootFile`, `uploadRootFile`). */
export interface RootFileContents {
  /** Where the backend reads it: the real file, or the copy of a browser upload. */
  path: string
  /** The name the user knows it by. */
  fileName: string
  /** The file came as bytes from a browser; `path` is the backend's copy. */
  uploaded: boolean
  sizeBytes: number
  keys: RootKey[]
}

/** One branch (or an expression of branches) of a tree to summarise. */
export interface RootBranchRequest {
  /** `RootFileContents.path`. */
  path: string
  tree: string
  observable: string
  /** Weight expression; 1 when absent. */
  weight?: string
  /** Selection expression; every entry when absent. */
  selection?: string
  /** Equal-width bins (1–10000); 50 when absent. */
  bins?: number
  /** Histogram range; the selected values' [min, max] when absent. */
  range?: [number, number]
}

export interface RootBinContent {
  sumw: number
  sumw2: number
  entries: number
}

/** Range, weighted mean and spread, and an equal-width histogram (last bin closed, as numpy's). */
export interface RootBranchSummary {
  request: RootBranchRequest
  entries: number
  selected: number
  /** Selected entries whose value is NaN or infinite, left out of the rest. */
  nonFinite: number
  sumw: number
  sumw2: number
  min: number | null
  max: number | null
  mean: number | null
  stdDev: number | null
  histogram: { edges: number[]; sumw: number[]; sumw2: number[]; entries: number[]; underflow: RootBinContent; overflow: RootBinContent }
}

/** What a new ntuple study is drafted from: one file's trees, an observable, weights and a selection. */
export interface NtupleStudyDraftRequest {
  /** The ROOT file's name as the config names it (relative to the config's folder) or its path. */
  file: string
  observable: string
  signalTree: string
  backgroundTrees: string[]
  /** Tree of observed data; Asimov data when absent. */
  dataTree?: string
  /** Weight expression of the simulated samples. */
  weight?: string
  selection?: string
  /** Study name; from the observable when absent. */
  name?: string
}

/** Pushed from the backend to the UI over the one event stream. */
export type HistuneEvent =
  | { type: 'workspace-opened'; summary: WorkspaceSummary }
  | { type: 'open-failed'; error: ApiError }
  | { type: 'settings-changed'; settings: Settings }
  | { type: 'study-setup'; setup: StudySetup }
  /** Finished trials, batched (at most ten messages a second). */
  | { type: 'trials'; studyName: string; trials: TrialRecord[] }
  | { type: 'study-progress'; progress: StudyProgress }
  /** A study database opened from the desktop menu (File → Open Study…): its studies, to pick one. */
  | { type: 'study-database'; database: StudyDatabase }

export type Unsubscribe = () => void

export interface HistuneApi {
  /** Parse, validate and summarise a workspace given as text (a dropped file's contents). */
  loadWorkspaceText(text: string, fileName?: string): Promise<WorkspaceSummary>
  /** Load a workspace from a path the backend can read (recent files, File → Open). */
  openWorkspaceFile(path: string): Promise<WorkspaceSummary>
  /** Ask the backend to show its own open dialog (Electron) — resolves null when cancelled or unavailable. */
  showOpenDialog(): Promise<WorkspaceSummary | null>
  getSettings(): Promise<Settings>
  setTheme(theme: Theme): Promise<Settings>
  engineInfo(): Promise<EngineInfo>
  /** The GPU adapter in use (name, backend, f64 or not) and the last measured fits/s. */
  gpuStatus(): Promise<GpuStatusInfo>
  /** Load a study config (YAML/JSON text, e.g. a dropped file) into the studio. */
  loadStudyConfigText(text: string, fileName?: string): Promise<StudySetup>
  /** Load a study config from a path the backend can read (relative model files resolve against it). */
  openStudyConfigFile(path: string): Promise<StudySetup>
  /**
   * Score one binning of the loaded study (the preview's drag). A newer call supersedes an older
   * one still waiting: the older rejects with E_CANCELLED.
   */
  evaluateBinning(edges: ChannelEdges): Promise<BinningEvaluation>
  /** The baselines of the loaded study (equal width, flat, TransfoD, the DP optimum, …). */
  studyBaselines(): Promise<Record<string, BaselineSummary>>
  /** Start (or resume, with the same storage and name) the loaded study; progress comes as events. */
  startStudy(options: StudyStartOptions): Promise<StudyProgress>
  pauseStudy(): Promise<StudyProgress>
  resumeStudy(): Promise<StudyProgress>
  cancelStudy(): Promise<StudyProgress>
  /** All trials of the current study so far (e.g. after a reload). */
  studyTrials(): Promise<TrialRecord[]>
  /** The pyhf workspace (JSON text) of the loaded study at `edges`, built from all MC, for export. */
  exportWorkspace(edges: ChannelEdges): Promise<string>
  /** PED-ANOVA importances of the current study's parameters, computed by the backend. */
  studyImportances(): Promise<ParameterImportances>
  /** List the studies of a SQLite study database (an existing file; relative to `baseDir`). */
  openStudyDatabase(path: string): Promise<StudyDatabase>
  /** Load one study of a database into the studio (its stored config and trials), ready to resume. */
  openStoredStudy(path: string, studyName: string): Promise<StoredStudy>
  /** The text of the workspace last loaded (drop, open, dialog, menu); null before any. */
  workspaceSource(): Promise<WorkspaceSource | null>
  /** Check an edited workspace text with the engine; problems resolve (not reject) as data. */
  validateWorkspaceText(text: string, fileName?: string): Promise<WorkspaceValidation>
  /** Write a valid workspace text back to a file (Electron; `histune serve` refuses: the browser downloads). */
  saveWorkspaceFile(path: string, text: string): Promise<WorkspaceSummary>
  /** Read a pyhf patchset's metadata and patch names. */
  describePatchset(patchsetText: string, fileName?: string): Promise<PatchsetSummary>
  /** Apply the patch `name` of a patchset to a workspace text after pyhf's digest check; returns the patched text. */
  applyPatchset(workspaceText: string, patchsetText: string, name: string): Promise<string>
  /** List a ROOT file the backend can read (a dropped file's real path; relative to `baseDir`). */
  openRootFile(path: string): Promise<RootFileContents>
  /** A ROOT file dropped into a browser, as base64 bytes: the backend keeps a copy for this session. */
  uploadRootFile(base64: string, fileName: string): Promise<RootFileContents>
  /** Range, mean and histogram of one branch of a listed ROOT file. */
  summarizeRootBranch(request: RootBranchRequest): Promise<RootBranchSummary>
  /** A study config (YAML text) for a new ntuple study, checked by the config reader, to edit and save. */
  draftNtupleStudy(request: NtupleStudyDraftRequest): Promise<string>
  /** Subscribe to pushed events; returns the function that unsubscribes. */
  onEvent(listener: (event: HistuneEvent) => void): Unsubscribe
}

/** Request methods (everything but the event subscription), as the bridges route them. */
export type RequestMethod = Exclude<keyof HistuneApi, 'onEvent'>
export type RequestArgs<M extends RequestMethod> = Parameters<HistuneApi[M]>
export type RequestResult<M extends RequestMethod> = Awaited<ReturnType<HistuneApi[M]>>

export const REQUEST_METHODS: readonly RequestMethod[] = [
  'loadWorkspaceText',
  'openWorkspaceFile',
  'showOpenDialog',
  'getSettings',
  'setTheme',
  'engineInfo',
  'gpuStatus',
  'loadStudyConfigText',
  'openStudyConfigFile',
  'evaluateBinning',
  'studyBaselines',
  'startStudy',
  'pauseStudy',
  'resumeStudy',
  'cancelStudy',
  'studyTrials',
  'exportWorkspace',
  'studyImportances',
  'openStudyDatabase',
  'openStoredStudy',
  'workspaceSource',
  'validateWorkspaceText',
  'saveWorkspaceFile',
  'describePatchset',
  'applyPatchset',
  'openRootFile',
  'uploadRootFile',
  'summarizeRootBranch',
  'draftNtupleStudy',
] as const

/** The single IPC channel of the event stream and the prefix of request channels. */
export const EVENT_CHANNEL = 'histune:event'
export const requestChannel = (method: RequestMethod): string => `histune:${method}`

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).message === 'string'
  )
}

/**
 * `histune serve` bridges the same contract over HTTP + WebSocket:
 *   POST `${SERVE_API_PREFIX}<method>` with JSON body `{ args: [...] }` and header
 *   `${SERVE_TOKEN_HEADER}: <token>` → 200 `{ ok: true, result }` or 4xx/5xx `{ ok: false, error }`;
 *   WebSocket `${SERVE_EVENTS_PATH}?token=<token>` → one JSON `HistuneEvent` per message.
 * The token is the per-run secret in the URL that `histune serve` prints (`/?token=…`).
 */
export const SERVE_API_PREFIX = '/api/'
export const SERVE_EVENTS_PATH = '/events'
export const SERVE_TOKEN_HEADER = 'x-histune-token'
export type BridgeResponse<T> = { ok: true; result: T } | { ok: false; error: ApiError }
