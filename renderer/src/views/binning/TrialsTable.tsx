import { memo, useId, useMemo, useState, type KeyboardEvent } from 'react'
import type { Direction, StudySetup, TrialRecord } from '../../../../preload/api'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { useStudio } from '../../store/context'
import {
  filterTrials,
  objectiveValue,
  parseTrialFilter,
  totalBins,
  type TrialCondition,
  type TrialStateFilter,
} from '../../store/trials'
import { formatNumber } from '../../format'
import { formatObjective, objectiveLabel } from './labels'

const TABLE_INTERVAL_MS = 250

export type TrialSortKey = 'number' | 'value' | 'bins' | 'feasible' | 'state'

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

function compareNullable(a: number | null, b: number | null): number {
  if (a === null && b === null) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a - b
}

/** Sort with the better value first for `value` (by the objective's direction), ties by trial number. */
export function sortTrials(
  trials: readonly TrialRecord[],
  key: TrialSortKey,
  descending: boolean,
  direction: Direction,
): TrialRecord[] {
  const sign = descending ? -1 : 1
  const by = (t: TrialRecord): number | null => {
    switch (key) {
      case 'number':
        return t.number
      case 'value': {
        const v = objectiveValue(t)
        return v === null ? null : direction === 'maximize' ? -v : v
      }
      case 'bins':
        return totalBins(t.edges)
      case 'feasible':
        return t.feasible ? 0 : 1
      case 'state':
        return t.state === 'COMPLETE' ? 0 : t.state === 'PRUNED' ? 1 : t.state === 'FAIL' ? 2 : 3
    }
  }
  return [...trials].sort((a, b) => {
    const va = by(a)
    const vb = by(b)
    // Missing values stay at the bottom in both orders.
    if (va === null || vb === null) return compareNullable(va, vb) || a.number - b.number
    return sign * (va - vb) || a.number - b.number
  })
}

function formatParam(value: TrialRecord['params'][string]): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatNumber(value)
  if (value === null) return '—'
  return String(value)
}

const TrialRow = memo(function TrialRow({
  trial,
  objectiveNames,
  selected,
  best,
  onPreview,
}: {
  trial: TrialRecord
  objectiveNames: readonly string[]
  selected: boolean
  best: boolean
  onPreview: (number: number) => void
}) {
  const canPreview = trial.edges !== null
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if ((event.key === 'Enter' || event.key === ' ') && canPreview) {
      event.preventDefault()
      onPreview(trial.number)
    }
  }
  const params = Object.entries(trial.params)
  return (
    <tr
      className={`${selected ? 'selected ' : ''}${canPreview ? 'clickable' : ''}`}
      aria-selected={selected}
      tabIndex={canPreview ? 0 : -1}
      onClick={canPreview ? () => onPreview(trial.number) : undefined}
      onKeyDown={onKeyDown}
      data-testid="trial-row"
      data-trial={trial.number}
      title={trial.failReason ?? (canPreview ? 'Show this binning in the preview' : undefined)}
    >
      <th scope="row" className="num">
        {trial.number}
        {best && <span className="badge">best</span>}
      </th>
      {objectiveNames.map((name, i) => {
        const value = objectiveValue(trial, i)
        return (
          <td key={name} className="num">
            {value === null ? '—' : formatObjective(name, value)}
          </td>
        )
      })}
      <td className="num">{totalBins(trial.edges) ?? '—'}</td>
      <td className="trial-params" title={params.map(([name, value]) => `${name}=${formatParam(value)}`).join(' · ')}>
        {params.length === 0
          ? '—'
          : params.map(([name, value]) => (
              <span key={name} className="trial-param">
                {name}={formatParam(value)}
              </span>
            ))}
      </td>
      <td>{trial.state === 'COMPLETE' ? (trial.feasible ? <span className="ok">✓</span> : <span className="bad">✗</span>) : ''}</td>
      <td>
        <span className={`trial-state trial-state-${trial.state.toLowerCase()}`}>{trial.state.toLowerCase()}</span>
      </td>
    </tr>
  )
})

function SortHeader({
  label,
  sortKey,
  current,
  descending,
  onSort,
  numeric = false,
}: {
  label: string
  sortKey: TrialSortKey
  current: TrialSortKey
  descending: boolean
  onSort: (key: TrialSortKey) => void
  numeric?: boolean
}) {
  const active = current === sortKey
  return (
    <th scope="col" className={numeric ? 'num' : undefined} aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(sortKey)}>
        {label}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  )
}

/** Rows drawn beyond the visible ones, above and below, so that scrolling shows no gap. */
const OVERSCAN = 8
/** Height of one row in pixels (rows do not wrap: see `.trials-table tbody tr`). */
export const ROW_HEIGHT = 29
/** The scroll box's height (`.trials-scroll`): fixed, so that no render has to ask the layout for it. */
const VIEWPORT_HEIGHT = 440

/** The rows of a scrolled list of `total` rows worth drawing: [first, end). */
export function visibleRange(scrollTop: number, viewportHeight: number, total: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN)
  const end = Math.min(total, Math.ceil((scrollTop + viewportHeight) / ROW_HEIGHT) + OVERSCAN)
  return [first, Math.max(first, end)]
}

const STATE_FILTERS: { value: TrialStateFilter; label: string }[] = [
  { value: 'all', label: 'All trials' },
  { value: 'feasible', label: 'Feasible' },
  { value: 'infeasible', label: 'Infeasible' },
  { value: 'failed', label: 'Failed or pruned' },
]

/**
 * The trials, sorted, filtered by state and by conditions on their columns; only the rows in view
 * are drawn (a study has thousands). A click, Enter or Space shows a trial's edges.
 */
