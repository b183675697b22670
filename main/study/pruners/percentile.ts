import type { FrozenTrial, StudyDirection } from '../frozen-trial.js'
import { isFirstInInterval, lastStep, validateSteps, type Pruner, type PrunerContext } from './base.js'

export interface PercentilePrunerOptions {
  nStartupTrials?: number
  nWarmupSteps?: number
  intervalSteps?: number
  nMinTrials?: number
}

/**
 * Prunes a trial whose best intermediate value is worse than the given percentile of the COMPLETE
 * trials' values at the same step (Optuna's `PercentilePruner`).
 */
export class PercentilePruner implements Pruner {
  readonly percentile: number
  readonly nStartupTrials: number
  readonly nWarmupSteps: number
  readonly intervalSteps: number
  readonly nMinTrials: number

  constructor(percentile: number, options: PercentilePrunerOptions = {}) {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new Error(`Percentile must be between 0 and 100 inclusive but got ${percentile}`)
    }
    this.percentile = percentile
    this.nStartupTrials = options.nStartupTrials ?? 5
    this.nWarmupSteps = options.nWarmupSteps ?? 0
    this.intervalSteps = options.intervalSteps ?? 1
    this.nMinTrials = options.nMinTrials ?? 1
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) {
      throw new Error(`Number of startup trials cannot be negative but got ${this.nStartupTrials}`)
    }
    if (!Number.isInteger(this.nMinTrials) || this.nMinTrials < 1) {
      throw new Error(`Number of trials for pruning must be at least 1 but got ${this.nMinTrials}`)
    }
    validateSteps(this.nWarmupSteps, this.intervalSteps)
  }

  prune({ directions, trials, trial }: PrunerContext): boolean {
    const completed = trials.filter((t) => t.state === 'COMPLETE')
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false
    const step = lastStep(trial)
    if (step === null || step < this.nWarmupSteps) return false
    if (!isFirstInInterval(trial, step, this.nWarmupSteps, this.intervalSteps)) return false
    const direction = directions[0]!
    const best = bestIntermediate(trial, direction)
    if (Number.isNaN(best)) return true
    const p = percentileAtStep(completed, direction, step, this.percentile, this.nMinTrials)
    if (Number.isNaN(p)) return false
    return direction === 'maximize' ? best < p : best > p
  }
}

/** Optuna's `MedianPruner`: the 50th percentile. */
export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options)
  }
}

function bestIntermediate(trial: FrozenTrial, direction: StudyDirection): number {
  let best = NaN
  for (const v of trial.intermediateValues.values()) {
    if (Number.isNaN(v)) continue
    if (Number.isNaN(best) || (direction === 'maximize' ? v > best : v < best)) best = v
  }
  return best
}

function percentileAtStep(
  completed: readonly FrozenTrial[],
  direction: StudyDirection,
  step: number,
  percentile: number,
  nMinTrials: number,
): number {
  const q = direction === 'maximize' ? 100 - percentile : percentile
  const values: number[] = []
  for (const t of completed) {
    const v = t.intermediateValues.get(step)
    if (v !== undefined) values.push(v)
  }
  if (values.length < nMinTrials) return NaN
  return nanPercentile(values, q)
}

/** numpy's `nanpercentile` with linear interpolation. */
export function nanPercentile(values: readonly number[], q: number): number {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (xs.length === 0) return NaN
  const pos = ((xs.length - 1) * q) / 100
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  if (lo === hi) return xs[lo]!
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo)
}
