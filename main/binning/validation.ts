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

/** odd_even: even entries train, odd entries score. kfold: fold `fold` of k scores, the rest train. */
export function mcSplit(config: ValidationConfig): McSplit {
  if (config.split === 'odd_even') {
    return { train: { selection: 'Entry$ % 2 == 0', weightFactor: 2 }, heldout: { selection: 'Entry$ % 2 == 1', weightFactor: 2 } }
  }
  const { k, fold } = config
  return {
    train: { selection: `Entry$ % ${k} != ${fold}`, weightFactor: k / (k - 1) },
    heldout: { selection: `Entry$ % ${k} == ${fold}`, weightFactor: k },
  }
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
