import type {
  ApiError,
  BaselineSummary,
  BinContent,
  BinningEvaluation,
  ChannelEdges,
  EngineInfo,
  GpuStatusInfo,
  HistuneApi,
  HistuneEvent,
  ParameterImportances,
  Settings,
  StoredStudy,
  StudyDatabase,
  StudyProgress,
  StudySetup,
  StudyStartOptions,
  Theme,
  TrialRecord,
  Unsubscribe,
  WorkspaceSummary,
  WorkspaceSource,
  WorkspaceValidation,
  PatchsetSummary,
  NtupleStudyDraftRequest,
  RootBranchRequest,
  RootBranchSummary,
  RootFileContents,
} from '../../../preload/api'

/** A two-channel signal-region/control-region workspace, summarised as the backend would. */
export function twoChannelSummary(file = 'analysis/sr_cr_workspace.json'): WorkspaceSummary {
  const signal = {
    name: 'signal',
    channel: 'SR',
    yields: [5, 10, 3.2],
    total: 18.2,
    modifiers: [
      { name: 'mu', type: 'normfactor' as const },
      { name: 'lumi', type: 'lumi' as const },
    ],
  }
  const backgroundSR = {
    name: 'ttbar',
    channel: 'SR',
    yields: [50.3, 40.1, 20.5],
    total: 110.9,
    modifiers: [
      { name: 'ttbar_norm', type: 'normsys' as const },
      { name: 'staterror_SR', type: 'staterror' as const },
    ],
  }
  const backgroundCR = {
    name: 'ttbar',
    channel: 'CR',
    yields: [100, 80],
    total: 180,
    modifiers: [
      { name: 'ttbar_norm', type: 'normsys' as const },
      { name: 'uncorr_bkguncrt', type: 'shapesys' as const },
    ],
  }
  return {
    file,
    version: '1.0.0',
    measurement: 'NormalMeasurement',
    measurements: [
      { name: 'NormalMeasurement', poi: 'mu' },
      { name: 'BkgOnly', poi: 'ttbar_norm' },
    ],
    poi: 'mu',
    channels: [
      { name: 'SR', nBins: 3, observed: [53, 52, 24], samples: [signal, backgroundSR] },
      { name: 'CR', nBins: 2, observed: [104, 77], samples: [backgroundCR] },
    ],
    samples: [signal, backgroundSR, backgroundCR],
    modifiers: [
      { type: 'normfactor', count: 1, names: ['mu'] },
      { type: 'lumi', count: 1, names: ['lumi'] },
      { type: 'normsys', count: 2, names: ['ttbar_norm'] },
      { type: 'staterror', count: 1, names: ['staterror_SR'] },
      { type: 'shapesys', count: 1, names: ['uncorr_bkguncrt'] },
    ],
    parameters: [
      {
        name: 'lumi',
        componentNames: ['lumi'],
        modifierType: 'lumi',
        n: 1,
        inits: [1],
        bounds: [[0.5, 1.5]],
        fixed: false,
        constraint: 'normal',
        auxdata: [1],
      },
      {
        name: 'mu',
        componentNames: ['mu'],
        modifierType: 'normfactor',
        n: 1,
        inits: [1],
        bounds: [[0, 10]],
        fixed: false,
        constraint: null,
        auxdata: [],
      },
      {
        name: 'staterror_SR',
        componentNames: ['staterror_SR[0]', 'staterror_SR[1]', 'staterror_SR[2]'],
        modifierType: 'staterror',
        n: 3,
        inits: [1, 1, 1],
        bounds: [
          [1e-10, 10],
          [1e-10, 10],
          [1e-10, 10],
        ],
        fixed: false,
        constraint: 'normal',
        auxdata: [1, 1, 1],
      },
      {
        name: 'ttbar_norm',
        componentNames: ['ttbar_norm'],
        modifierType: 'normsys',
        n: 1,
        inits: [0],
        bounds: [[-5, 5]],
        fixed: true,
        constraint: 'normal',
        auxdata: [0],
      },
      {
        name: 'uncorr_bkguncrt',
        componentNames: ['uncorr_bkguncrt[0]', 'uncorr_bkguncrt[1]'],
        modifierType: 'shapesys',
        n: 2,
        inits: [1, 1],
        bounds: [
          [1e-10, 10],
          [1e-10, 10],
        ],
        fixed: false,
        constraint: 'poisson',
        auxdata: [1111.1, 711.1],
      },
    ],
    nParameters: 8,
    nBins: 5,
  }
}

