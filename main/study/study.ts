import {
  checkDistributionCompatibility,
  toInternal,
  type Distribution,
  type ParamValue,
} from './distributions.js'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from './frozen-trial.js'
import { cloneTrial, isFeasible, isFinished } from './frozen-trial.js'
import { pedAnovaImportances, type PedAnovaOptions } from './importance.js'
import { MedianPruner } from './pruners/median.js'
import type { Pruner } from './pruners/base.js'
import type { Sampler, StudyView } from './samplers/base.js'
import { NSGAIISampler } from './samplers/nsga2.js'
import { TPESampler } from './samplers/tpe.js'
import { DuplicatedStudyError, type StudyStorage } from './storage/base.js'
import { InMemoryStorage } from './storage/memory.js'
import { AsyncMutex } from './mutex.js'
import { Trial, TrialPruned } from './trial.js'

export type ObjectiveValue = number | number[]
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>

/** Feasibility of a finished trial: each returned value ≤ 0 means that constraint holds. */
export type ConstraintsFunc = (trial: FrozenTrial) => number[]

export interface StudyOptions {
  storage?: StudyStorage
  sampler?: Sampler
  pruner?: Pruner
  studyName?: string
  direction?: StudyDirection
  directions?: StudyDirection[]
  loadIfExists?: boolean
  /** Evaluated for each COMPLETE/PRUNED trial and stored in its system attr `constraints`. */
  constraintsFunc?: ConstraintsFunc
  /** Seconds between heartbeats of running trials; enables failing stale trials. */
  heartbeatInterval?: number
  /** Seconds without a heartbeat after which a RUNNING trial is failed (default 2 × interval). */
  gracePeriod?: number
  /** Called for each trial failed for a stale heartbeat, e.g. `retryFailedTrial()`. */
  staleTrialCallback?: (study: Study, trial: FrozenTrial) => Promise<void> | void
}

/**
 * Optuna's `RetryFailedTrialCallback`: re-enqueues a failed trial with the same params, distributions
 * and user attrs, recording `failed_trial` (the first failed number) and `retry_history` in its
 * system attrs; gives up after `maxRetry` retries.
 */
export function retryFailedTrial(options: { maxRetry?: number; inheritIntermediateValues?: boolean } = {}) {
  return async (study: Study, trial: FrozenTrial): Promise<void> => {
    const history = Array.isArray(trial.systemAttrs.retry_history) ? [...(trial.systemAttrs.retry_history as number[])] : []
    history.push(trial.number)
    if (options.maxRetry !== undefined && history.length > options.maxRetry) return
    await study.addTrial({
      state: 'WAITING',
      params: trial.params,
      distributions: trial.distributions,
      userAttrs: trial.userAttrs,
      systemAttrs: { failed_trial: trial.systemAttrs.failed_trial ?? trial.number, ...trial.systemAttrs, retry_history: history },
      intermediateValues: options.inheritIntermediateValues === true ? trial.intermediateValues : new Map(),
    })
  }
}

export interface TellResult {
  trial: FrozenTrial
  /** Why the study recorded the trial as FAIL, when it did. */
  failReason?: string
}

function normaliseDirections(options: StudyOptions): StudyDirection[] {
  if (options.direction !== undefined && options.directions !== undefined) {
    throw new Error('Specify only one of direction and directions')
  }
  const directions = options.directions ?? [options.direction ?? 'minimize']
  if (directions.length === 0) throw new Error('At least one direction is required')
  for (const d of directions) {
    if (d !== 'minimize' && d !== 'maximize') throw new Error(`Unknown direction ${String(d)}: use 'minimize' or 'maximize'`)
  }
  return directions
}

/** A study: the ask/tell loop over a storage, a sampler and a pruner (Optuna's `Study`). */
export class Study {
  readonly storage: StudyStorage
  readonly sampler: Sampler
  readonly pruner: Pruner
  readonly studyId: number
  readonly studyName: string
  readonly directions: readonly StudyDirection[]
  readonly constraintsFunc: ConstraintsFunc | undefined
  readonly heartbeatInterval: number | undefined
  readonly gracePeriod: number | undefined
  readonly staleTrialCallback: StudyOptions['staleTrialCallback']
  private snapshot: FrozenTrial[] = []
  private stopRequested = false
  /** System-attr writes made by the sampler; awaited before `ask` returns and before a trial is told. */
  private samplerWrites: Promise<void>[] = []
  private readonly askMutex = new AsyncMutex()
  /**
   * Trials asked in this process and not yet told. Their params are known here before the queued
   * writes land, so they replace their stored copies in each snapshot (the constant liar sees them).
   */
  private readonly liveTrials = new Map<number, FrozenTrial>()
  /** Finished trials never change, so they are read from storage once (as Optuna's `_CachedStorage`). */
  private readonly finishedCache = new Map<number, FrozenTrial>()
  private maxCachedTrialId = 0
  private unfinishedIds: number[] = []
  private readonly refreshMutex = new AsyncMutex()

