import {
  CategoricalDistribution,
  checkDistributionCompatibility,
  FloatDistribution,
  IntDistribution,
  toInternal,
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
} from './distributions.js'
import type { FrozenTrial, JsonValue } from './frozen-trial.js'
import type { TrialWrite } from './storage/base.js'
import type { Study } from './study.js'

/** Thrown by an objective to end its trial as PRUNED (Optuna's `TrialPruned`). */
export class TrialPruned extends Error {
  override name = 'TrialPruned'
}

/**
 * A running trial, handed to the objective (define-by-run): each `suggest*` call samples a value,
 * records it, and returns it. Suggestions are synchronous; the writes they cause are queued and
 * flushed before the trial is told.
 */
export class Trial {
  readonly study: Study
  readonly trialId: number
  readonly number: number
  /** The trial as storage will hold it once the queued writes land. */
  readonly frozen: FrozenTrial
  private readonly relativeParams: Record<string, ParamValue>
  private readonly relativeSpace: Record<string, Distribution>
  private pending: Promise<void> = Promise.resolve()
  private writeError: unknown = null
  /** Writes made since the last drain; suggestions made in one tick land in one transaction. */
  private buffer: TrialWrite[] = []

  constructor(
    study: Study,
    frozen: FrozenTrial,
    relativeSpace: Record<string, Distribution>,
    relativeParams: Record<string, ParamValue>,
  ) {
    this.study = study
    this.frozen = frozen
    this.trialId = frozen.trialId
    this.number = frozen.number
    this.relativeSpace = relativeSpace
    this.relativeParams = relativeParams
  }

  get params(): Record<string, ParamValue> {
    return { ...this.frozen.params }
  }

  get distributions(): Record<string, Distribution> {
    return { ...this.frozen.distributions }
  }

  get userAttrs(): Record<string, JsonValue> {
    return structuredClone(this.frozen.userAttrs)
  }

  suggestFloat(name: string, low: number, high: number, options: { log?: boolean; step?: number | null } = {}): number {
    return this.suggest(name, new FloatDistribution(low, high, options)) as number
  }

  suggestInt(name: string, low: number, high: number, options: { log?: boolean; step?: number } = {}): number {
    return this.suggest(name, new IntDistribution(low, high, options)) as number
  }

  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, new CategoricalDistribution(choices)) as T
  }

  /** Suggests a value for `name` from any distribution (also used by `ask(fixedDistributions)`). */
  suggest(name: string, distribution: Distribution): ParamValue {
    const existing = this.frozen.distributions[name]
    if (existing !== undefined) {
      checkDistributionCompatibility(existing, distribution)
      return this.frozen.params[name]!
    }
    this.study.checkParamCompatibility(name, distribution)
    const value = this.sampleValue(name, distribution)
    const internal = toInternal(distribution, value)
    this.frozen.params[name] = value
    this.frozen.distributions[name] = distribution
    this.enqueue({ kind: 'param', name, internal, distribution })
    return value
  }

  private sampleValue(name: string, distribution: Distribution): ParamValue {
    const fixed = this.frozen.systemAttrs.fixed_params
    if (fixed !== null && typeof fixed === 'object' && !Array.isArray(fixed) && name in fixed) {
      const v = fixed[name] as ParamValue
      toInternal(distribution, v) // throws if a categorical value is not a choice
      return distribution instanceof IntDistribution && typeof v === 'number' ? Math.round(v) : v
    }
    if (distribution.single()) {
      return distribution instanceof CategoricalDistribution ? distribution.choices[0]! : distribution.low
    }
    const relSpace = this.relativeSpace[name]
    if (name in this.relativeParams && relSpace !== undefined && sameKindAndBounds(relSpace, distribution)) {
      return this.relativeParams[name]!
    }
    return this.study.sampler.sampleIndependent(this.study.view(), this.frozen, name, distribution)
  }

  /** Records an intermediate value; pruners judge the trial on these. */
  report(value: number, step: number): void {
    if (this.study.directions.length > 1) {
      throw new Error('Trial.report is not supported for multi-objective optimization')
    }
    if (!Number.isInteger(step) || step < 0) throw new Error(`The step must be a non-negative integer, got ${step}`)
    if (this.frozen.intermediateValues.has(step)) return
    this.frozen.intermediateValues.set(step, value)
    this.enqueue({ kind: 'intermediate', step, value })
  }

  /** Asks the study's pruner whether to stop this trial now (it reads the other trials afresh). */
  async shouldPrune(): Promise<boolean> {
    if (this.study.directions.length > 1) {
      throw new Error('Trial.shouldPrune is not supported for multi-objective optimization')
    }
    await this.flush()
    const trials = await this.study.currentTrials()
    const prune = this.study.pruner.prune({
      studyName: this.study.studyName,
      directions: this.study.directions,
      trials,
      trial: this.frozen,
      setTrialSystemAttr: (key, value) => this.setSystemAttr(key, value),
    })
    await this.flush()
    return prune
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.frozen.userAttrs[key] = structuredClone(value)
    this.enqueue({ kind: 'userAttr', key, value: structuredClone(value) })
  }

  setSystemAttr(key: string, value: JsonValue): void {
    this.frozen.systemAttrs[key] = structuredClone(value)
    this.enqueue({ kind: 'systemAttr', key, value: structuredClone(value) })
  }

  /** Constraint values for this trial; each ≤ 0 means satisfied (stored as Optuna's `constraints`). */
  setConstraints(values: number[]): void {
    if (values.some((v) => Number.isNaN(v))) throw new Error('Constraint values must not be NaN')
    this.setSystemAttr('constraints', [...values])
  }

  /** Waits for every queued write; rethrows the first one that failed. */
  async flush(): Promise<void> {
    await this.pending
    if (this.writeError !== null) {
      const e = this.writeError
      this.writeError = null
      throw e
    }
  }

  private enqueue(write: TrialWrite): void {
    this.buffer.push(write)
    if (this.buffer.length > 1) return // a drain is already scheduled
    this.pending = this.pending
      .then(() => {
        const writes = this.buffer
        this.buffer = []
        return this.study.storage.applyTrialWrites(this.trialId, writes)
      })
      .catch((e: unknown) => {
        if (this.writeError === null) this.writeError = e
      })
  }
}

function sameKindAndBounds(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false
  if (a instanceof CategoricalDistribution) {
    const bc = (b as CategoricalDistribution).choices
    return a.choices.length === bc.length && a.choices.every((c, i) => Object.is(c, bc[i]))
  }
  const bn = b as FloatDistribution | IntDistribution
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step
}

