import { useState } from 'react'
import type { StudySetup } from '../../../../preload/api'
import { downloadText, fileStem } from '../../download'
import { useStudio, useStudioStore } from '../../store/context'
import { trialsCsv } from '../../store/trials'
import { DownloadIcon } from '../icons'

/** The previewed binning as a pyhf workspace, and the trials as CSV. */
export function ExportPanel({ setup }: { setup: StudySetup }) {
  const store = useStudioStore()
  const exportWorkspace = useStudio((s) => s.exportWorkspace)
  const nTrials = useStudio((s) => s.trialLog.list.length)
  const [exporting, setExporting] = useState(false)
  const stem = fileStem(setup.name)

  return (
    <section className="panel" aria-labelledby="export-title">
      <h2 id="export-title" className="panel-title">
        Export
      </h2>
      <div className="export-buttons">
        <button
          type="button"
          className="button button-ghost"
          disabled={exporting}
          data-testid="export-workspace"
          onClick={async () => {
            setExporting(true)
            const text = await exportWorkspace()
            setExporting(false)
            if (text !== null) downloadText(text, `${stem}-workspace.json`, 'application/json')
          }}
        >
          <DownloadIcon />
          {exporting ? 'Building workspace…' : 'Workspace (pyhf JSON)'}
        </button>
        <button
          type="button"
          className="button button-ghost"
          disabled={nTrials === 0}
          data-testid="export-csv"
          onClick={() => {
            const { trialLog } = store.getState()
            downloadText(trialsCsv(trialLog.list, setup.objectiveNames), `${stem}-trials.csv`, 'text/csv')
          }}
        >
          <DownloadIcon />
          Trials (CSV)
        </button>
      </div>
      <p className="chart-note">The workspace is built at the previewed edges from all MC.</p>
    </section>
  )
}