  private constructor(init: {
    storage: StudyStorage
    sampler: Sampler
    pruner: Pruner
    studyId: number
    studyName: string
    directions: StudyDirection[]
    options: StudyOptions
  }) {
    this.storage = init.storage
    this.sampler = init.sampler
    this.pruner = init.pruner
    this.studyId = init.studyId
    this.studyName = init.studyName
    this.directions = init.directions
    this.constraintsFunc = init.options.constraintsFunc
    this.heartbeatInterval = init.options.heartbeatInterval
    this.gracePeriod = init.options.gracePeriod
    this.staleTrialCallback = init.options.staleTrialCallback
    if (this.heartbeatInterval !== undefined && !(this.heartbeatInterval > 0)) {
      throw new Error(`heartbeatInterval must be positive, got ${this.heartbeatInterval}`)
    }
  }

  static async create(options: StudyOptions = {}): Promise<Study> {
    const storage = options.storage ?? new InMemoryStorage()
    let directions = normaliseDirections(options)
    let studyId: number
    try {
      studyId = await storage.createNewStudy(directions, options.studyName)
    } catch (e) {
      if (!(e instanceof DuplicatedStudyError) || options.loadIfExists !== true || options.studyName === undefined) throw e
      studyId = await storage.getStudyIdFromName(options.studyName)
      const stored = await storage.getStudyDirections(studyId)
      if (stored.join() !== directions.join()) {
        throw new Error(`Cannot overwrite study direction from [${stored.join(', ')}] to [${directions.join(', ')}]`)
      }
      directions = stored
    }
    const studyName = await storage.getStudyNameFromId(studyId)
    return new Study({ storage, studyId, studyName, directions, options, ...Study.defaults(options, directions) })
  }

  static async load(options: StudyOptions & { storage: StudyStorage; studyName?: string }): Promise<Study> {
    const storage = options.storage
    let studyName = options.studyName
    if (studyName === undefined) {
      const all = await storage.getAllStudies()
      if (all.length !== 1) throw new Error(`studyName is required when the storage holds ${all.length} studies`)
      studyName = all[0]!.studyName
    }
    const studyId = await storage.getStudyIdFromName(studyName)
    const directions = await storage.getStudyDirections(studyId)
    return new Study({ storage, studyId, studyName, directions, options, ...Study.defaults(options, directions) })
  }

  private static defaults(options: StudyOptions, directions: StudyDirection[]): { sampler: Sampler; pruner: Pruner } {
    return {
      sampler: options.sampler ?? (directions.length > 1 ? new NSGAIISampler() : new TPESampler()),
      pruner: options.pruner ?? new MedianPruner(),
    }
  }

  /** A read view for samplers, over the trials fetched at the last `ask`. */
  view(): StudyView {
    return {
      studyName: this.studyName,
      directions: this.directions,
      getTrials: (states?: readonly TrialState[]) =>
        states === undefined ? this.snapshot : this.snapshot.filter((t) => states.includes(t.state)),
      setTrialSystemAttr: (trialId: number, key: string, value: JsonValue) => {
        const t = this.snapshot.find((x) => x.trialId === trialId)
        if (t !== undefined) t.systemAttrs[key] = structuredClone(value)
        this.samplerWrites.push(this.storage.setTrialSystemAttr(trialId, key, value))
      },
      stop: () => this.stop(),
    }
  }

  /** Optuna refuses a param whose distribution kind, log flag or choices differ from earlier trials. */
  checkParamCompatibility(name: string, distribution: Distribution): void {
    for (const t of this.snapshot) {
      const old = t.distributions[name]
      if (old !== undefined) {
        checkDistributionCompatibility(old, distribution)
        return
      }
    }
  }

