import { EventEmitter } from 'node:events'
import type { FrozenTrial } from './frozen-trial.js'
import type { ObjectiveValue, Study } from './study.js'
import { Trial, TrialPruned } from './trial.js'

export type RunnerState = 'idle' | 'running' | 'paused' | 'cancelling' | 'finished' | 'cancelled' | 'failed'

/** The objective the runner calls; `signal` aborts when the run is cancelled. */
export type RunnerObjective = (trial: Trial, context: { signal: AbortSignal }) => ObjectiveValue | Promise<ObjectiveValue>

export interface RunnerOptions {
  /** Trials to run in total (across all workers); unbounded when omitted (then use timeout or cancel). */
  nTrials?: number
  /** Seconds after which no new trial starts. */
  timeout?: number
  /** Objective evaluations in flight at once (TPE's constant liar spreads them out). */
  concurrency?: number
}

export interface TrialFinishedEvent {
  trial: FrozenTrial
  /** Why the trial is FAIL, when it is. */
  failReason?: string
  /** Trials finished by this run so far, this one included. */
  finished: number
}

export interface RunnerSummary {
  state: 'finished' | 'cancelled'
  nComplete: number
  nPruned: number
  nFail: number
}

export interface RunnerEvents {
  trial: [TrialFinishedEvent]
  state: [RunnerState]
  /** A storage or sampler failure that stopped a worker (objective errors only FAIL their trial). */
  error: [unknown]
}

/** Longest stretch a run holds the event loop between trials. */
const YIELD_EVERY_MS = 8

/**
 * Runs an objective over a study with N evaluations in flight, emitting `trial` for each finished
 * trial and `state` on every change. `pause()` lets running trials finish but starts no new ones
 * until `resume()`; `cancel()` aborts the running evaluations (their trials become FAIL).
 */
export class StudyRunner extends EventEmitter<RunnerEvents> {
  readonly study: Study
  private readonly objective: RunnerObjective
  private readonly options: Required<Pick<RunnerOptions, 'concurrency'>> & RunnerOptions
  private currentState: RunnerState = 'idle'
  private started = 0
  private finishedCount = 0
  private readonly counts = { nComplete: 0, nPruned: 0, nFail: 0 }
  private readonly abort = new AbortController()
  private resumeWaiters: (() => void)[] = []
  private deadline = Infinity
  private firstError: unknown = null
  private lastYield = performance.now()

  constructor(study: Study, objective: RunnerObjective, options: RunnerOptions = {}) {
    super()
    const concurrency = options.concurrency ?? 1
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`)
    if (options.nTrials !== undefined && !(Number.isInteger(options.nTrials) && options.nTrials >= 0)) {
      throw new Error(`nTrials must be a non-negative integer, got ${options.nTrials}`)
    }
    this.study = study
    this.objective = objective
    this.options = { ...options, concurrency }
  }

  get state(): RunnerState {
    return this.currentState
  }

  private setState(state: RunnerState): void {
    if (this.currentState === state) return
    this.currentState = state
    this.emit('state', state)
  }

  /** Runs until nTrials are done, the timeout passes, the sampler stops the study, or `cancel()`. */
  async run(): Promise<RunnerSummary> {
    if (this.currentState !== 'idle') throw new Error(`The runner has already been started (state ${this.currentState})`)
    this.deadline = this.options.timeout === undefined ? Infinity : Date.now() + this.options.timeout * 1000
    this.setState('running')
    await Promise.all(Array.from({ length: this.options.concurrency }, () => this.worker()))
    const cancelled = this.abort.signal.aborted
    const failed = this.firstError !== null && !cancelled
    this.setState(cancelled ? 'cancelled' : failed ? 'failed' : 'finished')
    if (failed) throw this.firstError
    return { state: cancelled ? 'cancelled' : 'finished', ...this.counts }
  }

  pause(): void {
    if (this.currentState === 'running') this.setState('paused')
  }

  resume(): void {
    if (this.currentState !== 'paused') return
    this.setState('running')
    for (const wake of this.resumeWaiters.splice(0)) wake()
  }

  cancel(): void {
    if (this.currentState === 'finished' || this.currentState === 'cancelled' || this.currentState === 'failed') return
    this.abort.abort(new Error('The study run was cancelled'))
    this.setState('cancelling')
    for (const wake of this.resumeWaiters.splice(0)) wake()
  }

  private mayStartTrial(): boolean {
    if (this.abort.signal.aborted || this.firstError !== null || this.study.stopped) return false
    if (Date.now() >= this.deadline) return false
    return this.options.nTrials === undefined || this.started < this.options.nTrials
  }

  private async worker(): Promise<void> {
    for (;;) {
      // A synchronous objective on in-memory storage resolves in microtasks only: without this the
      // run would hold the event loop to its end (no streamed events, timers, pause or cancel).
      if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((r) => setImmediate(r))
        this.lastYield = performance.now()
      }
      while (this.currentState === 'paused') await new Promise<void>((r) => this.resumeWaiters.push(r))
      if (!this.mayStartTrial()) return
      this.started++
      try {
        await this.runOne()
      } catch (e) {
        if (this.firstError === null) this.firstError = e
        this.emit('error', e)
        return
      }
    }
  }

  private async runOne(): Promise<void> {
    const trial = await this.study.ask()
    const signal = this.abort.signal
    let heartbeat: NodeJS.Timeout | undefined
    const interval = this.study.heartbeatInterval
    if (interval !== undefined) {
      heartbeat = setInterval(() => void this.study.storage.recordHeartbeat(trial.trialId).catch(() => undefined), interval * 1000)
    }
    let told
    try {
      let value: ObjectiveValue
      try {
        value = await raceAbort(Promise.resolve().then(() => this.objective(trial, { signal })), signal)
      } catch (error) {
        if (error instanceof TrialPruned) told = await this.study.tell(trial, null, 'PRUNED')
        else {
          const reason = signal.aborted ? 'cancelled' : error instanceof Error ? error.message : String(error)
          told = { ...(await this.study.tell(trial, null, 'FAIL')), failReason: reason }
        }
      }
      told ??= await this.study.tell(trial, value!)
    } finally {
      if (heartbeat !== undefined) clearInterval(heartbeat)
    }
    const state = told.trial.state
    if (state === 'COMPLETE') this.counts.nComplete++
    else if (state === 'PRUNED') this.counts.nPruned++
    else if (state === 'FAIL') this.counts.nFail++
    this.finishedCount++
    this.emit('trial', { trial: told.trial, failReason: told.failReason, finished: this.finishedCount })
  }
}

/** Resolves with `p`, or rejects as soon as `signal` aborts (the evaluation itself may run on). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
