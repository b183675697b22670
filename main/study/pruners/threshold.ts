import { isFirstInInterval, lastStep, validateSteps, type Pruner, type PrunerContext } from './base.js'

/** Prunes when the latest intermediate value is NaN or outside [lower, upper] (Optuna's `ThresholdPruner`). */
export class ThresholdPruner implements Pruner {
  readonly lower: number | null
  readonly upper: number | null
  readonly nWarmupSteps: number
  readonly intervalSteps: number

  constructor(options: { lower?: number; upper?: number; nWarmupSteps?: number; intervalSteps?: number }) {
    this.lower = options.lower ?? null
    this.upper = options.upper ?? null
    this.nWarmupSteps = options.nWarmupSteps ?? 0
    this.intervalSteps = options.intervalSteps ?? 1
    if (this.lower === null && this.upper === null) throw new Error('Either lower or upper must be specified')
    if (this.lower !== null && this.upper !== null && this.lower > this.upper) {
      throw new Error(`lower should be smaller than upper, got lower=${this.lower}, upper=${this.upper}`)
    }
    validateSteps(this.nWarmupSteps, this.intervalSteps)
  }

  prune({ trial }: PrunerContext): boolean {
    const step = lastStep(trial)
    if (step === null || step < this.nWarmupSteps) return false
    if (!isFirstInInterval(trial, step, this.nWarmupSteps, this.intervalSteps)) return false
    const v = trial.intermediateValues.get(step)!
    if (Number.isNaN(v)) return true
    if (this.lower !== null && v < this.lower) return true
    if (this.upper !== null && v > this.upper) return true
    return false
  }
}
