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

/** Which trials the table shows by state. */
export type TrialStateFilter = 'all' | 'feasible' | 'infeasible' | 'failed'

type Comparison = '<' | '<=' | '>' | '>=' | '=' | '!='

export interface TrialCondition {
  column: string
  op: Comparison
  value: number
}

export type ParsedFilter = { ok: true; conditions: TrialCondition[] } | { ok: false; message: string }

const CONDITION = /^([A-Za-z_#][\w.#]*)\s*(<=|>=|!=|==|=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i

/**
 * Conditions like `n_bins <= 10, z0 > 2.1` (comma- or `and`-separated): a column is a parameter, an
 * objective, `bins` or `#` (the trial number). Says which part it does not understand.
 */
export function parseTrialFilter(text: string, columns: readonly string[]): ParsedFilter {
  const parts = text
    .split(/,|\s+and\s+/i)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const conditions: TrialCondition[] = []
  for (const part of parts) {
    const m = CONDITION.exec(part)
    if (!m) return { ok: false, message: `cannot read “${part}”: write e.g. n_bins <= 10` }
    const column = m[1] === 'number' ? '#' : (m[1] as string)
    if (column !== '#' && !columns.includes(column)) {
      return { ok: false, message: `no column “${column}” (columns: #, ${columns.join(', ')})` }
    }
    const op = (m[2] === '==' ? '=' : m[2]) as Comparison
    conditions.push({ column, op, value: Number(m[3]) })
  }
  return { ok: true, conditions }
}

function columnValue(trial: TrialRecord, column: string, objectiveNames: readonly string[]): number | null {
  if (column === '#') return trial.number
  if (column === 'bins') return totalBins(trial.edges)
  const objective = objectiveNames.indexOf(column)
  if (objective >= 0) return objectiveValue(trial, objective)
  const value = trial.params[column]
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  return null
}

function holds(x: number, op: Comparison, value: number): boolean {
  switch (op) {
    case '<':
      return x < value
    case '<=':
      return x <= value
    case '>':
      return x > value
    case '>=':
      return x >= value
    case '=':
      return x === value
    case '!=':
      return x !== value
  }
}

/** The trials in `state` that meet every condition (a trial without the column never does). */
export function filterTrials(
  trials: readonly TrialRecord[],
  state: TrialStateFilter,
  conditions: readonly TrialCondition[],
  objectiveNames: readonly string[],
): readonly TrialRecord[] {
  if (state === 'all' && conditions.length === 0) return trials
  return trials.filter((t) => {
    if (state === 'feasible' && !(t.state === 'COMPLETE' && t.feasible)) return false
    if (state === 'infeasible' && !(t.state === 'COMPLETE' && !t.feasible)) return false
    if (state === 'failed' && t.state !== 'FAIL' && t.state !== 'PRUNED') return false
    return conditions.every((c) => {
      const x = columnValue(t, c.column, objectiveNames)
      return x !== null && holds(x, c.op, c.value)
    })
  })
}
