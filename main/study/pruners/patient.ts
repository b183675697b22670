import type { Pruner, PrunerContext } from './base.js'

/**
 * Waits `patience` steps without an improvement larger than `minDelta` before handing the decision to
 * the wrapped pruner (or pruning, without one). Optuna's `PatientPruner`.
 */
export class PatientPruner implements Pruner {
  readonly wrapped: Pruner | null
  readonly patience: number
  readonly minDelta: number

  constructor(wrapped: Pruner | null, options: { patience: number; minDelta?: number }) {
    this.wrapped = wrapped
    this.patience = options.patience
    this.minDelta = options.minDelta ?? 0
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new Error(`patience cannot be negative but got ${this.patience}`)
    }
    if (!(this.minDelta >= 0)) throw new Error(`minDelta cannot be negative but got ${this.minDelta}`)
  }

  prune(context: PrunerContext): boolean {
    const { trial, directions } = context
    const steps = [...trial.intermediateValues.keys()].sort((a, b) => a - b)
    if (steps.length <= this.patience + 1) return false
    const split = steps.length - this.patience - 1
    const before = steps.slice(0, split).map((s) => trial.intermediateValues.get(s)!)
    const after = steps.slice(split).map((s) => trial.intermediateValues.get(s)!)
    // No improvement by more than minDelta within the last patience + 1 steps.
    const maybePrune =
      directions[0] === 'maximize'
        ? nanExtreme(before, Math.max) + this.minDelta > nanExtreme(after, Math.max)
        : nanExtreme(before, Math.min) - this.minDelta < nanExtreme(after, Math.min)
    if (!maybePrune) return false
    return this.wrapped === null ? true : this.wrapped.prune(context)
  }
}

function nanExtreme(values: number[], f: (...xs: number[]) => number): number {
  const xs = values.filter((v) => !Number.isNaN(v))
  return xs.length === 0 ? NaN : f(...xs)
}
