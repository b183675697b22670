/** The binning studio's part of the store: the loaded study, the preview's edges and their score, the trials. */
import type {
  ApiError,
  BaselineSummary,
  BinningEvaluation,
  ChannelEdges,
  Direction,
  EngineInfo,
  HistuneApi,
  HistuneEvent,
  ParameterImportances,
  StoredStudy,
  StudyDatabase,
  StudyProgress,
  StudySetup,
  StudyStartOptions,
  TrialRecord,
} from '../../../preload/api'
import { toApiError } from '../bridge/errors'
import { addEdge, moveEdge, removeEdge, sameEdges, type EdgeDomain } from './edges'
import { EMPTY_TRIAL_LOG, appendTrials, bestTrial, type TrialLog } from './trials'

export type StudioView = 'workspace' | 'binning'

export type Sampler = NonNullable<StudyStartOptions['sampler']>
export const SAMPLERS: readonly Sampler[] = ['tpe', 'random', 'qmc', 'nsga2', 'motpe', 'grid']

/** Where the preview's edges came from, as the preview's caption says it. */
export type PreviewSource =
  | { kind: 'initial' }
  | { kind: 'edited' }
  | { kind: 'baseline'; name: string }
  | { kind: 'trial'; number: number; best: boolean }

export interface StudyOptions {
  trials: number
  seed: number | null
  workers: number
  sampler: Sampler
}

export interface StudyState {
  view: StudioView
  setup: StudySetup | null
  /** File name shown while a study config is being read. */
  setupLoading: { label: string } | null
  previewEdges: ChannelEdges
  previewSource: PreviewSource
  binningChannel: string | null
  selectedEdge: { channel: string; index: number } | null
  evaluation: BinningEvaluation | null
  /** The evaluation shown before `evaluation`: the reference of the displayed change. */
  previousEvaluation: BinningEvaluation | null
  evaluationError: ApiError | null
  baselines: Record<string, BaselineSummary> | null
  baselinesError: ApiError | null
  overlayBaseline: string | null
  trialLog: TrialLog
  bestTrial: TrialRecord | null
  selectedTrial: number | null
  progress: StudyProgress | null
  studyOptions: StudyOptions
  /** A start/pause/resume/cancel request is on its way. */
  studyRequestPending: boolean
  /** PED-ANOVA importances of the current study's parameters, refreshed while it runs. */
  importances: ParameterImportances | null
  importancesError: ApiError | null
  /** The stored study "Continue" adds trials to (an opened one, or the last run kept in the studies database). */
  storedStudy: { storage: string; studyName: string } | null
  /** A study database dropped or reopened: its studies, to pick one. */
  database: StudyDatabase | null
  /** A database or stored study is being read (its file name). */
  databaseLoading: { label: string } | null
}

export interface StudyActions {
  setView(view: StudioView): void
  loadStudyConfigText(text: string, fileName: string): Promise<void>
  /** Load a study config the backend reads from `path` (relative model files resolve against its folder). */
  openStudyConfigFile(path: string): Promise<void>
  selectBinningChannel(name: string): void
  moveEdge(channel: string, index: number, x: number): void
  addEdge(channel: string, x: number): void
  removeEdge(channel: string, index: number): void
  selectEdge(edge: { channel: string; index: number } | null): void
  setPreviewEdges(edges: ChannelEdges, source: PreviewSource): void
  applyBaseline(name: string): void
  setOverlayBaseline(name: string | null): void
  previewTrial(number: number): void
  applyBestTrial(): void
  setStudyOptions(options: Partial<StudyOptions>): void
  startStudy(): Promise<void>
  pauseStudy(): Promise<void>
  resumeStudy(): Promise<void>
  cancelStudy(): Promise<void>
  /** Run the options' number of further trials in the stored study (resume it). */
  continueStudy(): Promise<void>
  openStudyDatabase(path: string): Promise<void>
  openStoredStudy(path: string, studyName: string): Promise<void>
  closeDatabase(): void
  refreshImportances(): void
  exportWorkspace(): Promise<string | null>
  handleStudyEvent(event: HistuneEvent): boolean
}

