import { useId } from 'react'
import type { StudyProgress, StudySetup } from '../../../../preload/api'
import { useStudio } from '../../store/context'
import { SAMPLERS, type Sampler } from '../../store/study'
import { PauseIcon, PlayIcon, StopIcon } from '../icons'
import { formatScore, objectiveLabel } from './labels'

const SAMPLER_LABELS: Record<Sampler, string> = {
  tpe: 'TPE',
  random: 'Random',
  qmc: 'Quasi-Monte Carlo',
  nsga2: 'NSGA-II',
  motpe: 'MOTPE',
  grid: 'Grid',
}

const STATE_LABELS: Record<StudyProgress['state'], string> = {
  idle: 'Idle',
  running: 'Running',
  paused: 'Paused',
  finished: 'Finished',
  cancelled: 'Cancelled',
  failed: 'Failed',
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

function NumberField({
  label,
  value,
  min,
  max,
  placeholder,
  disabled,
  onChange,
  testId,
}: {
  label: string
  value: number | null
  min: number
  max?: number
  placeholder?: string
  disabled: boolean
  onChange: (value: number | null) => void
  testId: string
}) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={value ?? ''}
        placeholder={placeholder}
        disabled={disabled}
        data-testid={testId}
        onChange={(event) => {
          const text = event.currentTarget.value
          if (text === '') return onChange(null)
          const parsed = Math.round(Number(text))
          if (Number.isFinite(parsed)) onChange(Math.max(min, max === undefined ? parsed : Math.min(parsed, max)))
        }}
      />
    </div>
  )
}

