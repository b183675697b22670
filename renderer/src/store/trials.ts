import type { ChannelEdges, Direction, TrialRecord } from '../../../preload/api'

/** Trials in arrival order with an index by number, so that a re-reported trial replaces its row. */
export interface TrialLog {
  list: TrialRecord[]
  indexByNumber: Map<number, number>
}

export const EMPTY_TRIAL_LOG: TrialLog = { list: [], indexByNumber: new Map() }

/** Append one batch; one new array per batch, not per trial (a study streams thousands). */
export function appendTrials(log: TrialLog, batch: readonly TrialRecord[]): TrialLog {
  if (batch.length === 0) return log
  const list = log.list.slice()
  const indexByNumber = new Map(log.indexByNumber)
  for (const trial of batch) {
    const at = indexByNumber.get(trial.number)
    if (at === undefined) {
      indexByNumber.set(trial.number, list.length)
      list.push(trial)
    } else {
      list[at] = trial
    }
  }
  return { list, indexByNumber }
}

export function objectiveValue(trial: TrialRecord, objective = 0): number | null {
  const value = trial.values?.[objective]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** A complete, feasible trial with a finite value: what "best" may be chosen from. */
export function isScorable(trial: TrialRecord): boolean {
  return trial.state === 'COMPLETE' && trial.feasible && objectiveValue(trial) !== null
}

export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'maximize' ? a > b : a < b
}

/** The best of `current` and the batch's scorable trials (first objective); ties keep the earlier trial. */
export function bestTrial(
  current: TrialRecord | null,
  batch: readonly TrialRecord[],
  direction: Direction,
): TrialRecord | null {
  let best = current
  for (const trial of batch) {
    if (!isScorable(trial)) continue
    const value = objectiveValue(trial) as number
    const bestValue = best === null ? null : objectiveValue(best)
    if (
      bestValue === null ||
      isBetter(value, bestValue, direction) ||
      (value === bestValue && best !== null && trial.number < best.number)
    ) {
      best = trial
    }
  }
  return best
}

/**
 * The best-so-far curve by trial number: one [number, best] point per scorable trial that
 * improved on all earlier ones (trials can finish out of order when evaluations run in parallel).
 */
export function bestSoFar(trials: readonly TrialRecord[], direction: Direction): [number, number][] {
  const scorable = trials.filter(isScorable).sort((a, b) => a.number - b.number)
  const points: [number, number][] = []
  let best: number | null = null
  for (const trial of scorable) {
    const value = objectiveValue(trial) as number
    if (best === null || isBetter(value, best, direction)) {
      best = value
      points.push([trial.number, value])
    }
  }
  return points
}

export function totalBins(edges: ChannelEdges | null): number | null {
  if (!edges) return null
  let n = 0
  for (const channelEdges of Object.values(edges)) n += Math.max(channelEdges.length - 1, 0)
  return n
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Trials as CSV: one column per objective and per parameter, then the edges as JSON. */
export function trialsCsv(trials: readonly TrialRecord[], objectiveNames: readonly string[]): string {
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))]
  const header = [
    'number',
    'state',
    ...objectiveNames,
    'feasible',
    'heldout_value',
    'n_bins',
    ...paramNames.map((p) => `param_${p}`),
    'duration_ms',
    'edges',
    'fail_reason',
  ]
  const rows = [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => [
      t.number,
      t.state,
      ...objectiveNames.map((_, i) => t.values?.[i] ?? null),
      t.feasible,
      t.heldoutValue ?? null,
      totalBins(t.edges),
      ...paramNames.map((p) => t.params[p] ?? null),
      t.durationMs ?? null,
      t.edges,
      t.failReason ?? null,
    ])
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
}