export interface StudySliceHost {
  error: ApiError | null
  engine: EngineInfo | null
}

type Full = StudyState & StudyActions & StudySliceHost

export interface StudySliceOptions {
  /** Runs the callback before the next paint (requestAnimationFrame); injectable for tests. */
  scheduleFrame?: (callback: () => void) => void
  /** Least time between two importance requests while a study streams (ms). */
  importanceIntervalMs?: number
}

/** Importances cost the backend a pass over all trials: a few times a minute is live enough. */
export const IMPORTANCE_INTERVAL_MS = 2000

const TERMINAL_STATES: readonly StudyProgress['state'][] = ['finished', 'cancelled', 'failed']

function defaultScheduleFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback())
  else setTimeout(callback, 16)
}

export function primaryDirection(setup: StudySetup | null): Direction {
  return setup?.directions[0] ?? 'maximize'
}

export function channelDomain(setup: StudySetup, channel: string): EdgeDomain | null {
  const fine = setup.channels.find((c) => c.name === channel)
  return fine ? { range: fine.range, grid: fine.grid } : null
}

function optionsFor(setup: StudySetup, previous: StudyOptions): StudyOptions {
  const sampler = (SAMPLERS as readonly string[]).includes(setup.sampler) ? (setup.sampler as Sampler) : previous.sampler
  return { ...previous, trials: setup.trials, seed: setup.seed ?? null, sampler }
}

/** What belongs to one study setup: cleared whenever another setup is shown. */
const PER_SETUP_STATE = {
  previewSource: { kind: 'initial' },
  selectedEdge: null,
  evaluation: null,
  previousEvaluation: null,
  evaluationError: null,
  baselines: null,
  baselinesError: null,
  overlayBaseline: null,
  trialLog: EMPTY_TRIAL_LOG,
  bestTrial: null,
  selectedTrial: null,
  progress: null,
  importances: null,
  importancesError: null,
  storedStudy: null,
} satisfies Partial<StudyState>

export const INITIAL_STUDY_STATE: StudyState = {
  ...PER_SETUP_STATE,
  view: 'workspace',
  setup: null,
  setupLoading: null,
  previewEdges: {},
  binningChannel: null,
  studyOptions: { trials: 100, seed: null, workers: 1, sampler: 'tpe' },
  studyRequestPending: false,
  database: null,
  databaseLoading: null,
}

