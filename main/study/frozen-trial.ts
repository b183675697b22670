import type { Distribution, ParamValue } from './distributions.js'

export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING'
export const TRIAL_STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING']

export function isFinished(state: TrialState): boolean {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL'
}

export type StudyDirection = 'minimize' | 'maximize'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A snapshot of one trial as storage holds it (Optuna's `FrozenTrial`). */
export interface FrozenTrial {
  trialId: number
  number: number
  state: TrialState
  /** One value per objective; null until the trial is COMPLETE. */
  values: number[] | null
  datetimeStart: Date | null
  datetimeComplete: Date | null
  params: Record<string, ParamValue>
  distributions: Record<string, Distribution>
  userAttrs: Record<string, JsonValue>
  systemAttrs: Record<string, JsonValue>
  intermediateValues: Map<number, number>
}

export function cloneTrial(t: FrozenTrial): FrozenTrial {
  return {
    ...t,
    values: t.values === null ? null : [...t.values],
    params: { ...t.params },
    distributions: { ...t.distributions },
    userAttrs: structuredClone(t.userAttrs),
    systemAttrs: structuredClone(t.systemAttrs),
    intermediateValues: new Map(t.intermediateValues),
  }
}

/**
 * Constraint values of a trial (≤ 0 means satisfied), from the system attr `constraints` (a list,
 * as Optuna 4 and Histune write it) and from `constraints:<name>` keys (Optuna 5's
 * `Trial.set_constraint`); null when the trial has none.
 */
export function trialConstraints(t: FrozenTrial): number[] | null {
  const byName = new Map<string, number>()
  const list = t.systemAttrs.constraints
  if (Array.isArray(list)) list.forEach((v, i) => byName.set(String(i), v as number))
  for (const [key, value] of Object.entries(t.systemAttrs)) {
    if (key.startsWith('constraints:') && typeof value === 'number') byName.set(key.slice('constraints:'.length), value)
  }
  return byName.size === 0 ? null : [...byName.values()]
}

export function isFeasible(t: FrozenTrial): boolean {
  const c = trialConstraints(t)
  return c === null || c.every((v) => v <= 0)
}

/** Sum of the positive constraint values (0 for a feasible or unconstrained trial). */
export function constraintViolation(t: FrozenTrial): number {
  const c = trialConstraints(t)
  if (c === null) return 0
  let s = 0
  for (const v of c) if (v > 0) s += v
  return s
}
