import { toExternal, toInternal, type Distribution, type ParamValue } from '../distributions.js'
import type { FrozenTrial, StudyDirection, TrialState } from '../frozen-trial.js'
import { constraintViolation } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import { GroupDecomposedSearchSpace, IntersectionSearchSpace, type Sampler, type StudyView } from './base.js'
import { lossVector, nonDominationRanks, selectByHypervolume } from './multi-objective.js'
import { RandomSampler } from './random.js'
import { kernelWeights, ParzenEstimator, type KernelWeights, type ParzenOptions } from './tpe/parzen.js'
import { Arena, type Allocator } from './tpe/arena.js'
import { SortedColumn, type SubsetOrder } from './tpe/sorted-column.js'
import { largest, selectKth } from './tpe/select.js'
import { lastStep } from '../pruners/base.js'

/** Optuna's `default_gamma`: min(⌈0.1 n⌉, 25). */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25)
/** Optuna 5's multi-objective gamma: ⌈0.1 n⌉. */
export const defaultGammaMultiObjective = (n: number): number => Math.ceil(0.1 * n)
/** Watanabe (2023)'s linear gamma: ⌈0.15 n⌉, Histune's single-objective default. */
export const linearGamma = (n: number): number => Math.ceil(0.15 * n)

/** Optuna's `default_weights`: a linear ramp down-weighting all but the 25 most recent trials. */
export function defaultWeights(n: number): Float64Array {
  return defaultWeightsInto(new Float64Array(n))
}

function defaultWeightsInto(w: Float64Array): Float64Array {
  const n = w.length
  w.fill(1)
  if (n >= 25) {
    const ramp = n - 25
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1)
  }
  return w
}

export interface TPESamplerOptions {
  seed?: number
  nStartupTrials?: number
  nEiCandidates?: number
  /** Number of "good" trials out of n finished ones. */
  gamma?: (n: number) => number
  /** Kernel weights of n trials ordered by trial number (used for the "bad" set, and the good set unless `weightStrategy` says otherwise). */
  weights?: (n: number) => Float64Array
  /**
   * 'optuna' = `weights` for both sets; 'ei' = good kernels weighted by their improvement over the
   * best bad value, prior weighted by their mean (Watanabe 2023). Single objective only.
   */
  weightStrategy?: 'optuna' | 'ei'
  priorWeight?: number
  considerMagicClip?: boolean
  considerEndpoints?: boolean
  minBandwidthFactor?: number
  bandwidthExponent?: number
  /** Joint sampling of the params every finished trial shares; default: true for one objective. */
  multivariate?: boolean
  /** Count RUNNING trials as bad, so parallel workers spread out (default true, as Optuna 5). */
  constantLiar?: boolean
  /**
   * With `multivariate`, sample each group of params that always occur together jointly (Optuna's
   * `group=True`), instead of falling back to univariate sampling for conditional params.
   */
  group?: boolean
  /**
   * Which trials a param that only some trials have (a conditional param) learns from: 'active' =
   * a good/bad split of the trials where it is active, so each branch of a conditional space is
   * optimised on its own terms; 'all' = Optuna's: split all trials, then drop those without it.
   */
  conditionalSplit?: 'active' | 'all'
}

/** One side of the split: its trials (by number), their kernel weights, and each trial's index by number. */
interface TrialSubset {
  trials: FrozenTrial[]
  weights: Float64Array
  priorWeight: number | undefined
  /** The estimators' kernel weights (the same for every param of an ask). */
  kernel: KernelWeights
  /** member[trial number] = index in `trials`, −1 if not in it. */
  member: Int32Array
}

/** A split of `trials` (kept while the next ask's trials are the same ones). */
interface Split {
  directions: readonly StudyDirection[]
  cfg: string
  trials: FrozenTrial[]
  /** The trials' states when split. */
  states: TrialState[]
  below: FrozenTrial[]
  above: FrozenTrial[]
  threshold: number
}