  /**
   * All trials of the study, finished ones from the cache; trials asked here and not yet told are
   * the live objects (their params are known before the queued writes land).
   */
  async currentTrials(): Promise<FrozenTrial[]> {
    return this.refreshMutex.lock(async () => {
      const fresh = await this.storage.getTrialsAfter(this.studyId, this.maxCachedTrialId, this.unfinishedIds)
      const unfinished: FrozenTrial[] = []
      for (const t of fresh) {
        if (isFinished(t.state)) this.finishedCache.set(t.trialId, t)
        else unfinished.push(t)
        this.maxCachedTrialId = Math.max(this.maxCachedTrialId, t.trialId)
      }
      this.unfinishedIds = unfinished.map((t) => t.trialId)
      const all = [...this.finishedCache.values(), ...unfinished.map((t) => this.liveTrials.get(t.trialId) ?? t)]
      return all.sort((a, b) => a.number - b.number)
    })
  }

  /** Starts a trial: the next WAITING (enqueued) trial if any, else a new one; draws its relative params. */
  ask(fixedDistributions: Record<string, Distribution> = {}): Promise<Trial> {
    return this.askMutex.lock(() => this.askUnlocked(fixedDistributions))
  }

  private async askUnlocked(fixedDistributions: Record<string, Distribution>): Promise<Trial> {
    if (this.heartbeatInterval !== undefined) {
      const failed = await this.storage.failStaleTrials(this.studyId, this.gracePeriod ?? 2 * this.heartbeatInterval)
      if (this.staleTrialCallback !== undefined) {
        for (const id of failed) await this.staleTrialCallback(this, await this.storage.getTrial(id))
      }
    }
    let trialId: number | null = null
    for (const waiting of await this.storage.getAllTrials(this.studyId, ['WAITING'])) {
      if (await this.storage.setTrialStateValues(waiting.trialId, 'RUNNING')) {
        trialId = waiting.trialId
        break
      }
    }
    if (trialId === null) trialId = (await this.storage.createNewTrial(this.studyId)).trialId
    if (this.heartbeatInterval !== undefined) await this.storage.recordHeartbeat(trialId)

    this.snapshot = await this.currentTrials()
    const frozen = this.snapshot.find((t) => t.trialId === trialId)
    if (frozen === undefined) throw new Error(`Trial ${trialId} vanished from storage`)
    this.liveTrials.set(trialId, frozen)
    const view = this.view()
    this.sampler.beforeTrial?.(view, frozen)
    const space = this.sampler.inferRelativeSearchSpace(view, frozen)
    const relative = Object.keys(space).length === 0 ? {} : this.sampler.sampleRelative(view, frozen, space)
    const trial = new Trial(this, frozen, space, relative)
    for (const [name, dist] of Object.entries(fixedDistributions)) trial.suggest(name, dist)
    await this.flushSamplerWrites()
    return trial
  }

  /**
   * Finishes a trial. Values that are missing, of the wrong count or NaN make the trial FAIL (the
   * study goes on), as in Optuna.
   */
  async tell(
    trialOrNumber: Trial | number,
    values?: ObjectiveValue | null,
    state?: Exclude<TrialState, 'RUNNING' | 'WAITING'>,
  ): Promise<TellResult> {
    const trial = typeof trialOrNumber === 'number' ? null : trialOrNumber
    // A write the storage refused (say, a param another worker stored with another kind) fails the trial.
    let writeFailure: string | undefined
    if (trial !== null) {
      try {
        await trial.flush()
      } catch (e) {
        writeFailure = e instanceof Error ? e.message : String(e)
      }
    }
    const frozen =
      trial !== null
        ? trial.frozen
        : (await this.storage.getAllTrials(this.studyId)).find((t) => t.number === trialOrNumber)
    if (frozen === undefined) throw new Error(`Trial number ${String(trialOrNumber)} does not exist in this study`)
    if (frozen.state !== 'RUNNING') {
      throw new Error(`Cannot tell a ${frozen.state} trial (number ${frozen.number}); only RUNNING trials can be told`)
    }

    let finalState: TrialState = writeFailure !== undefined ? 'FAIL' : (state ?? (values === undefined || values === null ? 'FAIL' : 'COMPLETE'))
    let finalValues: number[] | null = null
    let failReason: string | undefined = writeFailure
    if (finalState === 'COMPLETE') {
      const list = Array.isArray(values) ? values : values === undefined || values === null ? [] : [values]
      failReason = checkValues(list, this.directions.length)
      if (failReason === undefined) finalValues = list
      else finalState = 'FAIL'
    } else if (finalState === 'FAIL' && values === undefined) {
      failReason = 'The objective returned no value'
    }

    if (this.constraintsFunc !== undefined && (finalState === 'COMPLETE' || finalState === 'PRUNED')) {
      const constraints = this.constraintsFunc({ ...frozen, values: finalValues })
      if (constraints.some((v) => Number.isNaN(v))) throw new Error('Constraint values must not be NaN')
      frozen.systemAttrs.constraints = [...constraints]
      await this.storage.setTrialSystemAttr(frozen.trialId, 'constraints', constraints)
    }
    this.sampler.afterTrial?.(this.view(), frozen, finalState, finalValues)
    await this.flushSamplerWrites()
    await this.storage.setTrialStateValues(frozen.trialId, finalState, finalValues)
    this.liveTrials.delete(frozen.trialId)
    frozen.state = finalState
    frozen.values = finalValues
    frozen.datetimeComplete = new Date()
    return { trial: cloneTrial(frozen), failReason }
  }

