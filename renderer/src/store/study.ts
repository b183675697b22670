/** The binning studio's part of the store: the loaded study, the preview's edges and their score, the trials. */
import type {
  ApiError,
  BaselineSummary,
  BinningEvaluation,
  ChannelEdges,
  Direction,
  HistuneApi,
  HistuneEvent,
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
}

export interface StudyActions {
  setView(view: StudioView): void
  loadStudyConfigText(text: string, fileName: string): Promise<void>
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
  exportWorkspace(): Promise<string | null>
  handleStudyEvent(event: HistuneEvent): boolean
}

export interface StudySliceHost {
  error: ApiError | null
}

type Full = StudyState & StudyActions & StudySliceHost

export interface StudySliceOptions {
  /** Runs the callback before the next paint (requestAnimationFrame); injectable for tests. */
  scheduleFrame?: (callback: () => void) => void
}

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

export const INITIAL_STUDY_STATE: StudyState = {
  view: 'workspace',
  setup: null,
  setupLoading: null,
  previewEdges: {},
  previewSource: { kind: 'initial' },
  binningChannel: null,
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
  studyOptions: { trials: 100, seed: null, workers: 1, sampler: 'tpe' },
  studyRequestPending: false,
}

export function createStudySlice(
  api: HistuneApi,
  set: (partial: Partial<Full> | ((state: Full) => Partial<Full>)) => void,
  get: () => Full,
  options: StudySliceOptions = {},
): StudyState & StudyActions {
  const scheduleFrame = options.scheduleFrame ?? defaultScheduleFrame
  let setupGeneration = 0

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
    const { previewEdges: edges, evaluation: shown } = get()
    dirty = false
    // Edits that end where they began (add an edge, remove it again) need no new score.
    if (Object.keys(edges).length === 0 || (shown !== null && sameEdges(shown.edges, edges))) return
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
      view: 'binning',
      previewEdges: setup.initialEdges,
      previewSource: { kind: 'initial' },
      binningChannel:
        current !== null && setup.channels.some((c) => c.name === current) ? current : (setup.channels[0]?.name ?? null),
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
      studyOptions: optionsFor(setup, s.studyOptions),
    }))
    requestEvaluation()
    void loadBaselines(generation)
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

  async function control(request: () => Promise<StudyProgress>, before?: () => void) {
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
    } catch (reason) {
      set({ studyRequestPending: false, error: toApiError(reason) })
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

    async loadStudyConfigText(text, fileName) {
      const generation = ++setupGeneration
      set({ setupLoading: { label: fileName }, error: null, view: 'binning' })
      try {
        const setup = await api.loadStudyConfigText(text, fileName)
        if (generation === setupGeneration) showSetup(setup)
      } catch (reason) {
        if (generation === setupGeneration) set({ setupLoading: null, error: toApiError(reason) })
      }
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

    startStudy() {
      const { studyOptions, setup } = get()
      if (!setup) return Promise.resolve()
      const options: StudyStartOptions = {
        trials: studyOptions.trials,
        workers: studyOptions.workers,
        sampler: studyOptions.sampler,
      }
      if (studyOptions.seed !== null) options.seed = studyOptions.seed
      return control(
        () => api.startStudy(options),
        () => set({ trialLog: EMPTY_TRIAL_LOG, bestTrial: null, selectedTrial: null, progress: null }),
      )
    },

    pauseStudy() {
      return control(() => api.pauseStudy())
    },

    resumeStudy() {
      return control(() => api.resumeStudy())
    },

    cancelStudy() {
      return control(() => api.cancelStudy())
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
          return true
        }
        case 'study-progress':
          set({ progress: event.progress })
          return true
        default:
          return false
      }
    },
  }
}