interface GoodAndBad {
  split: Split
  below: TrialSubset
  above: TrialSubset
}

function subset(trials: FrozenTrial[], weights: Float64Array, priorWeight: number | undefined, defaultPriorWeight: number, arena: Arena): TrialSubset {
  let maxNumber = -1
  for (const t of trials) maxNumber = Math.max(maxNumber, t.number)
  const member = arena.i32(maxNumber + 1).fill(-1)
  trials.forEach((t, i) => (member[t.number] = i))
  return { trials, weights, priorWeight, kernel: kernelWeights(weights, priorWeight ?? defaultPriorWeight, arena), member }
}

function sameTrials(a: readonly FrozenTrial[], b: readonly FrozenTrial[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** What a sampler keeps about one study between asks: everything here only grows as trials arrive. */
interface StudyCache {
  studyName: string
  /** The trial list `nFinished` was counted on (a study view hands out one per ask). */
  snapshot: readonly FrozenTrial[] | null
  nFinished: number
  /** The trial list the search spaces were last brought up to date with. */
  spacesOf: readonly FrozenTrial[] | null
  intersection: IntersectionSearchSpace
  groups: GroupDecomposedSearchSpace
  /** Sorted observed values per numerical param (keyed by name and log flag). */
  columns: Map<string, SortedColumn>
  /** The trial list each column was last synced with, if syncing it again would add nothing. */
  syncedWith: Map<SortedColumn, readonly FrozenTrial[]>
  /** How many of the `counted` trials (finished ones, each counted once) have each param. */
  paramCounts: Map<string, number>
  counted: Uint8Array
  nCounted: number
}

/**
 * The trials an ask learns from before any param's activity is looked at: the finished ones and,
 * with the constant liar, the running ones, less the asking trial. Kept while the trial list is the
 * same and no unfinished trial in it changed state (finished trials never change).
 */
interface UsedTrials {
  all: readonly FrozenTrial[]
  trialId: number
  trials: FrozenTrial[]
  /** The RUNNING and WAITING trials of `all` (less the asking one) and their states then. */
  unfinished: FrozenTrial[]
  unfinishedStates: TrialState[]
  /** The running trials in `trials`, whose params may still grow. */
  running: FrozenTrial[]
}

/**
 * Tree-structured Parzen estimator (Optuna's algorithm: truncated-normal kernels with the neighbour
 * bandwidth and magic clip, TPE's categorical kernel, constant liar; MOTPE with several objectives).
 *
 * Defaults: for one objective, the settings Watanabe (arXiv 2304.11127) recommends after his
 * ablation (multivariate, γ = ⌈0.15 n⌉, EI weights, minimum bandwidth 3 % of the range) and the
 * 'active' split of conditional params, which are never worse than Optuna 5's defaults and better
 * on most functions of test/bench/study_tpe.mjs (see main/study/DESIGN.md); `TPESampler.optunaOptions()`
 * gives Optuna 5's own defaults (γ = min(⌈0.1 n⌉, 25), recency weights, minimum bandwidth
 * range/(n+2)). With several objectives the defaults are Optuna 5's (univariate, γ = ⌈0.1 n⌉,
 * uniform weights of the good trials, chosen by non-domination rank and hypervolume).
 */
export class TPESampler implements Sampler {
  private readonly rng: RandomState
  private readonly randomSampler: RandomSampler
  readonly nStartupTrials: number
  readonly nEiCandidates: number
  private readonly options: TPESamplerOptions
  private readonly weights: (n: number) => Float64Array
  private readonly multivariate: boolean | undefined
  readonly constantLiar: boolean
  private cache: StudyCache | undefined
  private lastSplit: Split | undefined
  private lastSets: GoodAndBad | undefined
  private lastUsed: UsedTrials | undefined
  /** The arrays of `lastSets` and of the split that made them; rewound when the sets are remade. */
  private readonly setsArena = new Arena()
  /** The estimators' arrays; rewound at each build, so they live until the next one. */
  private readonly arena = new Arena()

  constructor(options: TPESamplerOptions = {}) {
    this.rng = new RandomState(options.seed)
    this.randomSampler = new RandomSampler({ seed: options.seed === undefined ? undefined : options.seed + 1 })
    this.nStartupTrials = options.nStartupTrials ?? 10
    this.nEiCandidates = options.nEiCandidates ?? 24
    this.options = { ...options }
    this.weights = options.weights ?? ((n) => defaultWeightsInto(this.setsArena.f64(n)))
    this.multivariate = options.multivariate
    this.constantLiar = options.constantLiar ?? true
    if (options.priorWeight !== undefined && !(options.priorWeight > 0)) {
      throw new Error(`priorWeight must be positive, got ${options.priorWeight}`)
    }
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) {
      throw new Error(`nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`)
    }
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) {
      throw new Error(`nEiCandidates must be a positive integer, got ${this.nEiCandidates}`)
    }
  }

  /** Optuna 5's TPESampler defaults (multivariate for one objective, constant liar). */
  static optunaOptions(): TPESamplerOptions {
    return { weightStrategy: 'optuna', minBandwidthFactor: 0.01, bandwidthExponent: 1, conditionalSplit: 'all' }
  }

  /** Watanabe's recommended settings (the single-objective defaults here), spelled out. */
  static tunedOptions(): TPESamplerOptions {
    return { multivariate: true, gamma: linearGamma, weightStrategy: 'ei', minBandwidthFactor: 0.03, bandwidthExponent: 2 }
  }

  /** Effective settings: tuned defaults for one objective, Optuna 5's for several. */
  private config(multiObjective: boolean): { key: string; gamma: (n: number) => number; ei: boolean; activeSplit: boolean; parzen: ParzenOptions } {
    const o = this.options
    const ei = !multiObjective && (o.weightStrategy ?? 'ei') === 'ei'
    return {
      key: multiObjective ? 'multi' : 'single',
      activeSplit: (o.conditionalSplit ?? (multiObjective ? 'all' : 'active')) === 'active',
      gamma: o.gamma ?? (multiObjective ? defaultGammaMultiObjective : ei ? linearGamma : defaultGamma),
      ei,
      parzen: {
        priorWeight: o.priorWeight ?? 1,
        considerMagicClip: o.considerMagicClip ?? true,
        considerEndpoints: o.considerEndpoints ?? false,
        minBandwidthFactor: o.minBandwidthFactor ?? (multiObjective ? 0.01 : 0.03),
        bandwidthExponent: o.bandwidthExponent ?? (multiObjective ? 1 : 2),
      },
    }
  }

  private isMultivariate(study: StudyView): boolean {
    return this.multivariate ?? study.directions.length === 1
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    if (!this.isMultivariate(study)) return {}
    const cache = this.searchSpaces(study)
    if (this.options.group === true) return Object.assign({}, ...cache.groups.current()) as Record<string, Distribution>
    const space = cache.intersection.current()
    for (const [name, d] of Object.entries(space)) if (d.single()) delete space[name]
    return space
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, ParamValue> {
    if (Object.keys(searchSpace).length === 0) return {}
    if (this.nFinished(study) < this.nStartupTrials) return {}
    if (this.options.group !== true) return this.sample(study, trial, searchSpace)
    const out: Record<string, ParamValue> = {}
    for (const group of this.searchSpaces(study).groups.current()) {
      const sub: Record<string, Distribution> = {}
      for (const name of Object.keys(group)) if (name in searchSpace) sub[name] = searchSpace[name]!
      if (Object.keys(sub).length > 0) Object.assign(out, this.sample(study, trial, sub))
    }
    return out
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    if (this.nFinished(study) < this.nStartupTrials) {
      return this.randomSampler.sampleIndependent(study, trial, name, distribution)
    }
    return this.sample(study, trial, { [name]: distribution })[name]!
  }

  private nFinished(study: StudyView): number {
    return this.studyCache(study).nFinished
  }

  /** The cache of `study`, its count of finished trials brought up to date with the current trial list. */
  private studyCache(study: StudyView): StudyCache {
    if (this.cache?.studyName !== study.studyName) {
      this.cache = {
        studyName: study.studyName,
        snapshot: null,
        nFinished: 0,
        spacesOf: null,
        intersection: new IntersectionSearchSpace(),
        groups: new GroupDecomposedSearchSpace(),
        columns: new Map(),
        syncedWith: new Map(),
        paramCounts: new Map(),
        counted: new Uint8Array(64),
        nCounted: 0,
      }
      this.lastUsed = undefined
    }
    const all = study.getTrials()
    if (all !== this.cache.snapshot) {
      this.cache.snapshot = all
      let nFinished = 0
      for (const t of all) if (t.state === 'COMPLETE' || t.state === 'PRUNED') nFinished++
      this.cache.nFinished = nFinished
      this.cache.spacesOf = null
    }
    return this.cache
  }

  /** The study cache with its search spaces brought up to date (only multivariate sampling reads them). */
  private searchSpaces(study: StudyView): StudyCache {
    const cache = this.studyCache(study)
    if (cache.spacesOf !== cache.snapshot) {
      const finished = study.getTrials(['COMPLETE', 'PRUNED'])
      cache.intersection.update(finished)
      cache.groups.update(finished)
      cache.spacesOf = cache.snapshot
    }
    return cache
  }

  /** l(x) from the good trials and g(x) from the bad ones, over `space`. */
  private estimators(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): { l: ParzenEstimator; g: ParzenEstimator } {
    const names = Object.keys(space)
    const active = (t: FrozenTrial) => names.every((n) => n in t.params)
    const cfg = this.config(study.directions.length > 1)
    // The finished trials, and the running ones as bad trials if lying; only those with `space` for 'active'.
    const used = this.usedTrials(study, trial)
    let trials = used.trials
    if (cfg.activeSplit) {
      const counts = this.studyCache(study)
      const everyFinished = names.every((n) => counts.paramCounts.get(n) === counts.nCounted)
      // Usually every trial has these params, and each param of the ask shares one list (and one split).
      if (!everyFinished || !used.running.every(active)) trials = trials.filter(active)
    }
    const sets = this.goodAndBad(study.directions, trials, cfg, active)
    const columns = this.columns(study, space, trials)
    const a = this.arena
    a.rewind()
    const { below, above } = sets
    const [belowOrders, aboveOrders] = subsetOrders(columns, [below, above], a)
    return {
      l: new ParzenEstimator(space, observations(space, below.trials, a), below.kernel, cfg.parzen, undefined, belowOrders, a),
      g: new ParzenEstimator(space, observations(space, above.trials, a), above.kernel, cfg.parzen, undefined, aboveOrders, a),
    }
  }

  /** The trials (finished, and running if lying) that `trial` learns from, and the counts of their params. */
  private usedTrials(study: StudyView, trial: FrozenTrial): UsedTrials {
    const all = study.getTrials()
    const last = this.lastUsed
    if (last !== undefined && last.all === all && last.trialId === trial.trialId && last.unfinished.every((t, i) => t.state === last.unfinishedStates[i])) {
      return last
    }
    const cache = this.studyCache(study)
    const used: UsedTrials = { all, trialId: trial.trialId, trials: [], unfinished: [], unfinishedStates: [], running: [] }
    for (const t of all) {
      if (t.trialId === trial.trialId) continue
      if (t.state === 'RUNNING' || t.state === 'WAITING') {
        used.unfinished.push(t)
        used.unfinishedStates.push(t.state)
      }
      if (t.state === 'COMPLETE' || t.state === 'PRUNED') {
        used.trials.push(t)
        if (t.number >= cache.counted.length || cache.counted[t.number] === 0) countParams(cache, t)
      } else if (this.constantLiar && t.state === 'RUNNING') {
        used.trials.push(t)
        used.running.push(t)
      }
    }
    this.lastUsed = used
    return used
  }

  /**
   * The good and bad sets with their kernel weights. In one ask every param that all these trials
   * have gets the same sets (univariate sampling asks once per param), so the last ones are kept.
   */
  private goodAndBad(
    directions: readonly StudyDirection[],
    trials: FrozenTrial[],
    cfg: ReturnType<TPESampler['config']>,
    active: (t: FrozenTrial) => boolean,
  ): GoodAndBad {
    let split = this.lastSplit
    // A trial told meanwhile is the same object in a new state (the study updates its live trials in place).
    if (split === undefined || split.directions !== directions || split.cfg !== cfg.key || !sameTrials(split.trials, trials) ||
      split.states.some((state, i) => trials[i]!.state !== state)) {
      this.lastSplit = this.lastSets = undefined
      this.setsArena.rewind()
      split = { directions, cfg: cfg.key, trials, states: trials.map((t) => t.state), ...this.split(directions, trials, cfg.gamma) }
      this.lastSplit = split
    }
    // Optuna's way ('all'): the split of all trials, less those without this space's params.
    const below = cfg.activeSplit ? split.below : split.below.filter(active)
    const above = cfg.activeSplit ? split.above : split.above.filter(active)
    const last = this.lastSets
    if (last !== undefined && last.split === split && sameTrials(last.below.trials, below) && sameTrials(last.above.trials, above)) return last
    if (last !== undefined) this.setsArena.rewind()
    const belowWeights = this.belowWeights(directions, below, split.threshold, cfg.ei)
    const prior = cfg.parzen.priorWeight
    const sets: GoodAndBad = {
      split,
      below: subset(below, belowWeights, cfg.ei && belowWeights.length > 0 ? mean(belowWeights) : undefined, prior, this.setsArena),
      above: subset(above, this.weights(above.length), undefined, prior, this.setsArena),
    }
    this.lastSets = sets
    return sets
  }

  /** The sorted column of each numerical param of `space`, holding at least `trials`' values. */
  private columns(study: StudyView, space: Record<string, Distribution>, trials: readonly FrozenTrial[]): Map<string, SortedColumn> {
    const cache = this.studyCache(study)
    const out = new Map<string, SortedColumn>()
    for (const [name, dist] of Object.entries(space)) {
      if (dist.kind === 'categorical') continue
      const key = `${dist.log ? 'log' : 'lin'}:${name}`
      let column = cache.columns.get(key)
      if (column === undefined) cache.columns.set(key, (column = new SortedColumn(name, dist.log)))
      // The ask's trial lists are never changed once made, so the same list has nothing new (unless a running trial lacked the param).
      if (cache.syncedWith.get(column) !== trials) {
        if (column.sync(trials)) cache.syncedWith.delete(column)
        else cache.syncedWith.set(column, trials)
      }
      out.set(name, column)
    }
    return out
  }

  private sample(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const { l, g } = this.estimators(study, trial, space)
    const candidates = l.sample(this.rng, this.nEiCandidates)
    const ll = l.logPdf(candidates)
    const lg = g.logPdf(candidates)
    let best = 0
    for (let i = 1; i < this.nEiCandidates; i++) if (ll[i]! - lg[i]! > ll[best]! - lg[best]!) best = i
    const out: Record<string, ParamValue> = {}
    for (const name of Object.keys(space)) out[name] = toExternal(space[name]!, candidates[name]![best]!)
    return out
  }

  /**
   * log l(x) − log g(x) at the given points (external values, one array per param): the density
   * ratio TPE maximises when `trial` asks for `space`, e.g. to show where it would sample next.
   */
  acquisition(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>, points: Record<string, readonly ParamValue[]>): Float64Array {
    const { l, g } = this.estimators(study, trial, space)
    const internal: Record<string, Float64Array> = {}
    for (const [name, dist] of Object.entries(space)) {
      const values = points[name]
      if (values === undefined) throw new Error(`No points given for ${name}`)
      internal[name] = Float64Array.from(values, (v) => toInternal(dist, v))
    }
    const ll = l.logPdf(internal)
    const lg = g.logPdf(internal)
    return ll.map((v, i) => v - lg[i]!)
  }

  private belowWeights(directions: readonly StudyDirection[], below: FrozenTrial[], threshold: number, ei: boolean): Float64Array {
    if (directions.length > 1) return this.setsArena.f64(below.length).fill(1)
    if (ei && Number.isFinite(threshold)) {
      const w = this.setsArena.f64(below.length)
      below.forEach((t, i) => (w[i] = t.state === 'COMPLETE' ? Math.max(1e-12, threshold - lossVector(t, directions)[0]!) : 1e-12))
      return w
    }
    return this.weights(below.length)
  }

  /** Optuna's `_split_trials`: the best complete trials, then pruned, then infeasible ones fill the good set. */
  private split(
    directions: readonly StudyDirection[],
    trials: readonly FrozenTrial[],
    gamma: (n: number) => number,
  ): { below: FrozenTrial[]; above: FrozenTrial[]; threshold: number } {
    const running: FrozenTrial[] = []
    const infeasible: { t: FrozenTrial; violation: number }[] = []
    const complete: FrozenTrial[] = []
    const pruned: FrozenTrial[] = []
    for (const t of trials) {
      if (t.state === 'RUNNING') {
        running.push(t)
        continue
      }
      const violation = finishedViolation(t)
      if (violation > 0) infeasible.push({ t, violation })
      else if (t.state === 'COMPLETE') complete.push(t)
      else pruned.push(t)
    }
    const n = trials.length - running.length
    let quota = Math.min(gamma(n), n)

    const { good: goodComplete, threshold } = this.bestComplete(directions, complete, Math.min(quota, complete.length))
    quota -= goodComplete.length
    const goodSet = new Set(goodComplete)

    const sign = directions[0] === 'maximize' ? -1 : 1
    const prunedKey = (t: FrozenTrial): [number, number] => {
      const step = lastStep(t)
      if (step === null) return [1, 0]
      const v = sign * t.intermediateValues.get(step)!
      return [-step, Number.isNaN(v) ? Infinity : v]
    }
    if (quota > 0 && pruned.length > 0) {
      const prunedSorted = pruned.map((t) => ({ t, key: prunedKey(t) })).sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1])
      for (const { t } of prunedSorted.slice(0, quota)) goodSet.add(t)
    }
    quota -= Math.min(quota, pruned.length)
    if (quota > 0 && infeasible.length > 0) {
      const infeasibleSorted = [...infeasible].sort((a, b) => a.violation - b.violation)
      for (const { t } of infeasibleSorted.slice(0, quota)) goodSet.add(t)
    }

    const below: FrozenTrial[] = []
    const above: FrozenTrial[] = []
    for (const t of trials) (goodSet.has(t) ? below : above).push(t)
    return { below: byNumber(below), above: byNumber(above), threshold }
  }

  /**
   * The k best complete trials (ties to the lower number) and, for one objective, the best loss
   * among the rest (the EI weights' threshold).
   */
  private bestComplete(directions: readonly StudyDirection[], complete: FrozenTrial[], k: number): { good: FrozenTrial[]; threshold: number } {
    if (directions.length === 1) {
      const sign = directions[0] === 'maximize' ? -1 : 1
      const losses = this.setsArena.f64(complete.length)
      for (let i = 0; i < complete.length; i++) losses[i] = sign * complete[i]!.values![0]!
      const scratch = this.setsArena.f64(complete.length)
      scratch.set(losses)
      // The k-th and (k+1)-th smallest losses, as sorting would place them.
      const threshold = k < complete.length ? selectKth(scratch, k) : Infinity
      if (k <= 0) return { good: [], threshold }
      // Everything strictly below the k-th smallest loss, then its ties by trial number.
      const cutoff = largest(scratch.subarray(0, k))
      const good: FrozenTrial[] = []
      const ties: FrozenTrial[] = []
      for (let i = 0; i < complete.length; i++) {
        if (losses[i]! < cutoff) good.push(complete[i]!)
        else if (losses[i] === cutoff) ties.push(complete[i]!)
      }
      ties.sort((a, b) => a.number - b.number)
      for (const t of ties) if (good.length < k) good.push(t)
      return { good, threshold }
    }
    if (k <= 0) return { good: [], threshold: Infinity }
    const losses = complete.map((t) => lossVector(t, directions))
    // MOTPE: whole non-domination fronts while they fit, then hypervolume subset selection on the next.
    const ranks = nonDominationRanks(losses)
    const chosen: FrozenTrial[] = []
    for (let rank = 0; chosen.length < k; rank++) {
      const front = complete.map((_, i) => i).filter((i) => ranks[i] === rank)
      if (front.length === 0) break
      if (chosen.length + front.length <= k) {
        for (const i of front) chosen.push(complete[i]!)
        continue
      }
      // Reference point from the front being split (Optuna's `_get_reference_point`).
      const frontLosses = front.map((i) => losses[i]!)
      const reference = frontLosses[0]!.map((_, j) => {
        const worst = Math.max(...frontLosses.map((l) => l[j]!))
        const r = Math.max(1.1 * worst, 0.9 * worst)
        return r === 0 ? 1e-12 : r
      })
      const picked = reference.every(Number.isFinite)
        ? selectByHypervolume(frontLosses, k - chosen.length, reference)
        : front.slice(0, k - chosen.length).map((_, j) => j)
      for (const j of picked) chosen.push(complete[front[j]!]!)
    }
    return { good: chosen, threshold: Infinity }
  }
}

