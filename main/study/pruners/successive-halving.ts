import type { FrozenTrial } from '../frozen-trial.js'
import { lastStep, type Pruner, type PrunerContext } from './base.js'

export interface SuccessiveHalvingOptions {
  /** Steps before the first rung; 'auto' = max(last step of the first COMPLETE trials / 100, 1). */
  minResource?: number | 'auto'
  reductionFactor?: number
  minEarlyStoppingRate?: number
  bootstrapCount?: number
}

const RUNG_PREFIX = 'completed_rung_'

/**
 * Asynchronous successive halving (Optuna's `SuccessiveHalvingPruner`): at each rung a trial is
 * promoted only if its value is in the top 1/η of all trials that reached that rung. Rung values are
 * kept in trial system attrs `completed_rung_{r}`, so several workers share them.
 */
export class SuccessiveHalvingPruner implements Pruner {
  private minResource: number | null
  readonly reductionFactor: number
  readonly minEarlyStoppingRate: number
  readonly bootstrapCount: number

  constructor(options: SuccessiveHalvingOptions = {}) {
    const minResource = options.minResource ?? 'auto'
    if (minResource !== 'auto' && !(Number.isInteger(minResource) && minResource >= 1)) {
      throw new Error(`minResource must be a positive integer or 'auto', got ${String(minResource)}`)
    }
    this.minResource = minResource === 'auto' ? null : minResource
    this.reductionFactor = options.reductionFactor ?? 4
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0
    this.bootstrapCount = options.bootstrapCount ?? 0
    if (!Number.isInteger(this.reductionFactor) || this.reductionFactor < 2) {
      throw new Error(`reductionFactor must be an integer ≥ 2, got ${this.reductionFactor}`)
    }
    if (!Number.isInteger(this.minEarlyStoppingRate) || this.minEarlyStoppingRate < 0) {
      throw new Error(`minEarlyStoppingRate must be a non-negative integer, got ${this.minEarlyStoppingRate}`)
    }
    if (!Number.isInteger(this.bootstrapCount) || this.bootstrapCount < 0) {
      throw new Error(`bootstrapCount must be a non-negative integer, got ${this.bootstrapCount}`)
    }
  }

  prune({ directions, trials, trial, setTrialSystemAttr }: PrunerContext): boolean {
    const step = lastStep(trial)
    if (step === null) return false
    let rung = Object.keys(trial.systemAttrs).filter((k) => k.startsWith(RUNG_PREFIX)).length
    const value = trial.intermediateValues.get(step)!
    for (;;) {
      if (this.minResource === null) {
        this.minResource = estimateMinResource(trials)
        if (this.minResource === null) return false
      }
      const promotionStep = this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung)
      if (step < promotionStep) return false
      if (Number.isNaN(value)) return true
      const key = `${RUNG_PREFIX}${rung}`
      setTrialSystemAttr(key, value)
      const competing: number[] = []
      for (const t of trials) {
        if (t.trialId === trial.trialId) continue
        const v = t.systemAttrs[key]
        if (typeof v === 'number') competing.push(v)
      }
      competing.push(value)
      if (competing.length <= this.bootstrapCount) return true
      if (!isPromotable(value, competing, this.reductionFactor, directions[0] === 'maximize')) return true
      rung += 1
    }
  }
}

function estimateMinResource(trials: readonly FrozenTrial[]): number | null {
  let maxStep: number | null = null
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue
    const s = lastStep(t)
    if (s !== null && (maxStep === null || s > maxStep)) maxStep = s
  }
  return maxStep === null ? null : Math.max(Math.floor(maxStep / 100), 1)
}

function isPromotable(value: number, competing: number[], reductionFactor: number, maximize: boolean): boolean {
  let idx = Math.floor(competing.length / reductionFactor) - 1
  if (idx === -1) idx = 0
  const sorted = [...competing].sort((a, b) => a - b)
  return maximize ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!
}