function ProgressSummary({
  progress,
  objective,
  stored,
  best,
}: {
  progress: StudyProgress
  objective: string
  stored: boolean
  /** The best of every trial shown (a resumed study's earlier ones too), else the run's own. */
  best: { value: number; number: number | null } | null
}) {
  const fraction = progress.nTrials > 0 ? Math.min(progress.finished / progress.nTrials, 1) : 0
  const remaining = progress.nTrials - progress.finished
  const timeLeft =
    progress.state === 'running' && progress.trialsPerSecond > 0 ? formatDuration(remaining / progress.trialsPerSecond) : null
  return (
    <div className="study-progress" data-testid="study-progress" data-state={progress.state}>
      <div className="study-progress-head">
        <span className={`study-state study-state-${progress.state}`} data-testid="study-state">
          {progress.state === 'idle' && stored ? 'Stored' : STATE_LABELS[progress.state]}
        </span>
        <span className="study-count" data-testid="study-count">
          {progress.finished} / {progress.nTrials} trials
        </span>
      </div>
      <div
        className="meter"
        role="progressbar"
        aria-label="Trials finished"
        aria-valuemin={0}
        aria-valuemax={progress.nTrials}
        aria-valuenow={progress.finished}
      >
        <div className="meter-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
      <div className="study-rates">
        <span data-testid="trials-per-second">{progress.trialsPerSecond.toFixed(1)} trials/s</span>
        {timeLeft && <span data-testid="time-left">{timeLeft} left</span>}
        <span>
          {progress.nComplete} complete · {progress.nInfeasible} infeasible · {progress.nFail} failed
        </span>
      </div>
      {best !== null && (
        <p className="study-best" data-testid="study-best">
          Best {objectiveLabel(objective)} <strong>{formatScore(best.value)}</strong>
          {best.number !== null && <span className="muted"> · trial #{best.number}</span>}
        </p>
      )}
      {progress.error && (
        <p className="evaluation-error" role="alert">
          {progress.error.message}
        </p>
      )}
    </div>
  )
}

/** Run the study: its options, the start/pause/resume/cancel controls and live progress. */
export function StudyPanel({ setup }: { setup: StudySetup }) {
  const options = useStudio((s) => s.studyOptions)
  const setStudyOptions = useStudio((s) => s.setStudyOptions)
  const progress = useStudio((s) => s.progress)
  const pending = useStudio((s) => s.studyRequestPending)
  const bestTrial = useStudio((s) => s.bestTrial)
  const startStudy = useStudio((s) => s.startStudy)
  const pauseStudy = useStudio((s) => s.pauseStudy)
  const resumeStudy = useStudio((s) => s.resumeStudy)
  const cancelStudy = useStudio((s) => s.cancelStudy)
  const applyBestTrial = useStudio((s) => s.applyBestTrial)
  const continueStudy = useStudio((s) => s.continueStudy)
  const storedStudy = useStudio((s) => s.storedStudy)
  const samplerId = useId()

  const state = progress?.state ?? 'idle'
  const active = state === 'running' || state === 'paused'
  const objective = setup.objectiveNames[0] ?? 'z0'

  return (
    <section className="panel study-panel" aria-labelledby="study-panel-title" data-testid="study-panel">
      <h2 id="study-panel-title" className="panel-title">
        Optimise
      </h2>
      <div className="study-fields">
        <NumberField
          label="Trials"
          value={options.trials}
          min={1}
          max={100_000}
          disabled={active}
          testId="study-trials"
          onChange={(v) => v !== null && setStudyOptions({ trials: v })}
        />
        <NumberField
          label="Seed"
          value={options.seed}
          min={0}
          placeholder="random"
          disabled={active}
          testId="study-seed"
          onChange={(v) => setStudyOptions({ seed: v })}
        />
        <NumberField
          label="Parallel evaluations"
          value={options.workers}
          min={1}
          max={64}
          disabled={active}
          testId="study-workers"
          onChange={(v) => v !== null && setStudyOptions({ workers: v })}
        />
        <div className="field">
          <label htmlFor={samplerId}>Sampler</label>
          <select
            id={samplerId}
            value={options.sampler}
            disabled={active}
            data-testid="study-sampler"
            onChange={(e) => setStudyOptions({ sampler: e.currentTarget.value as Sampler })}
          >
            {SAMPLERS.map((s) => (
              <option key={s} value={s}>
                {SAMPLER_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="study-buttons">
        {!active && (
          <button
            type="button"
            className="button button-primary"
            disabled={pending}
            onClick={() => void startStudy()}
            data-testid="study-start"
          >
            <PlayIcon />
            {state === 'idle' && !storedStudy ? 'Start' : 'Start new'}
          </button>
        )}
        {!active && storedStudy && (
          <button
            type="button"
            className="button button-ghost"
            disabled={pending}
            onClick={() => void continueStudy()}
            data-testid="study-continue"
            title={`Add ${options.trials} trials to study ${storedStudy.studyName}, kept in ${storedStudy.storage.replace(/^sqlite:\/\/\//, '')}`}
          >
            <PlayIcon />
            Continue (+{options.trials})
          </button>
        )}
        {state === 'running' && (
          <button type="button" className="button button-ghost" disabled={pending} onClick={() => void pauseStudy()} data-testid="study-pause">
            <PauseIcon />
            Pause
          </button>
        )}
        {state === 'paused' && (
          <button type="button" className="button button-primary" disabled={pending} onClick={() => void resumeStudy()} data-testid="study-resume">
            <PlayIcon />
            Resume
          </button>
        )}
        {active && (
          <button type="button" className="button button-ghost button-danger" disabled={pending} onClick={() => void cancelStudy()} data-testid="study-cancel">
            <StopIcon />
            Cancel
          </button>
        )}
        <button
          type="button"
          className="button button-ghost"
          disabled={bestTrial === null || bestTrial.edges === null}
          onClick={applyBestTrial}
          data-testid="apply-best"
          title={bestTrial ? `Show the edges of trial #${bestTrial.number} in the preview` : 'No feasible trial yet'}
        >
          Apply best
        </button>
      </div>
      {progress && (
        <ProgressSummary
          progress={progress}
          objective={objective}
          stored={storedStudy !== null}
          best={
            bestTrial?.values?.[0] !== undefined
              ? { value: bestTrial.values[0], number: bestTrial.number }
              : progress.bestValue !== null
                ? { value: progress.bestValue, number: progress.bestTrial }
                : null
          }
        />
      )}
      {storedStudy && (
        <p className="chart-note" data-testid="study-storage">
          Kept as <code>{storedStudy.studyName}</code> in <code>{storedStudy.storage.replace(/^sqlite:\/\/\//, '')}</code>
        </p>
      )}
    </section>
  )
}
