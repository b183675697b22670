import { CategoricalDistribution, toInternal, type Distribution } from './distributions.js'
import type { FrozenTrial, StudyDirection } from './frozen-trial.js'
import { intersectionSearchSpace } from './samplers/base.js'
import { logGaussMass } from './samplers/tpe/normal.js'

export interface PedAnovaOptions {
  /** Fraction of best trials whose param distribution is compared with the region's. */
  targetQuantile?: number
  /** Fraction of best trials forming the region (1 = all trials: global importance). */
  regionQuantile?: number
  /** Objective index for multi-objective studies. */
  objective?: number
}

const N_STEPS = 50
const PRIOR_WEIGHT = 1

/**
 * PED-ANOVA hyperparameter importance (Watanabe et al. 2023; Optuna's `PedAnovaImportanceEvaluator`,
 * which optuna-dashboard shows): for each param, the Pearson divergence between the param's density
 * among the top trials and among the region's trials, on a 50-point grid with Scott-bandwidth
 * kernels. Importances are normalised to sum to 1, sorted from most to least important.
 */
export function pedAnovaImportances(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
  options: PedAnovaOptions = {},
): Record<string, number> {
  const targetQuantile = options.targetQuantile ?? 0.1
  const regionQuantile = options.regionQuantile ?? 1
  const objective = options.objective ?? 0
  if (!(targetQuantile > 0 && targetQuantile < regionQuantile && regionQuantile <= 1)) {
    throw new Error(`Need 0 < targetQuantile < regionQuantile ≤ 1, got ${targetQuantile} and ${regionQuantile}`)
  }
  if (objective < 0 || objective >= directions.length) throw new Error(`No objective ${objective} in this study`)
  const space = intersectionSearchSpace(trials.filter((t) => t.state === 'COMPLETE'))
  const names = Object.keys(space).filter((n) => !space[n]!.single())
  const complete = trials.filter(
    (t) => t.state === 'COMPLETE' && t.values !== null && Number.isFinite(t.values[objective]!) && names.every((n) => n in t.params),
  )
  const sign = directions[objective] === 'maximize' ? -1 : 1
  const losses = complete.map((t) => sign * t.values![objective]!)
  const raw: Record<string, number> = {}
  if (complete.length > 1) {
    const top = quantileFilter(complete, losses, targetQuantile)
    const region = quantileFilter(complete, losses, regionQuantile)
    for (const name of names) raw[name] = pearsonDivergence(space[name]!, name, top, region)
  } else {
    for (const name of names) raw[name] = 0
  }
  const total = Object.values(raw).reduce((a, b) => a + b, 0)
  const entries = Object.entries(raw).map(([n, v]) => [n, total > 0 ? v / total : 1 / names.length] as const)
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1]))
}

function quantileFilter(trials: FrozenTrial[], losses: number[], quantile: number): FrozenTrial[] {
  if (quantile >= 1) return trials
  // numpy's quantile(method="inverted_cdf") of the losses is the cut-off.
  const sorted = [...losses].sort((a, b) => a - b)
  const cutoff = sorted[Math.max(Math.ceil(quantile * sorted.length) - 1, 0)]!
  return trials.filter((_, i) => losses[i]! <= cutoff)
}

/** Counts of the trials' values on the param's grid: its choices, its own values if few, else 50 steps. */
function gridCounts(dist: Distribution, name: string, trials: FrozenTrial[]): number[] {
  if (dist instanceof CategoricalDistribution) {
    const counts = new Array<number>(dist.choices.length).fill(0)
    for (const t of trials) counts[toInternal(dist, t.params[name]!)]! += 1
    return counts
  }
  let nSteps = N_STEPS
  if (dist.kind === 'int' && dist.log) nSteps = Math.min(Math.ceil(Math.log2(dist.high - dist.low + 1)) + 1, nSteps)
  else if (dist.step !== null) nSteps = Math.min(Math.round((dist.high - dist.low) / dist.step) + 1, nSteps)
  const f = dist.log ? Math.log : (x: number) => x
  const lo = f(dist.low)
  const stepSize = (f(dist.high) - lo) / (nSteps - 1)
  const counts = new Array<number>(nSteps).fill(0)
  for (const t of trials) {
    const i = Math.ceil((f(t.params[name] as number) - lo) / stepSize - 0.5)
    counts[Math.min(Math.max(i, 0), nSteps - 1)]! += 1
  }
  return counts
}

function pearsonDivergence(dist: Distribution, name: string, top: FrozenTrial[], region: FrozenTrial[]): number {
  const categorical = dist instanceof CategoricalDistribution
  const pTop = density(gridCounts(dist, name, top), categorical)
  const pLocal = density(gridCounts(dist, name, region), categorical)
  let d = 0
  for (let i = 0; i < pTop.length; i++) {
    const t = pTop[i]! + 1e-12
    const l = pLocal[i]! + 1e-12
    d += l * (t / l - 1) ** 2
  }
  return d
}

/**
 * Density on the grid 0..n−1 from counts: one kernel per occupied cell weighted by its count, plus a
 * prior kernel (Optuna's `ScottParzenEstimator`): TPE's categorical kernel for choices, discretised
 * truncated normals with Scott's bandwidth for numbers.
 */
function density(counts: number[], categorical: boolean): Float64Array {
  const n = counts.length
  const cells = counts.map((c, i) => [i, c] as const).filter(([, c]) => c > 0)
  const total = cells.reduce((a, [, c]) => a + c, 0) + PRIOR_WEIGHT
  const p = new Float64Array(n)
  if (categorical) {
    const eps = PRIOR_WEIGHT / (cells.length + 1)
    const rowNorm = 1 + n * eps
    for (const [i, c] of cells) {
      for (let j = 0; j < n; j++) p[j]! += (c * ((j === i ? 1 : 0) + eps)) / rowNorm / total
    }
    for (let j = 0; j < n; j++) p[j]! += PRIOR_WEIGHT / n / total
    return p
  }
  const addKernel = (mu: number, s: number, w: number) => {
    const norm = logGaussMass((-0.5 - mu) / s, (n - 0.5 - mu) / s)
    for (let i = 0; i < n; i++) p[i]! += w * Math.exp(logGaussMass((i - 0.5 - mu) / s, (i + 0.5 - mu) / s) - norm)
  }
  if (cells.length > 0) {
    const sigma = scottBandwidth(cells)
    for (const [i, c] of cells) addKernel(i, sigma, c / total)
  }
  addKernel((n - 1) / 2, n, PRIOR_WEIGHT / total)
  return p
}

/** Scott's rule on weighted cells, floored at 0.5/1.64 cells (as Optuna's PED-ANOVA). */
function scottBandwidth(cells: (readonly [number, number])[]): number {
  const w = cells.reduce((a, [, c]) => a + c, 0)
  const mean = cells.reduce((a, [i, c]) => a + i * c, 0) / w
  const std = Math.sqrt(cells.reduce((a, [i, c]) => a + (i - mean) ** 2 * c, 0) / Math.max(1, w - 1))
  const cum: number[] = []
  let acc = 0
  for (const [, c] of cells) cum.push((acc += c))
  const q1 = cum.findIndex((v) => v >= Math.floor(w / 4))
  let q3 = cum.findIndex((v) => v > Math.floor((w * 3) / 4))
  if (q3 < 0) q3 = cells.length - 1
  const iqr = cells[Math.min(cells.length - 1, q3)]![0] - cells[Math.max(q1, 0)]![0]
  const sigma = 1.059 * Math.min(iqr / 1.34, std) * w ** -0.2
  return Math.max(sigma, 0.5 / 1.64)
}
