import { useEffect, useMemo, useRef } from 'react'
import type { StudySetup, TrialRecord } from '../../../../preload/api'
import { historyOption, historyPoints } from '../../charts/studyOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useRedrawInterval } from '../../hooks/useRedrawInterval'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { useStudio } from '../../store/context'
import { ChartExportButtons } from './ChartExportButtons'
import { objectiveLabel } from './labels'

/** Redraws at most ten times a second however fast trials stream in. */
export const CHART_INTERVAL_MS = 100

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

/** Optimisation history: each trial's value, the best so far, and the baselines as dashed lines. */
export function HistoryChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  // Backs off when a redraw is slow (a busy machine): the chart may lag, the page must not.
  const [interval, timed] = useRedrawInterval(CHART_INTERVAL_MS)
  const trials = useThrottledStudio(selectTrials, interval)
  const baselines = useStudio((s) => s.baselines)
  const chart = useEChart()
  const objective = setup.objectiveNames[0] ?? 'z0'
  const direction = setup.directions[0] ?? 'maximize'
  const nPoints = useMemo(() => historyPoints(trials).length, [trials])

  // A new theme or objective rebuilds the chart; streamed trials merge into it (series by id),
  // which lets echarts keep its components instead of recreating them ten times a second.
  const styleKey = `${theme}|${objective}|${direction}`
  const drawnStyle = useRef<string | null>(null)
  const { drawGrowing } = chart
  useEffect(() => {
    if (!chart.ready || !chart.visible) return
    drawGrowing('history', trials.length, (instance, count) => {
      const rebuild = drawnStyle.current !== styleKey
      drawnStyle.current = styleKey
      const shown = count < trials.length ? trials.slice(0, count) : trials
      // A new chart's first redraw leaves out the baselines' labelled lines, then draws them in the
      // next frame: each of the two runs code not compiled yet, together one long task.
      const staged = rebuild && baselines !== null
      timed(() => instance.setOption(historyOption(shown, objectiveLabel(objective), direction, staged ? null : baselines, theme), { notMerge: rebuild }))
      return !staged
    })
  }, [chart.ready, chart.visible, drawGrowing, trials, objective, direction, baselines, theme, styleKey, timed])
  useEffect(() => {
    if (!chart.ready) drawnStyle.current = null
  }, [chart.ready])

  return (
    <section className="panel" aria-labelledby="history-title">
      <div className="panel-header">
        <h2 id="history-title" className="panel-title">
          Optimisation history
        </h2>
        <div className="panel-tools">
          <span className="muted" data-testid="history-count">
            {nPoints} {nPoints === 1 ? 'trial' : 'trials'}
          </span>
          <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-history`} label="the optimisation history" />
        </div>
      </div>
      <div
        ref={chart.containerRef}
        className="history-chart"
        data-testid="history-chart"
        data-points={nPoints}
        role="img"
        aria-label={`${objectiveLabel(objective)} of ${nPoints} trials by trial number, with the best so far`}
      />
      {trials.length === 0 && <p className="chart-note">Start the study to see each trial’s {objectiveLabel(objective)} here.</p>}
    </section>
  )
}
