import type { FrozenTrial, JsonValue, StudyDirection } from '../frozen-trial.js'

export interface PrunerContext {
  studyName: string
  directions: readonly StudyDirection[]
  /** All trials of the study, read when `shouldPrune` was called. */
  trials: readonly FrozenTrial[]
  /** The trial being judged, with its latest intermediate values. */
  trial: FrozenTrial
  setTrialSystemAttr(key: string, value: JsonValue): void
}

/** Decides whether a running trial should stop early, from its intermediate values. */
export interface Pruner {
  prune(context: PrunerContext): boolean
}

export class NopPruner implements Pruner {
  prune(): boolean {
    return false
  }
}

export function lastStep(trial: FrozenTrial): number | null {
  let last: number | null = null
  for (const step of trial.intermediateValues.keys()) if (last === null || step > last) last = step
  return last
}

/**
 * Optuna's interval rule: with reports at arbitrary steps, check only at the first report at or after
 * each grid point `nWarmupSteps + k·intervalSteps`.
 */
export function isFirstInInterval(trial: FrozenTrial, step: number, nWarmupSteps: number, intervalSteps: number): boolean {
  const nearest = nWarmupSteps + Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps
  let previous = -1
  for (const s of trial.intermediateValues.keys()) if (s !== step && s > previous) previous = s
  return previous < nearest
}

export function validateSteps(nWarmupSteps: number, intervalSteps: number): void {
  if (!Number.isInteger(nWarmupSteps) || nWarmupSteps < 0) {
    throw new Error(`Number of warmup steps cannot be negative but got ${nWarmupSteps}`)
  }
  if (!Number.isInteger(intervalSteps) || intervalSteps < 1) {
    throw new Error(`Pruning interval steps must be at least 1 but got ${intervalSteps}`)
  }
}