  /** Runs `objective` on one asked trial and tells the outcome; exceptions and NaN become FAIL. */
  async runTrial(objective: Objective): Promise<TellResult & { error?: unknown }> {
    const trial = await this.ask()
    let heartbeat: NodeJS.Timeout | undefined
    if (this.heartbeatInterval !== undefined) {
      heartbeat = setInterval(() => {
        void this.storage.recordHeartbeat(trial.trialId).catch(() => undefined)
      }, this.heartbeatInterval * 1000)
    }
    try {
      const value = await objective(trial)
      return await this.tell(trial, value)
    } catch (error) {
      if (error instanceof TrialPruned) return await this.tell(trial, null, 'PRUNED')
      const told = await this.tell(trial, null, 'FAIL')
      return { ...told, failReason: error instanceof Error ? error.message : String(error), error }
    } finally {
      if (heartbeat !== undefined) clearInterval(heartbeat)
    }
  }

  private async flushSamplerWrites(): Promise<void> {
    const writes = this.samplerWrites
    this.samplerWrites = []
    await Promise.all(writes)
  }

  /** Sequential optimisation loop; see `StudyRunner` for parallel evaluations and events. */
  async optimize(objective: Objective, options: { nTrials?: number; timeout?: number } = {}): Promise<void> {
    const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout * 1000
    this.stopRequested = false
    for (let i = 0; options.nTrials === undefined || i < options.nTrials; i++) {
      if (this.stopRequested || Date.now() >= deadline) break
      await this.runTrial(objective)
    }
  }

  /** Ends `optimize` after the current trial (e.g. a grid sampler that ran out of points). */
  stop(): void {
    this.stopRequested = true
  }

  get stopped(): boolean {
    return this.stopRequested
  }

  /**
   * Queues a trial with fixed params (Optuna's `enqueue_trial`): stored as WAITING with the system
   * attr `fixed_params`, and popped by the next `ask`.
   */
  async enqueueTrial(
    params: Record<string, ParamValue>,
    options: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean } = {},
  ): Promise<void> {
    if (options.skipIfExists === true) {
      for (const t of await this.storage.getAllTrials(this.studyId)) {
        const fixed = t.systemAttrs.fixed_params as Record<string, ParamValue> | undefined
        const source = t.state === 'WAITING' ? (fixed ?? {}) : t.params
        const keys = Object.keys(params)
        if (keys.length > 0 && keys.every((k) => Object.is(source[k], params[k]))) return
      }
    }
    await this.storage.createNewTrial(this.studyId, {
      state: 'WAITING',
      systemAttrs: { fixed_params: params },
      userAttrs: options.userAttrs ?? {},
    })
  }

  /** Adds a finished trial from elsewhere (Optuna's `add_trial`); params are external values. */
  async addTrial(init: {
    state?: TrialState
    values?: number[] | null
    params: Record<string, ParamValue>
    distributions: Record<string, Distribution>
    userAttrs?: Record<string, JsonValue>
    systemAttrs?: Record<string, JsonValue>
    intermediateValues?: Map<number, number>
  }): Promise<number> {
    const state = init.state ?? 'COMPLETE'
    if (state === 'COMPLETE') {
      const reason = checkValues(init.values ?? [], this.directions.length)
      if (reason !== undefined) throw new Error(reason)
    }
    const params: Record<string, number> = {}
    for (const [name, value] of Object.entries(init.params)) {
      const dist = init.distributions[name]
      if (dist === undefined) throw new Error(`No distribution for param ${name}`)
      params[name] = toInternal(dist, value)
    }
    const { number } = await this.storage.createNewTrial(this.studyId, { ...init, state, params })
    return number
  }

  async getTrials(states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    return this.storage.getAllTrials(this.studyId, states)
  }

  /** Best COMPLETE trial (feasible ones first) of a single-objective study. */
  async bestTrial(): Promise<FrozenTrial> {
    if (this.directions.length > 1) throw new Error('bestTrial is for single-objective studies; use bestTrials')
    const complete = await this.getTrials(['COMPLETE'])
    const feasible = complete.filter(isFeasible)
    const pool = feasible.length > 0 ? feasible : complete
    if (pool.length === 0) throw new Error('No trials are completed yet')
    const sign = this.directions[0] === 'maximize' ? -1 : 1
    return pool.reduce((best, t) => (sign * t.values![0]! < sign * best.values![0]! ? t : best))
  }

  async bestValue(): Promise<number> {
    return (await this.bestTrial()).values![0]!
  }

  async bestParams(): Promise<Record<string, ParamValue>> {
    return (await this.bestTrial()).params
  }

  /** The Pareto front of the COMPLETE (feasible, when constrained) trials. */
  async bestTrials(): Promise<FrozenTrial[]> {
    const complete = (await this.getTrials(['COMPLETE'])).filter(isFeasible)
    const signs = this.directions.map((d) => (d === 'maximize' ? -1 : 1))
    const loss = (t: FrozenTrial) => t.values!.map((v, i) => signs[i]! * v)
    return complete.filter((t) => !complete.some((o) => o !== t && dominates(loss(o), loss(t))))
  }

  /** PED-ANOVA importance of each param (sums to 1, most important first). */
  async paramImportances(options: PedAnovaOptions = {}): Promise<Record<string, number>> {
    return pedAnovaImportances(await this.getTrials(['COMPLETE']), this.directions, options)
  }

  async setUserAttr(key: string, value: JsonValue): Promise<void> {
    await this.storage.setStudyUserAttr(this.studyId, key, value)
  }

  async userAttrs(): Promise<Record<string, JsonValue>> {
    return this.storage.getStudyUserAttrs(this.studyId)
  }

  async systemAttrs(): Promise<Record<string, JsonValue>> {
    return this.storage.getStudySystemAttrs(this.studyId)
  }
}

