import { useStudio } from '../../store/context'
import { LoadingState } from '../LoadingState'
import { BaselinesPanel } from './BaselinesPanel'
import { BinningEmptyState } from './BinningEmptyState'
import { BinningPreview } from './BinningPreview'
import { EvaluationCard } from './EvaluationCard'
import { ContourChart } from './ContourChart'
import { ExportPanel } from './ExportPanel'
import { HistoryChart } from './HistoryChart'
import { ImportanceChart } from './ImportanceChart'
import { ParallelChart } from './ParallelChart'
import { ParetoChart } from './ParetoChart'
import { SliceChart } from './SliceChart'
import { StudyFacts } from './StudyFacts'
import { StudyPanel } from './StudyPanel'
import { TrialsTable } from './TrialsTable'

export function BinningView() {
  const setup = useStudio((s) => s.setup)
  const setupLoading = useStudio((s) => s.setupLoading)
  const databaseLoading = useStudio((s) => s.databaseLoading)
  if (!setup) {
    const loading = setupLoading ?? databaseLoading
    return loading ? <LoadingState label={loading.label} /> : <BinningEmptyState />
  }

  return (
    <div className="binning" data-testid="binning-view">
      <StudyFacts setup={setup} />
      <div className="binning-grid">
        <div className="binning-main">
          <EvaluationCard />
          <BinningPreview setup={setup} />
          <HistoryChart setup={setup} />
          {setup.space.length > 0 && (
            <div className="dashboard-pair">
              <ImportanceChart setup={setup} />
              {setup.space.length >= 2 ? <ContourChart setup={setup} /> : <SliceChart setup={setup} />}
            </div>
          )}
          {setup.space.length >= 2 && <SliceChart setup={setup} />}
          {setup.space.length >= 2 && <ParallelChart setup={setup} />}
          {setup.objectiveNames.length === 2 && <ParetoChart setup={setup} />}
          <TrialsTable setup={setup} />
        </div>
        <aside className="binning-side" aria-label="Study">
          <StudyPanel setup={setup} />
          <BaselinesPanel setup={setup} />
          <ExportPanel setup={setup} />
        </aside>
      </div>
    </div>
  )
}
