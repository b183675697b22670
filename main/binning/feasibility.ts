/**
 * Constraint values of a binning in Optuna's convention: one number per constraint, ≤ 0 when it
 * holds, growing with the violation. `positive_background` is always there: a bin without positive
 * expected background has no meaningful significance.
 */

import type { BinYields } from './constraints'
import type { ConstraintsConfig } from './config'

export interface Feasibility {
  names: string[]
  values: number[]
  feasible: boolean
  /** The quantities constrained: min_background, max_mc_rel_error, min_mc_events, min_width. */
  metrics: Record<string, number>
}

/** Names of the constraint values `feasibility` returns for `config`, in order. */
export function constraintNames(config: ConstraintsConfig): string[] {
  const names = ['positive_background']
  if (config.minBackground !== undefined) names.push('min_background')
  if (config.maxMcRelError !== undefined) names.push('max_mc_rel_error')
  if (config.minMcEvents !== undefined) names.push('min_mc_events')
  if (config.minWidth !== undefined) names.push('min_width')
  return names
}

/** Constraint values over all bins of all channels. */
export function feasibility(bins: readonly BinYields[], config: ConstraintsConfig, hasMcStatistics: boolean): Feasibility {
  const minBackground = Math.min(...bins.map((b) => b.background))
  const positive = bins.filter((b) => b.background > 0)
  const maxRelError = positive.length === 0 ? 0 : Math.max(...positive.map((b) => Math.sqrt(b.backgroundSumw2) / b.background))
  const minEntries = Math.min(...bins.map((b) => b.backgroundEntries))
  const minWidth = Math.min(...bins.map((b) => b.hi - b.lo))
  const metrics: Record<string, number> = { min_background: minBackground, min_width: minWidth }
  if (hasMcStatistics) {
    metrics.max_mc_rel_error = maxRelError
    metrics.min_mc_events = minEntries
  }
  const values: number[] = [minBackground > 0 ? -minBackground : 1 - minBackground]
  if (config.minBackground !== undefined) values.push(config.minBackground - minBackground)
  if (config.maxMcRelError !== undefined) values.push(maxRelError - config.maxMcRelError)
  if (config.minMcEvents !== undefined) values.push(config.minMcEvents - minEntries)
  // Edges built from sums of floats may land a hair below the minimum width.
  if (config.minWidth !== undefined) values.push(config.minWidth * (1 - 1e-12) - minWidth)
  return { names: constraintNames(config), values, feasible: values.every((v) => v <= 0), metrics }
}