export interface StudySummaryWithBest {
  studyId: number
  studyName: string
  directions: StudyDirection[]
  userAttrs: Record<string, JsonValue>
  nTrials: number
  /** Best value (one objective) or Pareto front size (several); null before any COMPLETE trial. */
  bestValue: number | null
  nParetoTrials: number | null
  datetimeStart: Date | null
}

/** Every study of a storage with its progress (Optuna's `get_all_study_summaries`), for study lists. */
export async function studySummaries(storage: StudyStorage): Promise<StudySummaryWithBest[]> {
  const out: StudySummaryWithBest[] = []
  for (const s of await storage.getAllStudies()) {
    const study = await Study.load({ storage, studyName: s.studyName, sampler: new NoSampler() })
    const trials = await study.getTrials()
    const complete = trials.some((t) => t.state === 'COMPLETE')
    const starts = trials.map((t) => t.datetimeStart?.getTime()).filter((v): v is number => v !== undefined)
    out.push({
      studyId: s.studyId,
      studyName: s.studyName,
      directions: s.directions,
      userAttrs: s.userAttrs,
      nTrials: trials.length,
      bestValue: complete && s.directions.length === 1 ? await study.bestValue() : null,
      nParetoTrials: complete && s.directions.length > 1 ? (await study.bestTrials()).length : null,
      datetimeStart: starts.length > 0 ? new Date(Math.min(...starts)) : null,
    })
  }
  return out
}

/** Deletes a study and all its trials. */
export async function deleteStudy(storage: StudyStorage, studyName: string): Promise<void> {
  await storage.deleteStudy(await storage.getStudyIdFromName(studyName))
}

/** A sampler for read-only use of a study (summaries): it refuses to sample. */
class NoSampler implements Sampler {
  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {}
  }
  sampleRelative(): Record<string, ParamValue> {
    return {}
  }
  sampleIndependent(): ParamValue {
    throw new Error('This study was opened read-only')
  }
}

function checkValues(values: number[], nObjectives: number): string | undefined {
  if (values.length !== nObjectives) {
    return `The number of the values ${values.length} did not match the number of the objectives ${nObjectives}`
  }
  for (const v of values) {
    if (typeof v !== 'number') return `The value ${String(v)} could not be cast to float`
    if (Number.isNaN(v)) return `The value ${v} is not acceptable`
  }
  return undefined
}

/** `a` dominates `b` (all objectives minimised). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false
    if (a[i]! < b[i]!) strictly = true
  }
  return strictly
}