export function TrialsTable({ setup }: { setup: StudySetup }) {
  const trials = useThrottledStudio(selectTrials, TABLE_INTERVAL_MS)
  const selectedTrial = useStudio((s) => s.selectedTrial)
  const bestNumber = useStudio((s) => s.bestTrial?.number ?? null)
  const previewTrial = useStudio((s) => s.previewTrial)
  const [sortKey, setSortKey] = useState<TrialSortKey>('value')
  const [descending, setDescending] = useState(false)
  const [stateFilter, setStateFilter] = useState<TrialStateFilter>('all')
  const [filterText, setFilterText] = useState('')
  const [scrollTop, setScrollTop] = useState(0)
  const filterId = useId()
  const stateId = useId()
  const direction = setup.directions[0] ?? 'maximize'

  const columns = useMemo(() => [...setup.objectiveNames, 'bins', ...setup.space.map((p) => p.name)], [setup])
  const parsed = useMemo(() => parseTrialFilter(filterText, columns), [filterText, columns])
  const conditions = parsed.ok ? parsed.conditions : NO_CONDITIONS
  const shown = useMemo(
    () => filterTrials(trials, stateFilter, conditions, setup.objectiveNames),
    [trials, stateFilter, conditions, setup.objectiveNames],
  )
  const sorted = useMemo(() => sortTrials(shown, sortKey, descending, direction), [shown, sortKey, descending, direction])
  const [first, end] = visibleRange(scrollTop, VIEWPORT_HEIGHT, sorted.length)
  const rows = sorted.slice(first, end)

  const onSort = (key: TrialSortKey) => {
    if (key === sortKey) setDescending((d) => !d)
    else {
      setSortKey(key)
      setDescending(key === 'number')
    }
  }
  const nColumns = setup.objectiveNames.length + 5
  const filtered = shown.length !== trials.length

  return (
    <section className="panel trials-panel" aria-labelledby="trials-title">
      <div className="panel-header">
        <h2 id="trials-title" className="panel-title">
          Trials
        </h2>
        <span className="muted" data-testid="trials-shown">
          {filtered ? `${shown.length} of ${trials.length}` : `${trials.length}`}
        </span>
      </div>
      <div className="trials-filter">
        <label htmlFor={stateId} className="visually-hidden">
          Trials to show
        </label>
        <select id={stateId} value={stateFilter} onChange={(e) => setStateFilter(e.currentTarget.value as TrialStateFilter)} data-testid="trials-state-filter">
          {STATE_FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <label htmlFor={filterId} className="visually-hidden">
          Filter trials by their columns
        </label>
        <input
          id={filterId}
          type="search"
          className={`trials-filter-input${parsed.ok ? '' : ' invalid'}`}
          placeholder={`Filter, e.g. ${setup.space[0]?.name ?? 'bins'} <= 10, ${setup.objectiveNames[0] ?? 'z0'} > 2`}
          value={filterText}
          aria-invalid={!parsed.ok}
          aria-describedby={parsed.ok ? undefined : `${filterId}-error`}
          spellCheck={false}
          onChange={(e) => setFilterText(e.currentTarget.value)}
          data-testid="trials-filter"
        />
      </div>
      {!parsed.ok && (
        <p className="field-error" id={`${filterId}-error`} role="alert">
          {parsed.message}
        </p>
      )}
      {trials.length === 0 ? (
        <p className="chart-note">No trials yet.</p>
      ) : shown.length === 0 ? (
        <p className="chart-note" data-testid="trials-none">
          No trial matches the filter.
        </p>
      ) : (
        <div
          className="trials-scroll"
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          data-testid="trials-scroll"
        >
          <table className="data-table trials-table" data-testid="trials-table" aria-rowcount={sorted.length + 1}>
            <colgroup>
              <col className="col-number" />
              {setup.objectiveNames.map((name) => (
                <col key={name} className="col-value" />
              ))}
              <col className="col-bins" />
              <col />
              <col className="col-feasible" />
              <col className="col-state" />
            </colgroup>
            <thead>
              <tr>
                <SortHeader label="#" sortKey="number" current={sortKey} descending={descending} onSort={onSort} numeric />
                {setup.objectiveNames.map((name, i) =>
                  i === 0 ? (
                    <SortHeader key={name} label={objectiveLabel(name)} sortKey="value" current={sortKey} descending={descending} onSort={onSort} numeric />
                  ) : (
                    <th key={name} scope="col" className="num">
                      {objectiveLabel(name)}
                    </th>
                  ),
                )}
                <SortHeader label="Bins" sortKey="bins" current={sortKey} descending={descending} onSort={onSort} numeric />
                <th scope="col">Parameters</th>
                <SortHeader label="Feasible" sortKey="feasible" current={sortKey} descending={descending} onSort={onSort} />
                <SortHeader label="State" sortKey="state" current={sortKey} descending={descending} onSort={onSort} />
              </tr>
            </thead>
            <tbody>
              {first > 0 && (
                <tr className="trials-spacer" aria-hidden="true" style={{ height: first * ROW_HEIGHT }}>
                  <td colSpan={nColumns} />
                </tr>
              )}
              {rows.map((trial) => (
                <TrialRow
                  key={trial.number}
                  trial={trial}
                  objectiveNames={setup.objectiveNames}
                  selected={trial.number === selectedTrial}
                  best={trial.number === bestNumber}
                  onPreview={previewTrial}
                />
              ))}
              {end < sorted.length && (
                <tr className="trials-spacer" aria-hidden="true" style={{ height: (sorted.length - end) * ROW_HEIGHT }}>
                  <td colSpan={nColumns} />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

const NO_CONDITIONS: TrialCondition[] = []
