import { useEffect } from 'react'
import type { StudySetup } from '../../../../preload/api'
import { importanceOption } from '../../charts/dashboardOptions'
import { useEChart } from '../../charts/useEChart'
import { fileStem } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useStudio } from '../../store/context'
import { ChartExportButtons } from './ChartExportButtons'
import { objectiveLabel } from './labels'

/** PED-ANOVA importances, computed by the backend and refreshed a few times a minute while the study runs. */
export function ImportanceChart({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const importances = useStudio((s) => s.importances)
  const error = useStudio((s) => s.importancesError)
  const chart = useEChart()
  const rows = importances?.importances ?? []
  const objective = objectiveLabel(setup.objectiveNames[0] ?? 'z0')

  const { draw } = chart
  useEffect(() => {
    if (!chart.ready || !chart.visible || rows.length === 0) return
    draw('importance', (instance) => instance.setOption(importanceOption(rows, theme), { notMerge: true }))
  }, [chart.ready, chart.visible, draw, rows, theme])

  const top = rows[0]
  return (
    <section className="panel" aria-labelledby="importance-title">
      <div className="panel-header">
        <h2 id="importance-title" className="panel-title">
          Parameter importance
        </h2>
        <div className="panel-tools">
          <span className="muted nowrap" data-testid="importance-count" title="PED-ANOVA (Watanabe et al. 2023), as Optuna computes it">
            {importances && importances.nTrials > 0 ? `${importances.nTrials} trials` : 'PED-ANOVA'}
          </span>
          <ChartExportButtons chartRef={chart.chartRef} stem={`${fileStem(setup.name)}-importance`} label="the parameter importances" />
        </div>
      </div>
      <div
        ref={chart.containerRef}
        className={`importance-chart${rows.length === 0 ? ' chart-empty' : ''}`}
        data-testid="importance-chart"
        data-params={rows.map((r) => r.name).join(',')}
        role="img"
        aria-label={
          top
            ? `Importance of each parameter for ${objective}; ${top.name} matters most (${(top.importance * 100).toFixed(0)} %)`
            : `Importance of each parameter for ${objective}`
        }
      />
      {error ? (
        <p className="chart-note chart-error" role="alert">
          Importances could not be computed: {error.message}
        </p>
      ) : (
        rows.length === 0 && <p className="chart-note">Importances appear once a few trials have finished.</p>
      )}
    </section>
  )
}
