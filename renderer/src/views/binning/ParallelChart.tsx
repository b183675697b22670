import { useEffect } from 'react'
import type { StudySetup, TrialRecord } from '../../../../preload/api'
import { parallelOption } from '../../charts/dashboardOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useRedrawInterval } from '../../hooks/useRedrawInterval'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { ChartExportButtons } from './ChartExportButtons'
import { objectiveLabel } from './labels'

const PARALLEL_INTERVAL_MS = 1000

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

/** Parallel coordinates: each trial a line through its parameters to its value, coloured by the value. */
export function ParallelChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const [interval, timed] = useRedrawInterval(PARALLEL_INTERVAL_MS)
  const trials = useThrottledStudio(selectTrials, interval)
  const chart = useEChart()
  const objective = objectiveLabel(setup.objectiveNames[0] ?? 'z0')

  const { drawGrowing } = chart
  useEffect(() => {
    if (!chart.ready || !chart.visible) return
    drawGrowing('parallel', trials.length, (instance, count) => {
      const shown = count < trials.length ? trials.slice(0, count) : trials
      timed(() => instance.setOption(parallelOption(shown, setup.space, objective, theme), { notMerge: true }))
    })
  }, [chart.ready, chart.visible, drawGrowing, trials, setup.space, objective, theme, timed])

  return (
    <section className="panel" aria-labelledby="parallel-title">
      <div className="panel-header">
        <h2 id="parallel-title" className="panel-title">
          Parallel coordinates
        </h2>
        <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-parallel`} label="the parallel coordinates" />
      </div>
      <div
        ref={chart.containerRef}
        className="parallel-chart"
        data-testid="parallel-chart"
        role="img"
        aria-label={`Each trial's ${setup.space.map((p) => p.name).join(', ')} and ${objective}`}
      />
    </section>
  )
}