export const syntaxError: ApiError = {
  code: 'E_JSON_SYNTAX',
  message: "Expected ',' or '}' after property value",
  file: 'broken_workspace.json',
  line: 17,
  path: 'channels[0].samples[1].data',
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(reason: unknown): void
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const FINE_BINS = 20

/** The tutorial study at 20 fine bins on [0, 1]: a Gaussian signal at 0.5 on a falling background. */
export function tutorialSetup(options: { grid?: boolean } = {}): StudySetup {
  const edges = Array.from({ length: FINE_BINS + 1 }, (_, i) => i / FINE_BINS)
  const centres = edges.slice(0, -1).map((lo, i) => (lo + (edges[i + 1] as number)) / 2)
  return {
    file: 'tutorial/study.yaml',
    name: 'tutorial',
    objectiveNames: ['z0'],
    directions: ['maximize'],
    space: [
      { name: 'n_bins', type: 'int', low: 3, high: 40 },
      { name: 'lo', type: 'float', low: 0, high: 0.3 },
      { name: 'hi', type: 'float', low: 0.7, high: 1 },
    ],
    constraintNames: ['min_background'],
    sampler: 'tpe',
    trials: 200,
    seed: 42,
    channels: [
      {
        name: 'SR',
        range: [0, 1],
        grid: options.grid ? edges : null,
        edges,
        signal: centres.map((x) => (50 * Math.exp(-((x - 0.5) ** 2) / (2 * 0.08 ** 2))) / FINE_BINS),
        background: centres.map((x) => (200 * Math.exp(-2 * x)) / FINE_BINS),
        backgroundSumw2: null,
        data: null,
      },
    ],
    initialEdges: { SR: [0, 0.25, 0.5, 0.75, 1] },
  }
}

/** Asimov discovery significance of independent counting bins, combined in quadrature. */
export function asimovZ0(bins: readonly { signal: number; background: number }[]): number {
  let q0 = 0
  for (const { signal: s, background: b } of bins) {
    if (b > 0 && s > 0) q0 += 2 * ((s + b) * Math.log(1 + s / b) - s)
  }
  return Math.sqrt(q0)
}

/** Score edges the way a backend would, from the setup's fine histograms (bins need ≥ 5 background). */
export function evaluateFromSetup(setup: StudySetup, edges: ChannelEdges): BinningEvaluation {
  const bins: Record<string, BinContent[]> = {}
  for (const channel of setup.channels) {
    const channelEdges = edges[channel.name] ?? []
    bins[channel.name] = channelEdges.slice(0, -1).map((lo, i) => {
      const hi = channelEdges[i + 1] as number
      let signal = 0
      let background = 0
      channel.edges.slice(0, -1).forEach((fineLo, j) => {
        const centre = (fineLo + (channel.edges[j + 1] as number)) / 2
        if (centre >= lo && centre < hi) {
          signal += channel.signal[j] ?? 0
          background += channel.background[j] ?? 0
        }
      })
      return { lo, hi, signal, background, mcRelError: null, violations: background < 5 ? ['min_background'] : [] }
    })
  }
  const all = Object.values(bins).flat()
  const z0 = asimovZ0(all)
  const minBackground = Math.min(...all.map((b) => b.background))
  return {
    edges,
    values: setup.objectiveNames.map((name) => (name === 'n_bins' ? all.length : z0)),
    objectiveNames: setup.objectiveNames,
    feasible: all.every((b) => b.violations.length === 0),
    constraints: [{ name: 'min_background', value: minBackground }],
    metrics: { z0, p0: 0.5 * Math.exp(-(z0 ** 2) / 2) },
    bins,
    elapsedMs: 1.5,
  }
}

export function trialRecord(number: number, value: number | null, overrides: Partial<TrialRecord> = {}): TrialRecord {
  return {
    number,
    state: value === null ? 'FAIL' : 'COMPLETE',
    values: value === null ? null : [value],
    params: { n_bins: 4 + (number % 5) },
    edges: { SR: [0, 0.3 + number / 1000, 0.7, 1] },
    feasible: value !== null,
    durationMs: 12,
    ...overrides,
  }
}

export function studyProgress(overrides: Partial<StudyProgress> = {}): StudyProgress {
  return {
    studyName: 'tutorial',
    state: 'running',
    nTrials: 200,
    finished: 0,
    nComplete: 0,
    nFail: 0,
    nInfeasible: 0,
    trialsPerSecond: 0,
    bestValue: null,
    bestTrial: null,
    ...overrides,
  }
}

/** An in-memory backend: records every request and answers with what the test queued. */
export class FakeHistuneApi implements HistuneApi {
  readonly calls: { method: string; args: unknown[] }[] = []
  settings: Settings = { theme: 'light', recentFiles: [] }
  /** Answer to the next load-like request; a function to make each answer depend on the input. */
  respond: (method: string, args: unknown[]) => Promise<WorkspaceSummary | null> = async () =>
    twoChannelSummary()
  setThemeFailure: ApiError | null = null
  readonly listeners = new Set<(event: HistuneEvent) => void>()

  loadWorkspaceText(text: string, fileName?: string): Promise<WorkspaceSummary> {
    this.calls.push({ method: 'loadWorkspaceText', args: [text, fileName] })
    return this.respond('loadWorkspaceText', [text, fileName]) as Promise<WorkspaceSummary>
  }
  openWorkspaceFile(path: string): Promise<WorkspaceSummary> {
    this.calls.push({ method: 'openWorkspaceFile', args: [path] })
    return this.respond('openWorkspaceFile', [path]) as Promise<WorkspaceSummary>
  }
  showOpenDialog(): Promise<WorkspaceSummary | null> {
    this.calls.push({ method: 'showOpenDialog', args: [] })
    return this.respond('showOpenDialog', [])
  }
  async getSettings(): Promise<Settings> {
    this.calls.push({ method: 'getSettings', args: [] })
    return this.settings
  }
  async setTheme(theme: Theme): Promise<Settings> {
    this.calls.push({ method: 'setTheme', args: [theme] })
    if (this.setThemeFailure) throw this.setThemeFailure
    this.settings = { ...this.settings, theme }
    return this.settings
  }
  engine: EngineInfo = { version: '0.1.0', host: 'electron', maxWorkspaceBytes: 64_000_000 }

  async engineInfo(): Promise<EngineInfo> {
    this.calls.push({ method: 'engineInfo', args: [] })
    return this.engine
  }
  gpu: GpuStatusInfo = { selected: null, adapters: [], note: 'no GPU adapter', lastRun: null }
  async gpuStatus(): Promise<GpuStatusInfo> {
    this.calls.push({ method: 'gpuStatus', args: [] })
    return this.gpu
  }
  setup: StudySetup = tutorialSetup()
  /** Answer to evaluateBinning; by default a deterministic score of the edges. */
  evaluate: (edges: ChannelEdges) => Promise<BinningEvaluation> = async (edges) =>
    evaluateFromSetup(this.setup, edges)
  baselines: Record<string, BaselineSummary> = {
    equal_width_10: {
      value: 1.82,
      edges: { SR: Array.from({ length: 11 }, (_, i) => i / 10) },
    },
    dp_optimum: { value: 2.11, edges: { SR: [0, 0.35, 0.45, 0.55, 0.65, 1] }, heldoutValue: 2.05 },
    flat_signal: { value: Number.NaN, edges: {}, error: 'no signal in range' },
  }
  progress: StudyProgress = studyProgress()
  trials: TrialRecord[] = []
  workspaceText = '{"channels": []}'

  /** When set, loading a study config rejects with it. */
  studyFailure: ApiError | null = null

  async loadStudyConfigText(text: string, fileName?: string): Promise<StudySetup> {
    this.calls.push({ method: 'loadStudyConfigText', args: [text, fileName] })
    if (this.studyFailure) throw this.studyFailure
    return this.setup
  }
  async openStudyConfigFile(path: string): Promise<StudySetup> {
    this.calls.push({ method: 'openStudyConfigFile', args: [path] })
    return this.setup
  }
  evaluateBinning(edges: ChannelEdges): Promise<BinningEvaluation> {
    this.calls.push({ method: 'evaluateBinning', args: [edges] })
    return this.evaluate(edges)
  }
  async studyBaselines(): Promise<Record<string, BaselineSummary>> {
    this.calls.push({ method: 'studyBaselines', args: [] })
    return this.baselines
  }
  async startStudy(options: StudyStartOptions): Promise<StudyProgress> {
    this.calls.push({ method: 'startStudy', args: [options] })
    return { ...this.progress, state: 'running', nTrials: options.trials ?? this.progress.nTrials }
  }
  async pauseStudy(): Promise<StudyProgress> {
    this.calls.push({ method: 'pauseStudy', args: [] })
    return { ...this.progress, state: 'paused' }
  }
  async resumeStudy(): Promise<StudyProgress> {
    this.calls.push({ method: 'resumeStudy', args: [] })
    return { ...this.progress, state: 'running' }
  }
  async cancelStudy(): Promise<StudyProgress> {
    this.calls.push({ method: 'cancelStudy', args: [] })
    return { ...this.progress, state: 'cancelled' }
  }
  async studyTrials(): Promise<TrialRecord[]> {
    this.calls.push({ method: 'studyTrials', args: [] })
    return this.trials
  }
  async exportWorkspace(edges: ChannelEdges): Promise<string> {
    this.calls.push({ method: 'exportWorkspace', args: [edges] })
    return this.workspaceText
  }

  importances: ParameterImportances = {
    studyName: 'tutorial',
    nTrials: 40,
    importances: [
      { name: 'n_bins', importance: 0.62 },
      { name: 'hi', importance: 0.27 },
      { name: 'lo', importance: 0.11 },
    ],
  }
  async studyImportances(): Promise<ParameterImportances> {
    this.calls.push({ method: 'studyImportances', args: [] })
    return this.importances
  }
  database: StudyDatabase = {
    path: '/data/studies.db',
    studies: [
      { name: 'tutorial', directions: ['maximize'], nTrials: 3, bestValue: 2.1, startedAt: '2026-11-28T10:00:00.000Z', resumable: true, configFile: '/data/study.yaml' },
      { name: 'optuna-made', directions: ['minimize'], nTrials: 9, bestValue: 0.4, startedAt: null, resumable: false },
    ],
  }
  /** When set, opening a database rejects with it. */
  databaseFailure: ApiError | null = null
  async openStudyDatabase(path: string): Promise<StudyDatabase> {
    this.calls.push({ method: 'openStudyDatabase', args: [path] })
    if (this.databaseFailure) throw this.databaseFailure
    return this.database
  }
  async openStoredStudy(path: string, studyName: string): Promise<StoredStudy> {
    this.calls.push({ method: 'openStoredStudy', args: [path, studyName] })
    return {
      setup: this.setup,
      trials: this.trials,
      progress: { ...this.progress, studyName, state: 'idle', finished: this.trials.length, nTrials: this.trials.length },
      storage: `sqlite:///${path}`,
      studyName,
    }
  }

  /** The workspace editor's requests (the editor's own tests use a fake with real JSON). */
  editorSource: WorkspaceSource | null = null
  async workspaceSource(): Promise<WorkspaceSource | null> {
    this.calls.push({ method: 'workspaceSource', args: [] })
    return this.editorSource
  }
  async validateWorkspaceText(text: string, fileName?: string): Promise<WorkspaceValidation> {
    this.calls.push({ method: 'validateWorkspaceText', args: [text, fileName] })
    return { ok: true, summary: twoChannelSummary(fileName) }
  }
  async saveWorkspaceFile(path: string, text: string): Promise<WorkspaceSummary> {
    this.calls.push({ method: 'saveWorkspaceFile', args: [path, text] })
    return twoChannelSummary(path)
  }
  async describePatchset(patchsetText: string, fileName?: string): Promise<PatchsetSummary> {
    this.calls.push({ method: 'describePatchset', args: [patchsetText, fileName] })
    return { description: '', labels: [], digests: {}, version: '1.0.0', patches: [] }
  }
  async applyPatchset(workspaceText: string, patchsetText: string, name: string): Promise<string> {
    this.calls.push({ method: 'applyPatchset', args: [workspaceText, patchsetText, name] })
    return workspaceText
  }

  /** Answers to the ROOT browser's requests; a test sets it (the default refuses, naming the request). */
  rootRespond: (method: string, args: unknown[]) => Promise<unknown> = async (method) => {
    throw { code: 'E_IO', message: `no answer queued for ${method}` } satisfies ApiError
  }
  openRootFile(path: string): Promise<RootFileContents> {
    this.calls.push({ method: 'openRootFile', args: [path] })
    return this.rootRespond('openRootFile', [path]) as Promise<RootFileContents>
  }
  uploadRootFile(base64: string, fileName: string): Promise<RootFileContents> {
    this.calls.push({ method: 'uploadRootFile', args: [base64, fileName] })
    return this.rootRespond('uploadRootFile', [base64, fileName]) as Promise<RootFileContents>
  }
  summarizeRootBranch(request: RootBranchRequest): Promise<RootBranchSummary> {
    this.calls.push({ method: 'summarizeRootBranch', args: [request] })
    return this.rootRespond('summarizeRootBranch', [request]) as Promise<RootBranchSummary>
  }
  draftNtupleStudy(request: NtupleStudyDraftRequest): Promise<string> {
    this.calls.push({ method: 'draftNtupleStudy', args: [request] })
    return this.rootRespond('draftNtupleStudy', [request]) as Promise<string>
  }

  onEvent(listener: (event: HistuneEvent) => void): Unsubscribe {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: HistuneEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  callsTo(method: keyof HistuneApi): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }
}

/** A File as a drop or a file input delivers it. jsdom lacks `Blob.text()`, so it reads via FileReader there. */
export function workspaceFile(content: string, name: string): File {
  const file = new File([content], name, { type: 'application/json' })
  if (typeof file.text !== 'function') {
    Object.defineProperty(file, 'text', {
      configurable: true,
      value: () =>
        new Promise<string>((resolve, reject) => {
          const reader = new FileReader()
          reader.onload = () => resolve(reader.result as string)
          reader.onerror = () => reject(reader.error)
          reader.readAsText(file)
        }),
    })
  }
  return file
}
