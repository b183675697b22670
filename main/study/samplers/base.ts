import type { Distribution, ParamValue } from '../distributions.js'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozen-trial.js'

/**
 * What a sampler sees of a study: the trials as they were when the current trial was asked for
 * (finished, running and waiting), and a way to leave notes on the current trial.
 */
export interface StudyView {
  readonly studyName: string
  readonly directions: readonly StudyDirection[]
  getTrials(states?: readonly TrialState[]): FrozenTrial[]
  /** Queued write of a system attr on a trial (visible to later snapshots). */
  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): void
  /** Asks the optimisation loop to end after the running trials (a grid that ran out of points). */
  stop?(): void
}

/** Optuna's sampler protocol: a joint ("relative") draw at ask time, then per-param draws. */
export interface Sampler {
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution>
  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, ParamValue>
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue
  beforeTrial?(study: StudyView, trial: FrozenTrial): void
  afterTrial?(study: StudyView, trial: FrozenTrial, state: TrialState, values: number[] | null): void
}

/** Optuna's `IntersectionSearchSpace(include_pruned=True)`: params with one identical distribution in every finished trial. */
export function intersectionSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution> {
  const space = new IntersectionSearchSpace()
  space.update(trials)
  return space.current()
}

/**
 * Optuna's `_GroupDecomposedSearchSpace`: splits the params of finished trials into disjoint groups
 * of params that always appear together, so that each group of a conditional space can be sampled
 * jointly. A param whose distribution changes between trials is left out.
 */
export function groupDecomposedSearchSpace(trials: readonly FrozenTrial[]): Record<string, Distribution>[] {
  const space = new GroupDecomposedSearchSpace()
  space.update(trials)
  return space.current()
}

/**
 * A search space that only ever narrows as trials finish, so a sampler can keep one per study and
 * feed it each finished trial once (finished trials never change), as Optuna's cached versions do.
 */
abstract class IncrementalSearchSpace<T> {
  private readonly seen = new Set<number>()
  /** Adds the COMPLETE and PRUNED trials not seen before. */
  update(trials: readonly FrozenTrial[]): void {
    for (const t of trials) {
      if ((t.state !== 'COMPLETE' && t.state !== 'PRUNED') || this.seen.has(t.trialId)) continue
      this.seen.add(t.trialId)
      this.add(t)
    }
  }
  protected abstract add(trial: FrozenTrial): void
  abstract current(): T
}

export class IntersectionSearchSpace extends IncrementalSearchSpace<Record<string, Distribution>> {
  private space: Record<string, Distribution> | null = null

  protected add(t: FrozenTrial): void {
    if (this.space === null) {
      this.space = { ...t.distributions }
      return
    }
    for (const name of Object.keys(this.space)) {
      const d = t.distributions[name]
      if (d === undefined || !sameDistribution(d, this.space[name]!)) delete this.space[name]
    }
  }

  current(): Record<string, Distribution> {
    const out: Record<string, Distribution> = {}
    for (const name of Object.keys(this.space ?? {}).sort()) out[name] = this.space![name]!
    return out
  }
}

export class GroupDecomposedSearchSpace extends IncrementalSearchSpace<Record<string, Distribution>[]> {
  private groups: Set<string>[] = []
  private readonly dists = new Map<string, Distribution | null>()

  protected add(t: FrozenTrial): void {
    const names = new Set(Object.keys(t.distributions))
    for (const n of names) {
      const d = t.distributions[n]!
      const old = this.dists.get(n)
      if (old === undefined) this.dists.set(n, d)
      else if (old !== null && !sameDistribution(old, d)) this.dists.set(n, null)
    }
    const next: Set<string>[] = []
    const covered = new Set<string>()
    for (const g of this.groups) {
      const inside = new Set([...g].filter((n) => names.has(n)))
      const outside = new Set([...g].filter((n) => !names.has(n)))
      if (inside.size > 0) next.push(inside)
      if (outside.size > 0) next.push(outside)
      for (const n of g) covered.add(n)
    }
    const fresh = new Set([...names].filter((n) => !covered.has(n)))
    if (fresh.size > 0) next.push(fresh)
    this.groups = next
  }

  current(): Record<string, Distribution>[] {
    return this.groups
      .map((g) => {
        const space: Record<string, Distribution> = {}
        for (const n of [...g].sort()) {
          const d = this.dists.get(n)
          if (d !== null && d !== undefined && !d.single()) space[n] = d
        }
        return space
      })
      .filter((space) => Object.keys(space).length > 0)
  }
}

function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'categorical') {
    const bc = (b as typeof a).choices
    return a.choices.length === bc.length && a.choices.every((c, i) => Object.is(c, bc[i]))
  }
  const bn = b as typeof a
  return a.low === bn.low && a.high === bn.high && a.log === bn.log && a.step === bn.step
}