/** Counts the params of a finished trial not counted before. */
function countParams(cache: StudyCache, t: FrozenTrial): void {
  if (t.number >= cache.counted.length) {
    const grown = new Uint8Array(Math.max(t.number + 1, 2 * cache.counted.length))
    grown.set(cache.counted)
    cache.counted = grown
  }
  cache.counted[t.number] = 1
  cache.nCounted++
  for (const name of Object.keys(t.params)) cache.paramCounts.set(name, (cache.paramCounts.get(name) ?? 0) + 1)
}

/** Trials in ascending number (a study's list of trials already is). */
function byNumber(trials: FrozenTrial[]): FrozenTrial[] {
  for (let i = 1; i < trials.length; i++) if (trials[i - 1]!.number > trials[i]!.number) return trials.sort((a, b) => a.number - b.number)
  return trials
}

const violations = new WeakMap<FrozenTrial, number>()

/** A finished trial's total constraint violation (it never changes, so it is worked out once). */
function finishedViolation(t: FrozenTrial): number {
  let v = violations.get(t)
  if (v === undefined) violations.set(t, (v = constraintViolation(t)))
  return v
}

/** Each numerical param's order over each subset (listed by trial number) from its sorted column. */
function subsetOrders(columns: Map<string, SortedColumn>, subsets: TrialSubset[], alloc: Allocator): Record<string, SubsetOrder>[] {
  const out = subsets.map(() => ({}) as Record<string, SubsetOrder>)
  const asked = subsets.map((s) => ({ member: s.member, size: s.trials.length }))
  for (const [name, column] of columns) column.orders(asked, alloc).forEach((order, s) => (out[s]![name] = order))
  return out
}

/** Internal values of the categorical params (the numerical ones come from their sorted columns). */
function observations(space: Record<string, Distribution>, trials: FrozenTrial[], alloc: Allocator): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {}
  for (const [name, dist] of Object.entries(space)) {
    if (dist.kind !== 'categorical') continue
    const xs = alloc.f64(trials.length)
    for (let i = 0; i < trials.length; i++) {
      const v = trials[i]!.params[name]!
      xs[i] = toInternal(dist, v)
    }
    out[name] = xs
  }
  return out
}

function mean(xs: Float64Array): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}
