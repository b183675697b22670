import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type {
  BaselineSummary,
  BinContent,
  BinningEvaluation,
  ChannelEdges,
  FineChannel,
  HistuneEvent,
  ParameterImportances,
  StoredStudy,
  StudyProgress,
  StudySetup,
  StudyStartOptions,
  TrialRecord,
} from '../../preload/api'
import { parseStudyConfig, type StudyConfig } from '../binning/config'
import { binViolations, type BinYields, type ConstraintName } from '../binning/constraints'
import { createBinningObjective, type BinningObjective } from '../binning/objective'
import { HistuneError, toApiError } from '../errors'
import { getStorage, pedAnovaImportances, Study, StudyRunner, type FrozenTrial, type StudyStorage, type TrialFinishedEvent } from '../study'
import { isFeasible, makeSampler, rememberConfig, trialObjective, warmStart } from './optimize'
import { openDatabase, sqliteUrl, storedConfig } from './databases'

/** Trials reach the UI in batches, at most this often (ms): charts redraw per batch, not per trial. */
const TRIAL_BATCH_MS = 100
/** Fine bins the preview draws for a channel whose model takes any edges. */
const PREVIEW_FINE_BINS = 200
const PREVIEW_INITIAL_BINS = 10

const CONSTRAINT_NAMES: Record<ConstraintName, string> = {
  positiveBackground: 'positive_background',
  minBackground: 'min_background',
  maxRelativeMcError: 'max_mc_rel_error',
  minBackgroundEntries: 'min_mc_events',
  minWidth: 'min_width',
}

const linspace = (lo: number, hi: number, n: number): number[] => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n)

/** Every k-th edge of a fixed grid, keeping both ends: the grid-respecting equal-ish binning. */
function thin(grid: number[], bins: number): number[] {
  const step = Math.max(1, Math.round((grid.length - 1) / bins))
  const out = grid.filter((_, i) => i % step === 0)
  if (out[out.length - 1] !== grid[grid.length - 1]) out.push(grid[grid.length - 1]!)
  return out
}

function trialRecord(t: FrozenTrial, failReason?: string): TrialRecord {
  const record: TrialRecord = {
    number: t.number,
    state: t.state,
    values: t.values,
    params: t.params,
    edges: (t.userAttrs.edges as ChannelEdges | undefined) ?? null,
    feasible: isFeasible(t),
  }
  if (typeof t.userAttrs.heldout_value === 'number') record.heldoutValue = t.userAttrs.heldout_value
  if (typeof t.userAttrs.baseline === 'string') record.baseline = t.userAttrs.baseline
  if (t.datetimeStart && t.datetimeComplete) record.durationMs = t.datetimeComplete.getTime() - t.datetimeStart.getTime()
  const reason = failReason ?? t.systemAttrs.fail_reason
  if (t.state === 'FAIL' && typeof reason === 'string') record.failReason = reason
  return record
}

/** What a stored study's trials add up to, as the progress panel shows it before a resume. */
function storedProgress(study: Study, trials: TrialRecord[]): StudyProgress {
  const maximise = study.directions[0] === 'maximize'
  let best: TrialRecord | null = null
  for (const t of trials) {
    const v = t.values?.[0]
    if (t.state !== 'COMPLETE' || !t.feasible || v === undefined || !Number.isFinite(v)) continue
    const b = best?.values?.[0]
    if (b === undefined || (maximise ? v > b : v < b)) best = t
  }
  const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED').length
  return {
    studyName: study.studyName,
    state: 'idle',
    nTrials: finished,
    finished,
    nComplete: trials.filter((t) => t.state === 'COMPLETE').length,
    nFail: trials.filter((t) => t.state === 'FAIL').length,
    nInfeasible: trials.filter((t) => t.state === 'COMPLETE' && !t.feasible).length,
    trialsPerSecond: 0,
    bestValue: best?.values?.[0] ?? null,
    bestTrial: best?.number ?? null,
  }
}

interface Loaded {
  config: StudyConfig
  configText: string
  configFile: string
  objective: BinningObjective
  setup: StudySetup
}

interface Running {
  study: Study
  storage: StudyStorage
  runner: StudyRunner | null
  progress: StudyProgress
  started: number
}

/**
 * The studio's study state for one backend (an Electron window, or `histune serve`): the loaded
 * study config, the preview's evaluations (latest wins) and the study run with its trial stream.
 */
