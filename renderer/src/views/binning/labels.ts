import type { Direction } from '../../../../preload/api'

const OBJECTIVES: Record<string, string> = {
  z0: 'Z0',
  expected_limit: 'Expected limit',
  z0_minus_impact: 'Z0 − λ·impact',
  n_bins: 'Bins',
  p0: 'p0',
  mu_hat: 'μ̂',
  z_mcstat: 'Z0 with MC stat.',
  min_background: 'Min. background',
  min_width: 'Min. width',
  fit_converged: 'Fit converged',
}

/** How physicists write an objective or metric name. */
export function objectiveLabel(name: string): string {
  return OBJECTIVES[name] ?? name.replace(/_/g, ' ')
}

/** Four decimals for significances and limits; p-values and large numbers in exponent form. */
export function formatScore(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '−∞' : 'NaN'
  const magnitude = Math.abs(value)
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential(3).replace('-', '−')
  }
  return value.toFixed(4).replace('-', '−')
}

export function formatDelta(delta: number): string {
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±'
  return `${sign}${formatScore(Math.abs(delta))}`
}

/** Whether a change is an improvement for an objective of this direction. */
export function isImprovement(delta: number, direction: Direction): boolean {
  return direction === 'maximize' ? delta > 0 : delta < 0
}

/** Counts (the number of bins) as integers, everything else as a score. */
export function formatObjective(name: string, value: number): string {
  return name === 'n_bins' && Number.isInteger(value) ? String(value) : formatScore(value)
}
