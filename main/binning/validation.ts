/**
 * Held-out evaluation: the binning is chosen on one part of the MC events and scored on the other,
 * which measures how much the optimiser tuned itself to MC fluctuations. Parts are selected by entry
 * number (`Entry$`, independent of the physics) and reweighted to the full sample's normalisation.
 */

import type { ValidationConfig } from './config'

/** One part of every MC sample: an extra selection and the factor that restores the normalisation. */
export interface McPart {
  selection: string
  weightFactor: number
}

export interface McSplit {
  /** Where the binning is chosen (the study's objective values). */
  train: McPart
  /** Where the chosen binning is scored (`heldout_value`). */
  heldout: McPart
}

// A hash of the entry number built from what the selection language has (+ * %), every product
// below 2⁵³ so that it is exact in doubles: a Park–Miller step (48271·x mod 2³¹−1), a square modulo
// the prime 94906249 (the non-linear part: a linear map alone keeps neighbouring entries together)
// and another Park–Miller step.
const MINSTD_A = 48271
const MINSTD_M = 2147483647
const SQUARE_P = 94906249
const SEED_STRIDE = 104729
/** The largest seed a config may give (every product of the fold expression stays below 2⁵³). */
export const MAX_SPLIT_SEED = 499_999
/** Added to the inner folds' seed (selection), so they never coincide with a validation split's. */
const INNER_SEED_OFFSET = 500_000

/**
 * The fold (0 … k−1) of each entry as a selection expression: `Entry$ % k`, or with a seed a
 * pseudo-random assignment that changes with the seed and does not follow the entry order.
 */
export function foldExpression(k: number, seed?: number): string {
  if (seed === undefined) return `Entry$ % ${k}`
  const first = `((Entry$ + ${1 + seed * SEED_STRIDE}) * ${MINSTD_A} % ${MINSTD_M} % ${SQUARE_P})`
  return `((${first} * ${first} % ${SQUARE_P}) * ${MINSTD_A} % ${MINSTD_M}) % ${k}`
}

/** The fold that `foldExpression(k, seed)` assigns to `entry`. */
export function foldOf(entry: number, k: number, seed?: number): number {
  if (seed === undefined) return entry % k
  const first = (((entry + 1 + seed * SEED_STRIDE) * MINSTD_A) % MINSTD_M) % SQUARE_P
  return ((((first * first) % SQUARE_P) * MINSTD_A) % MINSTD_M) % k
}

/**
 * odd_even: even entries train, odd entries score. kfold: fold `fold` of k scores, the rest train;
 * with a seed, the folds are a pseudo-random partition of the entries.
 */
export function mcSplit(config: ValidationConfig): McSplit {
  if (config.split === 'odd_even') {
    return { train: { selection: 'Entry$ % 2 == 0', weightFactor: 2 }, heldout: { selection: 'Entry$ % 2 == 1', weightFactor: 2 } }
  }
  const { k, fold } = config
  const folds = foldExpression(k, config.seed)
  return {
    train: { selection: `${folds} != ${fold}`, weightFactor: k / (k - 1) },
    heldout: { selection: `${folds} == ${fold}`, weightFactor: k },
  }
}

/**
 * The k inner folds of `within` (the training part when validating, all events otherwise) that
 * `selection: {method: kfold_…}` scores binnings on: each fold's events reweighted ×k.
 */
export function innerFolds(within: McPart | undefined, k: number, seed: number): McPart[] {
  const folds = foldExpression(k, INNER_SEED_OFFSET + seed)
  return Array.from({ length: k }, (_, j) => ({
    selection: andSelections(within?.selection, `${folds} == ${j}`)!,
    weightFactor: (within?.weightFactor ?? 1) * k,
  }))
}

/** `a && b` of optional selections, each parenthesised. */
export function andSelections(...selections: (string | undefined)[]): string | undefined {
  const parts = selections.filter((s): s is string => s !== undefined && s.trim() !== '')
  if (parts.length === 0) return undefined
  return parts.length === 1 ? parts[0] : parts.map((s) => `(${s})`).join(' && ')
}

/** `weight` scaled by `factor` (1 when the weight is absent). */
export function scaledWeight(weight: string | undefined, factor: number): string | undefined {
  if (factor === 1) return weight
  return weight === undefined ? String(factor) : `${factor} * (${weight})`
}
