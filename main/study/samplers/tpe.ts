import { toExternal, toInternal, type Distribution, type ParamValue } from '../distributions.js'
import type { FrozenTrial, StudyDirection, TrialState } from '../frozen-trial.js'
import { constraintViolation, trialConstraints } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import { groupDecomposedSearchSpace, intersectionSearchSpace, type Sampler, type StudyView } from './base.js'
import { lossVector, nonDominationRanks, selectByHypervolume } from './multi-objective.js'
import { RandomSampler } from './random.js'
import { ParzenEstimator, type ParzenOptions } from './tpe/parzen.js'
import { lastStep } from '../pruners/base.js'

/** Optuna's `default_gamma`: min(⌈0.1 n⌉, 25). */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25)
/** Optuna 5's multi-objective gamma: ⌈0.1 n⌉. */
export const defaultGammaMultiObjective = (n: number): number => Math.ceil(0.1 * n)
/** Watanabe (2023)'s linear gamma: ⌈0.15 n⌉, Histune's single-objective default. */
export const linearGamma = (n: number): number => Math.ceil(0.15 * n)

/** Optuna's `default_weights`: a linear ramp down-weighting all but the 25 most recent trials. */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1)
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
}

/**
 * Tree-structured Parzen estimator (Optuna's algorithm: truncated-normal kernels with the neighbour
 * bandwidth and magic clip, TPE's categorical kernel, constant liar; MOTPE with several objectives).
 *
 * Defaults: for one objective, the settings Watanabe (arXiv 2304.11127) recommends after his
 * ablation (multivariate, γ = ⌈0.15 n⌉, EI weights, minimum bandwidth 3 % of the range), which beat
 * Optuna 5's defaults on every function of test/bench/study_tpe.mjs; `TPESampler.optunaOptions()`
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

  constructor(options: TPESamplerOptions = {}) {
    this.rng = new RandomState(options.seed)
    this.randomSampler = new RandomSampler({ seed: options.seed === undefined ? undefined : options.seed + 1 })
    this.nStartupTrials = options.nStartupTrials ?? 10
    this.nEiCandidates = options.nEiCandidates ?? 24
    this.options = { ...options }
    this.weights = options.weights ?? defaultWeights
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
    return { weightStrategy: 'optuna', minBandwidthFactor: 0.01, bandwidthExponent: 1 }
  }

  /** Watanabe's recommended settings (the single-objective defaults here), spelled out. */
  static tunedOptions(): TPESamplerOptions {
    return { multivariate: true, gamma: linearGamma, weightStrategy: 'ei', minBandwidthFactor: 0.03, bandwidthExponent: 2 }
  }

  /** Effective settings: tuned defaults for one objective, Optuna 5's for several. */
  private config(multiObjective: boolean): { gamma: (n: number) => number; ei: boolean; parzen: ParzenOptions } {
    const o = this.options
    const ei = !multiObjective && (o.weightStrategy ?? 'ei') === 'ei'
    return {
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
    const finished = study.getTrials(['COMPLETE', 'PRUNED'])
    if (this.options.group === true) return Object.assign({}, ...groupDecomposedSearchSpace(finished)) as Record<string, Distribution>
    const space = intersectionSearchSpace(finished)
    for (const [name, d] of Object.entries(space)) if (d.single()) delete space[name]
    return space
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, ParamValue> {
    if (Object.keys(searchSpace).length === 0) return {}
    if (this.nFinished(study) < this.nStartupTrials) return {}
    if (this.options.group !== true) return this.sample(study, trial, searchSpace)
    const out: Record<string, ParamValue> = {}
    for (const group of groupDecomposedSearchSpace(study.getTrials(['COMPLETE', 'PRUNED']))) {
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
    return study.getTrials(['COMPLETE', 'PRUNED']).length
  }

  /** l(x) from the good trials and g(x) from the bad ones, over `space`. */
  private estimators(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): { l: ParzenEstimator; g: ParzenEstimator } {
    const states: TrialState[] = this.constantLiar ? ['COMPLETE', 'PRUNED', 'RUNNING'] : ['COMPLETE', 'PRUNED']
    const trials = study.getTrials(states).filter((t) => t.trialId !== trial.trialId)
    const cfg = this.config(study.directions.length > 1)
    const split = this.split(study.directions, trials, cfg.gamma)
    const names = Object.keys(space)
    const below = split.below.filter((t) => names.every((n) => n in t.params))
    const above = split.above.filter((t) => names.every((n) => n in t.params))

    const belowWeights = this.belowWeights(study.directions, below, split.threshold, cfg.ei)
    const priorBelow = cfg.ei && belowWeights.length > 0 ? mean(belowWeights) : undefined
    return {
      l: new ParzenEstimator(space, observations(space, below), belowWeights, cfg.parzen, priorBelow),
      g: new ParzenEstimator(space, observations(space, above), this.weights(above.length), cfg.parzen),
    }
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
    if (directions.length > 1) return new Float64Array(below.length).fill(1)
    if (ei && Number.isFinite(threshold)) {
      return Float64Array.from(below, (t) =>
        t.state === 'COMPLETE' ? Math.max(1e-12, threshold - lossVector(t, directions)[0]!) : 1e-12,
      )
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
    const infeasible: FrozenTrial[] = []
    const complete: FrozenTrial[] = []
    const pruned: FrozenTrial[] = []
    for (const t of trials) {
      if (t.state === 'RUNNING') running.push(t)
      else if (trialConstraints(t) !== null && constraintViolation(t) > 0) infeasible.push(t)
      else if (t.state === 'COMPLETE') complete.push(t)
      else pruned.push(t)
    }
    const n = trials.length - running.length
    let quota = Math.min(gamma(n), n)

    const goodComplete = this.bestComplete(directions, complete, Math.min(quota, complete.length))
    quota -= goodComplete.length
    const goodSet = new Set(goodComplete)
    let threshold = Infinity
    if (directions.length === 1) {
      for (const t of complete) if (!goodSet.has(t)) threshold = Math.min(threshold, lossVector(t, directions)[0]!)
    }

    const sign = directions[0] === 'maximize' ? -1 : 1
    const prunedKey = (t: FrozenTrial): [number, number] => {
      const step = lastStep(t)
      if (step === null) return [1, 0]
      const v = sign * t.intermediateValues.get(step)!
      return [-step, Number.isNaN(v) ? Infinity : v]
    }
    const prunedSorted = [...pruned].sort((a, b) => {
      const ka = prunedKey(a)
      const kb = prunedKey(b)
      return ka[0] - kb[0] || ka[1] - kb[1]
    })
    for (const t of prunedSorted.slice(0, quota)) goodSet.add(t)
    quota -= Math.min(quota, prunedSorted.length)
    const infeasibleSorted = [...infeasible].sort((a, b) => constraintViolation(a) - constraintViolation(b))
    for (const t of infeasibleSorted.slice(0, quota)) goodSet.add(t)

    const byNumber = (a: FrozenTrial, b: FrozenTrial) => a.number - b.number
    const below = trials.filter((t) => goodSet.has(t)).sort(byNumber)
    const above = trials.filter((t) => !goodSet.has(t)).sort(byNumber)
    return { below, above, threshold }
  }

  private bestComplete(directions: readonly StudyDirection[], complete: FrozenTrial[], k: number): FrozenTrial[] {
    if (k <= 0) return []
    const losses = complete.map((t) => lossVector(t, directions))
    if (directions.length === 1) {
      return complete
        .map((t, i) => ({ t, loss: losses[i]![0]! }))
        .sort((a, b) => a.loss - b.loss || a.t.number - b.t.number)
        .slice(0, k)
        .map((x) => x.t)
    }
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
    return chosen
  }
}

function observations(space: Record<string, Distribution>, trials: FrozenTrial[]): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {}
  for (const [name, dist] of Object.entries(space)) {
    out[name] = Float64Array.from(trials, (t) => toInternal(dist, t.params[name]!))
  }
  return out
}

function mean(xs: Float64Array): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}