export class StudioSession {
  private loaded: Loaded | null = null
  private current: Running | null = null
  private evaluating = false
  private waiting: { edges: ChannelEdges; resolve: (e: BinningEvaluation) => void; reject: (e: unknown) => void } | null = null
  private pendingTrials: TrialRecord[] = []
  private flushTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly emit: (event: HistuneEvent) => void,
    /** Where relative model files of a config given as text (a dropped file) are looked up. */
    private readonly baseDir: string = process.cwd(),
  ) {}

  async loadConfigText(text: string, fileName?: string): Promise<StudySetup> {
    return this.load(text, resolve(this.baseDir, fileName ?? 'study.yaml'), fileName)
  }

  async loadConfigFile(path: string): Promise<StudySetup> {
    const file = resolve(path)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new HistuneError('E_IO', `cannot read the study config: ${(error as Error).message}`, { file: path })
    }
    return this.load(text, file, path)
  }

  private async load(text: string, configFile: string, shownName: string | undefined): Promise<StudySetup> {
    if (this.current?.runner) throw new HistuneError('E_BAD_REQUEST', 'a study is running: cancel it before loading another config')
    const config = parseStudyConfig(text, shownName ?? configFile)
    // A Python builder's study runs here like any other; it has no edges, so nothing to preview.
    const objective = await createBinningObjective(config, { configFile })
    const setup: StudySetup = {
      name: config.study.name,
      objectiveNames: objective.objectiveNames,
      directions: objective.directions,
      space: objective.space.filter((p) => p.type !== 'categorical'),
      constraintNames: objective.constraintNames,
      sampler: config.study.sampler,
      trials: config.study.trials,
      channels: objective.channels.map((channel) => this.fineChannel(objective, channel.name, channel.range, channel.grid)),
      initialEdges: Object.fromEntries(
        objective.channels.map((c) => [c.name, c.grid ? thin(c.grid, PREVIEW_INITIAL_BINS) : linspace(c.range[0], c.range[1], PREVIEW_INITIAL_BINS)]),
      ),
    }
    if (shownName !== undefined) setup.file = shownName
    if (config.study.seed !== undefined) setup.seed = config.study.seed
    if (config.model.kind === 'python') setup.builder = { file: config.model.file, function: config.model.function }
    await this.closeStudy()
    // The previous config's objective may run a Python builder process.
    await this.loaded?.objective.close().catch(() => undefined)
    this.loaded = { config, configText: text, configFile, objective, setup }
    this.emit({ type: 'study-setup', setup })
    return setup
  }

  private fineChannel(objective: BinningObjective, name: string, range: [number, number], grid: number[] | null): FineChannel {
    const edges = grid ?? linspace(range[0], range[1], PREVIEW_FINE_BINS)
    const { signal, background } = objective.fineHistograms(name, edges)
    return {
      name,
      range,
      grid,
      edges,
      signal: signal.sumw,
      background: background.sumw,
      backgroundSumw2: objective.hasMcStatistics ? background.sumw2 : null,
      data: null,
    }
  }

  private need(): Loaded {
    if (this.loaded === null) throw new HistuneError('E_BAD_REQUEST', 'no study config is loaded: drop or open a study config first')
    return this.loaded
  }

  /** Score one binning; a newer request supersedes one still waiting (it rejects with E_CANCELLED). */
  evaluate(edges: ChannelEdges): Promise<BinningEvaluation> {
    this.need()
    return new Promise((resolvePromise, reject) => {
      this.waiting?.reject(new HistuneError('E_CANCELLED', 'superseded by a newer binning'))
      this.waiting = { edges, resolve: resolvePromise, reject }
      if (!this.evaluating) void this.pump()
    })
  }

  private async pump(): Promise<void> {
    this.evaluating = true
    while (this.waiting !== null) {
      const job = this.waiting
      this.waiting = null
      try {
        job.resolve(await this.evaluateNow(job.edges))
      } catch (error) {
        job.reject(error)
      }
    }
    this.evaluating = false
  }

  private async evaluateNow(edges: ChannelEdges): Promise<BinningEvaluation> {
    const { objective, config } = this.need()
    const started = performance.now()
    const evaluation = await objective.evaluateEdges(edges)
    const limits = {
      minBackground: config.constraints.minBackground,
      maxRelativeMcError: config.constraints.maxMcRelError,
      minBackgroundEntries: config.constraints.minMcEvents,
      minWidth: config.constraints.minWidth,
    }
    const content = (bin: BinYields): BinContent => ({
      lo: bin.lo,
      hi: bin.hi,
      signal: bin.signal,
      background: bin.background,
      mcRelError: objective.hasMcStatistics && bin.background > 0 ? Math.sqrt(bin.backgroundSumw2) / bin.background : null,
      violations: binViolations(bin, limits).map((name) => CONSTRAINT_NAMES[name]),
    })
    const result: BinningEvaluation = {
      edges: evaluation.edges,
      values: evaluation.values,
      objectiveNames: objective.objectiveNames,
      feasible: evaluation.feasible,
      constraints: objective.constraintNames.map((name, i) => ({ name, value: evaluation.constraints[i]! })),
      metrics: evaluation.metrics,
      bins: Object.fromEntries(Object.entries(objective.binYields(edges)).map(([channel, bins]) => [channel, bins.map(content)])),
      elapsedMs: performance.now() - started,
    }
    if (evaluation.heldout_value !== undefined && Number.isFinite(evaluation.heldout_value)) result.heldoutValue = evaluation.heldout_value
    return result
  }

  async baselines(): Promise<Record<string, BaselineSummary>> {
    const all = await this.need().objective.baselines()
    return Object.fromEntries(
      Object.entries(all).map(([name, b]) => {
        const out: BaselineSummary = { value: b.value, edges: b.edges }
        if (b.heldout_value !== undefined && Number.isFinite(b.heldout_value)) out.heldoutValue = b.heldout_value
        if (b.error !== undefined) out.error = b.error
        return [name, out]
      }),
    )
  }

  exportWorkspace(edges: ChannelEdges): string {
    return JSON.stringify(this.need().objective.workspaceFor(edges), null, 1) + '\n'
  }

  async start(options: StudyStartOptions): Promise<StudyProgress> {
    const loaded = this.need()
    if (this.current?.runner) throw new HistuneError('E_BAD_REQUEST', 'a study is already running: pause, resume or cancel it')
    await this.closeStudy()
    const { config, objective } = loaded
    const storage = await getStorage(options.storage)
    let study: Study
    try {
      const settings = options.sampler === undefined ? config.study : { ...config.study, sampler: options.sampler }
      study = await Study.create({
        storage,
        studyName: options.studyName ?? config.study.name,
        directions: objective.directions,
        sampler: makeSampler(settings, objective, options.seed ?? config.study.seed),
        loadIfExists: true,
      })
      await rememberConfig(study, loaded.configText, loaded.configFile, objective)
      if ((await study.getTrials()).length === 0) await warmStart(study, objective, await objective.baselines())
    } catch (error) {
      await storage.close()
      throw error
    }
    const nTrials = options.trials ?? config.study.trials
    const runner = new StudyRunner(study, trialObjective(objective), { nTrials, concurrency: options.workers ?? 1 })
    const running: Running = {
      study,
      storage,
      runner,
      started: performance.now(),
      progress: {
        studyName: study.studyName,
        state: 'running',
        nTrials,
        finished: 0,
        nComplete: 0,
        nFail: 0,
        nInfeasible: 0,
        trialsPerSecond: 0,
        bestValue: null,
        bestTrial: null,
      },
    }
    this.current = running
    runner.on('trial', (event) => this.onTrial(running, event))
    runner.on('state', (state) => {
      if (state === 'paused' || state === 'running') this.setState(running, state)
    })
    void runner.run().then(
      (summary) => this.finish(running, summary.state),
      (error: unknown) => this.finish(running, 'failed', error),
    )
    this.emit({ type: 'study-progress', progress: running.progress })
    return running.progress
  }

  private onTrial(running: Running, event: TrialFinishedEvent): void {
    const record = trialRecord(event.trial, event.failReason)
    const p = running.progress
    p.finished = event.finished
    if (record.state === 'COMPLETE') p.nComplete++
    if (record.state === 'FAIL') p.nFail++
    if (record.state === 'COMPLETE' && !record.feasible) p.nInfeasible++
    const value = record.values?.[0]
    if (record.state === 'COMPLETE' && record.feasible && value !== undefined) {
      const maximise = running.study.directions[0] === 'maximize'
      if (p.bestValue === null || (maximise ? value > p.bestValue : value < p.bestValue)) {
        p.bestValue = value
        p.bestTrial = record.number
      }
    }
    p.trialsPerSecond = p.finished / Math.max(1e-3, (performance.now() - running.started) / 1000)
    this.pendingTrials.push(record)
    this.flushTimer ??= setTimeout(() => this.flush(), TRIAL_BATCH_MS)
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.current === null) return
    if (this.pendingTrials.length > 0) {
      this.emit({ type: 'trials', studyName: this.current.study.studyName, trials: this.pendingTrials })
      this.pendingTrials = []
    }
    this.emit({ type: 'study-progress', progress: { ...this.current.progress } })
  }

  private setState(running: Running, state: StudyProgress['state']): StudyProgress {
    running.progress.state = state
    if (this.current === running) this.flush()
    return { ...running.progress }
  }

  private finish(running: Running, state: 'finished' | 'cancelled' | 'failed', error?: unknown): void {
    running.runner = null
    if (error !== undefined) running.progress.error = toApiError(error)
    this.setState(running, state)
  }

  private running(): Running & { runner: StudyRunner } {
    const current = this.current
    if (current?.runner == null) throw new HistuneError('E_BAD_REQUEST', 'no study is running')
    return current as Running & { runner: StudyRunner }
  }

  pause(): StudyProgress {
    const running = this.running()
    running.runner.pause()
    return this.setState(running, 'paused')
  }

  resume(): StudyProgress {
    const running = this.running()
    running.runner.resume()
    return this.setState(running, 'running')
  }

  cancel(): StudyProgress {
    const running = this.running()
    running.runner.cancel()
    return { ...running.progress }
  }

  async trials(): Promise<TrialRecord[]> {
    if (this.current === null) return []
    return (await this.current.study.getTrials()).map((t) => trialRecord(t))
  }

  /** The loaded config's setup, when one is loaded. */
  get setup(): StudySetup | null {
    return this.loaded?.setup ?? null
  }

  private importanceCache: { study: Study; nTrials: number; result: ParameterImportances } | null = null

  /** PED-ANOVA importances over the current study's complete trials (cached until more finish). */
  async importances(): Promise<ParameterImportances> {
    const current = this.current
    if (current === null) return { studyName: '', nTrials: 0, importances: [] }
    const complete = (await current.study.getTrials(['COMPLETE'])).filter(
      (t) => t.values !== null && t.values.every((v) => Number.isFinite(v)),
    )
    const cached = this.importanceCache
    if (cached !== null && cached.study === current.study && cached.nTrials === complete.length) return cached.result
    const raw = complete.length < 2 ? {} : pedAnovaImportances(complete, current.study.directions)
    const result: ParameterImportances = {
      studyName: current.study.studyName,
      nTrials: complete.length,
      importances: Object.entries(raw).map(([name, importance]) => ({ name, importance })),
    }
    this.importanceCache = { study: current.study, nTrials: complete.length, result }
    return result
  }

  /**
   * Load a stored study into the studio: its remembered config (relative paths resolve against the
   * config's own folder) and its trials. `start` with the returned storage and name resumes it.
   */
  async openStored(file: string, studyName: string): Promise<StoredStudy> {
    if (this.current?.runner) throw new HistuneError('E_BAD_REQUEST', 'a study is running: cancel it before opening another')
    const storage = await openDatabase(file)
    try {
      let study: Study
      try {
        study = await Study.load({ storage, studyName })
      } catch (error) {
        throw new HistuneError('E_BAD_REQUEST', `no study ${JSON.stringify(studyName)} in ${file}: ${(error as Error).message}`, { file })
      }
      const config = storedConfig(await study.userAttrs(), studyName, file)
      const setup = await this.load(config.text, config.file, config.file)
      const trials = (await study.getTrials()).map((t) => trialRecord(t))
      const progress = storedProgress(study, trials)
      this.current = { study, storage, runner: null, progress, started: performance.now() }
      return { setup, trials, progress: { ...progress }, storage: sqliteUrl(file), studyName }
    } catch (error) {
      if (this.current?.storage !== storage) await storage.close()
      throw error
    }
  }

  /** Close the finished study's storage (a running one is left alone). */
  private async closeStudy(): Promise<void> {
    const current = this.current
    if (current === null || current.runner !== null) return
    this.current = null
    await current.storage.close()
  }

  async dispose(): Promise<void> {
    this.current?.runner?.cancel()
    if (this.current) await this.current.storage.close().catch(() => undefined)
    this.current = null
    await this.loaded?.objective.close().catch(() => undefined)
    this.loaded = null
  }
}

