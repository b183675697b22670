import { useEffect, useId, useMemo, useRef, useState } from 'react'
import type { StudySetup, TrialRecord } from '../../../../preload/api'
import { contourGrid, contourOption } from '../../charts/dashboardOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useRedrawInterval } from '../../hooks/useRedrawInterval'
import { useThrottledStudio } from '../../hooks/useThrottledStudio'
import { useStudio } from '../../store/context'
import { ChartExportButtons } from './ChartExportButtons'
import { objectiveLabel } from './labels'

const CONTOUR_INTERVAL_MS = 1000

const selectTrials = (s: { trialLog: { list: TrialRecord[] } }) => s.trialLog.list

/** The objective over two chosen parameters: best value per cell, every trial as a point. */
export function ContourChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const [interval, timed] = useRedrawInterval(CONTOUR_INTERVAL_MS)
  const trials = useThrottledStudio(selectTrials, interval)
  const importances = useStudio((s) => s.importances)
  const chart = useEChart()
  const xId = useId()
  const yId = useId()
  // Until the user chooses, the two most important parameters (the first two of the space before that).
  const ranked = importances?.importances.map((i) => i.name) ?? []
  const names = [...ranked.filter((n) => setup.space.some((p) => p.name === n)), ...setup.space.map((p) => p.name).filter((n) => !ranked.includes(n))]
  const [chosen, setChosen] = useState<{ x: string; y: string } | null>(null)
  const xName = chosen?.x ?? names[0]
  const yName = chosen?.y ?? names.find((n) => n !== xName)
  const xSpec = setup.space.find((p) => p.name === xName)
  const ySpec = setup.space.find((p) => p.name === yName)
  const direction = setup.directions[0] ?? 'maximize'
  const objective = objectiveLabel(setup.objectiveNames[0] ?? 'z0')

  const grid = useMemo(
    () => (xSpec && ySpec ? contourGrid(trials, xSpec, ySpec, direction) : null),
    [trials, xSpec, ySpec, direction],
  )
  const { drawGrowing } = chart
  /** The chart has been drawn whole at least once (its first redraw is staged, see contourOption). */
  const drawnWhole = useRef(false)
  useEffect(() => {
    if (!chart.ready) drawnWhole.current = false
  }, [chart.ready])
  useEffect(() => {
    if (!chart.ready || !chart.visible || !grid || !xSpec || !ySpec) return
    drawGrowing('contour', trials.length, (instance, count) => {
      const shown = count < trials.length ? contourGrid(trials.slice(0, count), xSpec, ySpec, direction) : grid
      const whole = drawnWhole.current
      drawnWhole.current = true
      timed(() => instance.setOption(contourOption(shown, xSpec, ySpec, objective, theme, whole), { notMerge: true }))
      return whole
    })
  }, [chart.ready, chart.visible, drawGrowing, trials, grid, xSpec, ySpec, direction, objective, theme, timed])

  if (!xSpec || !ySpec) return null
  const choose = (axis: 'x' | 'y', name: string) => {
    const next = { x: xSpec.name, y: ySpec.name, [axis]: name }
    // Choosing the other axis's parameter swaps the two.
    if (next.x === next.y) next[axis === 'x' ? 'y' : 'x'] = axis === 'x' ? xSpec.name : ySpec.name
    setChosen(next)
  }
  return (
    <section className="panel" aria-labelledby="contour-title">
      <div className="panel-header">
        <h2 id="contour-title" className="panel-title">
          Contour
        </h2>
        <div className="panel-tools">
          <div className="channel-selector">
            <label htmlFor={xId}>x</label>
            <select id={xId} value={xSpec.name} onChange={(e) => choose('x', e.currentTarget.value)} data-testid="contour-x">
              {setup.space.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
            <label htmlFor={yId}>y</label>
            <select id={yId} value={ySpec.name} onChange={(e) => choose('y', e.currentTarget.value)} data-testid="contour-y">
              {setup.space.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-contour-${xSpec.name}-${ySpec.name}`} label="the contour plot" />
        </div>
      </div>
      <div
        ref={chart.containerRef}
        className="contour-chart"
        data-testid="contour-chart"
        data-points={grid?.points.length ?? 0}
        data-cells={grid?.cells.length ?? 0}
        role="img"
        aria-label={`Best ${objective} over ${xSpec.name} and ${ySpec.name}, with each feasible trial as a point`}
      />
      {(grid?.points.length ?? 0) === 0 && <p className="chart-note">Feasible trials fill this map as the study runs.</p>}
    </section>
  )
}