export function createStudySlice(
  api: HistuneApi,
  set: (partial: Partial<Full> | ((state: Full) => Partial<Full>)) => void,
  get: () => Full,
  options: StudySliceOptions = {},
): StudyState & StudyActions {
  const scheduleFrame = options.scheduleFrame ?? defaultScheduleFrame
  const importanceInterval = options.importanceIntervalMs ?? IMPORTANCE_INTERVAL_MS
  let setupGeneration = 0

  // Importances: at most one request in flight and one every `importanceInterval` ms while trials stream.
  let importanceTimer: ReturnType<typeof setTimeout> | null = null
  let importanceInFlight = false
  let importanceAgain = false
  let importanceAt = -Infinity

  function scheduleImportances(immediately = false) {
    if (get().setup === null || (get().setup?.space.length ?? 0) === 0) return
    if (importanceTimer !== null) {
      if (!immediately) return
      clearTimeout(importanceTimer)
    }
    const wait = immediately ? 0 : Math.max(0, importanceAt + importanceInterval - Date.now())
    importanceTimer = setTimeout(() => {
      importanceTimer = null
      void fetchImportances()
    }, wait)
  }

  async function fetchImportances() {
    if (importanceInFlight) {
      importanceAgain = true
      return
    }
    importanceInFlight = true
    importanceAt = Date.now()
    const generation = setupGeneration
    try {
      const importances = await api.studyImportances()
      if (generation === setupGeneration) set({ importances, importancesError: null })
    } catch (reason) {
      if (generation === setupGeneration) set({ importancesError: toApiError(reason) })
    } finally {
      importanceInFlight = false
      if (importanceAgain) {
        importanceAgain = false
        scheduleImportances()
      }
    }
  }

  // One evaluation in flight; edits meanwhile only mark the preview dirty and the latest edges
  // are sent when it settles, so a drag never queues stale requests.
  let frameRequested = false
  let inFlight = false
  let dirty = false

  function requestEvaluation() {
    if (frameRequested) return
    frameRequested = true
    scheduleFrame(() => {
      frameRequested = false
      if (inFlight) dirty = true
      else void sendEvaluation()
    })
  }

  async function sendEvaluation() {
    const generation = setupGeneration
    const { previewEdges: edges, evaluation: shown, setup } = get()
    dirty = false
    // A Python builder has no edges to score; edits that end where they began need no new score.
    if (setup?.builder !== undefined || Object.keys(edges).length === 0) return
    if (shown !== null && sameEdges(shown.edges, edges)) return
    inFlight = true
    try {
      const evaluation = await api.evaluateBinning(edges)
      if (generation === setupGeneration) {
        set((s) => {
          const current = s.evaluation !== null && sameEdges(s.evaluation.edges, s.previewEdges)
          // Never trade the score of the shown edges for that of edges left behind.
          if (current && !sameEdges(evaluation.edges, s.previewEdges)) return {}
          return { evaluation, previousEvaluation: s.evaluation, evaluationError: null }
        })
      }
    } catch (reason) {
      const error = toApiError(reason)
      if (error.code !== 'E_CANCELLED' && generation === setupGeneration) set({ evaluationError: error })
    } finally {
      inFlight = false
      // Whatever was asked meanwhile (a drag, or a newly loaded study) is scored now.
      if (dirty) void sendEvaluation()
    }
  }

  async function loadBaselines(generation: number) {
    try {
      const baselines = await api.studyBaselines()
      if (generation === setupGeneration) set({ baselines, baselinesError: null })
    } catch (reason) {
      if (generation === setupGeneration) set({ baselinesError: toApiError(reason) })
    }
  }

  function showSetup(setup: StudySetup) {
    const generation = ++setupGeneration
    dirty = false
    const current = get().binningChannel
    set((s) => ({
      setup,
      setupLoading: null,
      error: null,
      ...PER_SETUP_STATE,
      view: 'binning',
      previewEdges: setup.initialEdges,
      binningChannel:
        current !== null && setup.channels.some((c) => c.name === current) ? current : (setup.channels[0]?.name ?? null),
      studyOptions: optionsFor(setup, s.studyOptions),
    }))
    requestEvaluation()
    void loadBaselines(generation)
  }

  /** The studies of a database to pick from; one that the studio can resume opens straight away. */
  async function showDatabase(database: StudyDatabase) {
    set({ database, databaseLoading: null, view: 'binning' })
    const [only] = database.studies
    if (database.studies.length === 1 && only?.resumable) await get().openStoredStudy(database.path, only.name)
  }

  async function loadSetup(label: string, request: () => Promise<StudySetup>) {
    const generation = ++setupGeneration
    set({ setupLoading: { label }, error: null, view: 'binning' })
    try {
      const setup = await request()
      if (generation === setupGeneration) showSetup(setup)
    } catch (reason) {
      if (generation === setupGeneration) set({ setupLoading: null, error: toApiError(reason) })
    }
  }

  function editChannel(channel: string, edit: (edges: readonly number[], domain: EdgeDomain) => readonly number[]) {
    const { setup, previewEdges } = get()
    if (!setup) return false
    const domain = channelDomain(setup, channel)
    const edges = previewEdges[channel]
    if (!domain || !edges) return false
    const next = edit(edges, domain)
    if (next === edges) return false
    set({
      previewEdges: { ...previewEdges, [channel]: [...next] },
      previewSource: { kind: 'edited' },
      selectedTrial: null,
    })
    requestEvaluation()
    return true
  }

  /** Send a start/pause/resume/cancel request; resolves whether the backend took it. */
  async function control(request: () => Promise<StudyProgress>, before?: () => void): Promise<boolean> {
    set({ studyRequestPending: true })
    before?.()
    try {
      const progress = await request()
      set((s) => {
        // Progress events travel on their own socket: a fast study can report more (even its end)
        // before the reply to its start or resume, taken when the request was handled, arrives.
        const current = s.progress
        const newer =
          progress.state === 'running' &&
          current !== null &&
          current.studyName === progress.studyName &&
          current.finished > progress.finished
        return { progress: newer ? current : progress, studyRequestPending: false }
      })
      return true
    } catch (reason) {
      set({ studyRequestPending: false, error: toApiError(reason) })
      return false
    }
  }

  function trialEdges(number: number): TrialRecord | null {
    const { trialLog } = get()
    const at = trialLog.indexByNumber.get(number)
    const trial = at === undefined ? undefined : trialLog.list[at]
    return trial?.edges ? trial : null
  }

  return {
    ...INITIAL_STUDY_STATE,

    setView(view) {
      set({ view })
    },

    loadStudyConfigText(text, fileName) {
      return loadSetup(fileName, () => api.loadStudyConfigText(text, fileName))
    },

    openStudyConfigFile(path) {
      return loadSetup(path, () => api.openStudyConfigFile(path))
    },

    selectBinningChannel(name) {
      if (get().setup?.channels.some((c) => c.name === name)) set({ binningChannel: name, selectedEdge: null })
    },

    moveEdge(channel, index, x) {
      editChannel(channel, (edges, domain) => moveEdge(edges, index, x, domain))
    },

    addEdge(channel, x) {
      let added: number | null = null
      editChannel(channel, (edges, domain) => {
        const next = addEdge(edges, x, domain)
        if (next !== edges) added = next.findIndex((e, i) => e !== edges[i])
        return next
      })
      if (added !== null) set({ selectedEdge: { channel, index: added === -1 ? 0 : added } })
    },

    removeEdge(channel, index) {
      if (editChannel(channel, (edges) => removeEdge(edges, index))) {
        const remaining = get().previewEdges[channel]?.length ?? 0
        set({ selectedEdge: remaining > 0 ? { channel, index: Math.min(index, remaining - 1) } : null })
      }
    },

    selectEdge(edge) {
      set({ selectedEdge: edge })
    },

    setPreviewEdges(edges, source) {
      if (sameEdges(edges, get().previewEdges)) {
        set({ previewSource: source })
        return
      }
      set({ previewEdges: edges, previewSource: source, selectedEdge: null })
      requestEvaluation()
    },

    applyBaseline(name) {
      const baseline = get().baselines?.[name]
      if (!baseline || baseline.error !== undefined) return
      get().setPreviewEdges(baseline.edges, { kind: 'baseline', name })
      set({ selectedTrial: null })
    },

    setOverlayBaseline(name) {
      set({ overlayBaseline: name })
    },

    previewTrial(number) {
      const trial = trialEdges(number)
      if (!trial?.edges) return
      const best = get().bestTrial?.number === number
      get().setPreviewEdges(trial.edges, { kind: 'trial', number, best })
      set({ selectedTrial: number })
    },

    applyBestTrial() {
      const best = get().bestTrial
      if (best) get().previewTrial(best.number)
    },

    setStudyOptions(options) {
      set((s) => ({ studyOptions: { ...s.studyOptions, ...options } }))
    },

    async startStudy() {
      const { studyOptions, setup } = get()
      if (!setup) return
      const options: StudyStartOptions = {
        trials: studyOptions.trials,
        workers: studyOptions.workers,
        sampler: studyOptions.sampler,
      }
      if (studyOptions.seed !== null) options.seed = studyOptions.seed
      const started = await control(
        () => api.startStudy(options),
        () =>
          set({
            trialLog: EMPTY_TRIAL_LOG,
            bestTrial: null,
            selectedTrial: null,
            progress: null,
            importances: null,
            storedStudy: null,
          }),
      )
      // The backend keeps studio studies in its studies database: the run can be continued later.
      const database = get().engine?.studiesDatabase
      const progress = get().progress
      if (started && database !== undefined && progress !== null) {
        set({ storedStudy: { storage: `sqlite:///${database}`, studyName: progress.studyName } })
      }
    },

    async continueStudy() {
      const { studyOptions, setup, storedStudy } = get()
      if (!setup || !storedStudy) return
      const options: StudyStartOptions = {
        trials: studyOptions.trials,
        workers: studyOptions.workers,
        sampler: studyOptions.sampler,
        storage: storedStudy.storage,
        studyName: storedStudy.studyName,
      }
      if (studyOptions.seed !== null) options.seed = studyOptions.seed
      // The stored trials stay: the new ones continue their numbering.
      await control(() => api.startStudy(options))
    },

    async openStudyDatabase(path) {
      set({ databaseLoading: { label: path }, error: null, view: 'binning' })
      try {
        await showDatabase(await api.openStudyDatabase(path))
      } catch (reason) {
        set({ databaseLoading: null, error: toApiError(reason) })
      }
    },

    async openStoredStudy(path, studyName) {
      const generation = ++setupGeneration
      set({ setupLoading: { label: `${studyName} · ${path}` }, error: null, view: 'binning' })
      let stored: StoredStudy
      try {
        stored = await api.openStoredStudy(path, studyName)
      } catch (reason) {
        if (generation === setupGeneration) set({ setupLoading: null, error: toApiError(reason) })
        return
      }
      if (generation !== setupGeneration) return
      showSetup(stored.setup)
      const direction = primaryDirection(stored.setup)
      set({
        trialLog: appendTrials(EMPTY_TRIAL_LOG, stored.trials),
        bestTrial: bestTrial(null, stored.trials, direction),
        progress: stored.progress,
        storedStudy: { storage: stored.storage, studyName: stored.studyName },
        database: null,
      })
      scheduleImportances(true)
    },

    closeDatabase() {
      set({ database: null })
    },

    refreshImportances() {
      scheduleImportances(true)
    },

    async pauseStudy() {
      await control(() => api.pauseStudy())
    },

    async resumeStudy() {
      await control(() => api.resumeStudy())
    },

    async cancelStudy() {
      await control(() => api.cancelStudy())
    },

    async exportWorkspace() {
      try {
        return await api.exportWorkspace(get().previewEdges)
      } catch (reason) {
        set({ error: toApiError(reason) })
        return null
      }
    },

    handleStudyEvent(event) {
      switch (event.type) {
        case 'study-setup': {
          // The backend announces every load, including the one this renderer asked for: that
          // one is shown from the reply, and showing it twice would restart its evaluation.
          const { setupLoading, setup } = get()
          if (setupLoading !== null) return true
          if (setup !== null && JSON.stringify(setup) === JSON.stringify(event.setup)) return true
          showSetup(event.setup)
          return true
        }
        case 'trials': {
          const { trialLog, bestTrial: best, setup, progress } = get()
          // Trials of another study (one that ran before this config was loaded) are not ours.
          if (progress !== null && progress.studyName !== event.studyName) return true
          set({
            trialLog: appendTrials(trialLog, event.trials),
            bestTrial: bestTrial(best, event.trials, primaryDirection(setup)),
          })
          scheduleImportances()
          return true
        }
        case 'study-database':
          void showDatabase(event.database)
          return true
        case 'study-progress':
          set({ progress: event.progress })
          // The last batch's importances, once the run is over.
          if (TERMINAL_STATES.includes(event.progress.state)) scheduleImportances(true)
          return true
        default:
          return false
      }
    },
  }
}
