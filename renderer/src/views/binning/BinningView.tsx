import { useStudio } from '../../store/context'
import { LoadingState } from '../LoadingState'
import { BaselinesPanel } from './BaselinesPanel'
import { BinningEmptyState } from './BinningEmptyState'
import { BinningPreview } from './BinningPreview'
import { EvaluationCard } from './EvaluationCard'
import { ExportPanel } from './ExportPanel'
import { HistoryChart } from './HistoryChart'
import { ParetoChart } from './ParetoChart'
import { SliceChart } from './SliceChart'
import { StudyFacts } from './StudyFacts'
import { StudyPanel } from './StudyPanel'
import { TrialsTable } from './TrialsTable'

export function BinningView() {
  const setup = useStudio((s) => s.setup)
  const setupLoading = useStudio((s) => s.setupLoading)
  if (!setup) return setupLoading ? <LoadingState label={setupLoading.label} /> : <BinningEmptyState />

  return (
    <div className="binning" data-testid="binning-view">
      <StudyFacts setup={setup} />
      <div className="binning-grid">
        <div className="binning-main">
          <EvaluationCard />
          <BinningPreview setup={setup} />
          <HistoryChart setup={setup} />
          {setup.space.length > 0 && <SliceChart setup={setup} />}
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
