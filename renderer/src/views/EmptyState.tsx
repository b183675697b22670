import { useStudio } from '../store/context'
import { UploadIcon } from './icons'
import { OpenWorkspaceButton } from './OpenWorkspaceButton'
import { RecentFiles, RecentStudies } from './RecentFiles'
import { OpenRootFileButton } from './root/OpenRootFileButton'

export function EmptyState() {
  const host = useStudio((s) => s.host)
  return (
    <div className="empty-state">
      <section className="drop-zone" data-testid="drop-zone" aria-labelledby="drop-zone-title">
        <UploadIcon className="drop-zone-icon" width={36} height={36} strokeWidth={1.4} />
        <h1 id="drop-zone-title">
          Drop a pyhf workspace here
          <span className="drop-zone-alternative">
            {host === 'electron' ? ' — or File → Open…' : ' — or choose a file'}
          </span>
        </h1>
        <p className="drop-zone-hint">
          A HistFactory likelihood in pyhf JSON: channels, samples, modifiers, observations and
          measurements. A study config (YAML) or a study database (.db) opens the Binning view; a ROOT
          file (.root) opens the ROOT browser.
        </p>
        <div className="drop-zone-buttons">
          <OpenWorkspaceButton />
          <OpenRootFileButton />
        </div>
      </section>
      <RecentFiles />
      <RecentStudies />
    </div>
  )
}
