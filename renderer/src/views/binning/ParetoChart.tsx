import { useEffect } from 'react'
import type { StudySetup, TrialRecord } from '../../../../preload/api'
import { paretoOption } from '../../charts/studyOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { ChartExportButtons } from './ChartExportButtons'
import { CHART_INTERVAL_MS } from './HistoryChart'
import { objectiveLabel } from './labels'

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

/** Two objectives (e.g. Z0 and the number of bins): the feasible trials and their Pareto front. */
export function ParetoChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const trials = useThrottledStudio(selectTrials, CHART_INTERVAL_MS)
  const chart = useEChart()
  const names: [string, string] = [objectiveLabel(setup.objectiveNames[0] ?? ''), objectiveLabel(setup.objectiveNames[1] ?? '')]
  const directions: [StudySetup['directions'][number], StudySetup['directions'][number]] = [
    setup.directions[0] ?? 'maximize',
    setup.directions[1] ?? 'minimize',
  ]

  const { drawGrowing } = chart
  useEffect(() => {
    if (!chart.ready || !chart.visible) return
    drawGrowing('pareto', trials.length, (instance, count) =>
      instance.setOption(paretoOption(count < trials.length ? trials.slice(0, count) : trials, names, directions, theme), { notMerge: true }),
    )
    // names and directions derive from the setup.
  }, [chart.ready, chart.visible, drawGrowing, trials, setup, theme])

  return (
    <section className="panel" aria-labelledby="pareto-title">
      <div className="panel-header">
        <h2 id="pareto-title" className="panel-title">
          Pareto front · {names[0]} vs {names[1]}
        </h2>
        <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-pareto`} label="the Pareto front" />
      </div>
      <div ref={chart.containerRef} className="history-chart" data-testid="pareto-chart" role="img" aria-label={`Pareto front of ${names[0]} and ${names[1]}`} />
    </section>
  )
}
