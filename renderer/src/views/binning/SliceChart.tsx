import { useEffect, useId, useState } from 'react'
import type { StudySetup, TrialRecord } from '../../../../preload/api'
import { sliceOption } from '../../charts/studyOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useRedrawInterval } from '../../hooks/useRedrawInterval'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { ChartExportButtons } from './ChartExportButtons'
import { objectiveLabel } from './labels'

const SLICE_INTERVAL_MS = 250

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

/** Slice plot: how the objective depends on one search parameter at a time. */
export function SliceChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const [interval, timed] = useRedrawInterval(SLICE_INTERVAL_MS)
  const trials = useThrottledStudio(selectTrials, interval)
  const [chosen, setChosen] = useState<string | null>(null)
  const selectId = useId()
  const chart = useEChart()
  const param = setup.space.find((p) => p.name === chosen) ?? setup.space[0]
  const objective = objectiveLabel(setup.objectiveNames[0] ?? 'z0')

  const { drawGrowing } = chart
  useEffect(() => {
    if (!chart.ready || !chart.visible || !param) return
    drawGrowing('slice', trials.length, (instance, count) => {
      const shown = count < trials.length ? trials.slice(0, count) : trials
      timed(() => instance.setOption(sliceOption(shown, param.name, objective, param.log === true, theme), { notMerge: true }))
    })
  }, [chart.ready, chart.visible, drawGrowing, trials, param, objective, theme, timed])

  if (!param) return null
  return (
    <section className="panel" aria-labelledby="slice-title">
      <div className="panel-header">
        <h2 id="slice-title" className="panel-title">
          Slice plot
        </h2>
        <div className="panel-tools">
          <div className="channel-selector">
            <label htmlFor={selectId}>Parameter</label>
            <select id={selectId} value={param.name} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="slice-param">
              {setup.space.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-slice-${param.name}`} label="the slice plot" />
        </div>
      </div>
      <div
        ref={chart.containerRef}
        className="history-chart"
        data-testid="slice-chart"
        role="img"
        aria-label={`${objective} against ${param.name} for each trial`}
      />
    </section>
  )
}
