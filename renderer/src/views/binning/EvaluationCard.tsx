import type { BinningEvaluation, Direction } from '../../../../preload/api'
import { sameEdges } from '../../store/edges'
import { useStudio } from '../../store/context'
import type { PreviewSource } from '../../store/study'
import { formatDelta, formatObjective, formatScore, isImprovement, objectiveLabel } from './labels'

export function sourceLabel(source: PreviewSource): string {
  switch (source.kind) {
    case 'initial':
      return 'Initial binning'
    case 'edited':
      return 'Edited binning'
    case 'baseline':
      return `Baseline ${source.name}`
    case 'trial':
      return source.best ? `Best trial #${source.number}` : `Trial #${source.number}`
  }
}

function Delta({ value, previous, direction }: { value: number; previous: number | undefined; direction: Direction }) {
  if (previous === undefined || !Number.isFinite(previous) || !Number.isFinite(value)) return null
  const delta = value - previous
  if (delta === 0) {
    return (
      <span className="delta delta-none" data-testid="objective-delta">
        ±0
      </span>
    )
  }
  const better = isImprovement(delta, direction)
  return (
    <span
      className={`delta ${better ? 'delta-better' : 'delta-worse'}`}
      data-testid="objective-delta"
      aria-label={`${delta > 0 ? 'up' : 'down'} ${formatDelta(delta)} from the previous binning`}
    >
      {delta > 0 ? '▲' : '▼'} {formatDelta(delta)}
    </span>
  )
}

function Objective({
  name,
  index,
  evaluation,
  previous,
  direction,
  primary,
}: {
  name: string
  index: number
  evaluation: BinningEvaluation
  previous: BinningEvaluation | null
  direction: Direction
  primary: boolean
}) {
  const value = evaluation.values[index] ?? Number.NaN
  return (
    <div className={primary ? 'objective objective-primary' : 'objective'}>
      <span className="objective-name">{objectiveLabel(name)}</span>
      <span
        className="objective-value"
        data-testid={primary ? 'objective-value' : `objective-value-${name}`}
        data-value={String(value)}
      >
        {formatObjective(name, value)}
      </span>
      <Delta value={value} previous={previous?.values[index]} direction={direction} />
    </div>
  )
}

/** Shown elsewhere (the objectives, the bin count, the scoring time) or only worth showing when it failed. */
const HIDDEN_METRICS = new Set(['eval_ms', 'n_bins'])
const METRIC_ORDER = ['z0', 'p0', 'expected_limit', 'mu_hat', 'z_mcstat', 'min_background', 'min_width']

function orderedMetrics(metrics: Record<string, number>, objectiveNames: readonly string[]): [string, number][] {
  const rank = (name: string) => {
    const at = METRIC_ORDER.indexOf(name)
    return at === -1 ? METRIC_ORDER.length : at
  }
  return Object.entries(metrics)
    .filter(([name, value]) => {
      if (objectiveNames.includes(name) || HIDDEN_METRICS.has(name)) return false
      return name !== 'fit_converged' || value !== 1
    })
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
}

function formatMetric(name: string, value: number): string {
  if (name === 'fit_converged') return value === 1 ? 'yes' : 'no'
  return formatScore(value)
}

/** Optuna's convention: a constraint value ≤ 0 is satisfied. */
function constraintTitle(evaluation: BinningEvaluation): string {
  return evaluation.constraints
    .map((c) => `${c.name}: ${formatScore(c.value)} ${c.value <= 0 ? '(satisfied)' : '(violated)'}`)
    .join('\n')
}

/** The preview's score: objectives with their change from the previous binning, metrics, feasibility. */
export function EvaluationCard() {
  const setup = useStudio((s) => s.setup)
  const evaluation = useStudio((s) => s.evaluation)
  const previous = useStudio((s) => s.previousEvaluation)
  const error = useStudio((s) => s.evaluationError)
  const previewEdges = useStudio((s) => s.previewEdges)
  const source = useStudio((s) => s.previewSource)
  if (!setup) return null

  const stale = evaluation !== null && !sameEdges(evaluation.edges, previewEdges)
  const objectiveNames = evaluation?.objectiveNames ?? setup.objectiveNames
  const metrics = orderedMetrics(evaluation?.metrics ?? {}, objectiveNames)
  const violated = evaluation
    ? [...new Set(Object.values(evaluation.bins).flatMap((bins) => bins.flatMap((b) => b.violations)))]
    : []

  return (
    <section
      className={`panel evaluation${stale ? ' is-stale' : ''}`}
      aria-label="Score of the previewed binning"
      aria-busy={stale}
      data-testid="evaluation"
    >
      <div className="evaluation-source">
        <span data-testid="preview-source">{sourceLabel(source)}</span>
        {evaluation && <span className="evaluation-time">scored in {evaluation.elapsedMs.toFixed(0)} ms</span>}
      </div>
      {error && (
        <p className="evaluation-error" role="alert" data-testid="evaluation-error">
          {error.message}
        </p>
      )}
      {evaluation ? (
        <div className="evaluation-body">
          <div className="objectives" aria-live="polite">
            {objectiveNames.map((name, i) => (
              <Objective
                key={name}
                name={name}
                index={i}
                evaluation={evaluation}
                previous={previous}
                direction={setup.directions[i] ?? 'maximize'}
                primary={i === 0}
              />
            ))}
          </div>
          <dl className="metrics" data-testid="metrics">
            <div className={`metric feasibility ${evaluation.feasible ? 'is-feasible' : 'is-infeasible'}`}>
              <dt>Constraints</dt>
              <dd data-testid="feasibility" title={constraintTitle(evaluation)}>
                {evaluation.feasible ? 'Feasible' : `Infeasible${violated.length ? `: ${violated.join(', ')}` : ''}`}
              </dd>
            </div>
            {evaluation.heldoutValue !== undefined && (
              <div className="metric">
                <dt>Held-out {objectiveLabel(objectiveNames[0] ?? '')}</dt>
                <dd data-testid="heldout-value">{formatScore(evaluation.heldoutValue)}</dd>
              </div>
            )}
            {metrics.map(([name, value]) => (
              <div className="metric" key={name}>
                <dt>{objectiveLabel(name)}</dt>
                <dd data-testid={`metric-${name}`}>{formatMetric(name, value)}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : (
        !error && <p className="evaluation-pending">Scoring the binning…</p>
      )}
    </section>
  )
}
