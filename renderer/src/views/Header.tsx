import { baseName } from '../format'
import { useStudio } from '../store/context'
import { FileIcon, HistuneMark } from './icons'
import { OpenStudyButton } from './binning/OpenStudyButton'
import { OpenWorkspaceButton } from './OpenWorkspaceButton'
import { ThemeToggle } from './ThemeToggle'
import { ViewTabs } from './ViewTabs'

function HelpButton() {
  const setHelpOpen = useStudio((s) => s.setHelpOpen)
  return (
    <button
      type="button"
      className="icon-button help-button"
      aria-label="Keyboard shortcuts"
      aria-keyshortcuts="Shift+Slash"
      title="Keyboard shortcuts (?)"
      data-testid="help-button"
      onClick={() => setHelpOpen(true)}
    >
      ?
    </button>
  )
}

export function Header() {
  const view = useStudio((s) => s.view)
  const workspaceFile = useStudio((s) => s.summary?.file)
  const studyFile = useStudio((s) => s.setup?.file ?? s.setup?.name)
  const hasWorkspace = useStudio((s) => s.summary !== null)
  const loading = useStudio((s) => s.loading)
  const setupLoading = useStudio((s) => s.setupLoading)
  const hasSetup = useStudio((s) => s.setup !== null)
  const file = view === 'binning' ? studyFile : workspaceFile
  const busy = view === 'binning' ? setupLoading !== null && hasSetup : loading !== null && hasWorkspace

  return (
    <header className="app-header">
      <div className="brand">
        <HistuneMark />
        <span className="brand-name">Histune</span>
      </div>
      <ViewTabs />
      {file !== undefined && (
        <div className="open-file" title={file}>
          <FileIcon />
          <span data-testid="open-file-name">{baseName(file)}</span>
        </div>
      )}
      <div className="header-actions">
        {view === 'workspace' && hasWorkspace && <OpenWorkspaceButton label="Open…" variant="ghost" />}
        {view === 'binning' && hasSetup && <OpenStudyButton label="Open…" variant="ghost" />}
        <ThemeToggle />
        <HelpButton />
      </div>
      {busy && (
        <div
          className="progress-bar"
          role="progressbar"
          aria-label={view === 'binning' ? 'Loading study config' : 'Loading workspace'}
        />
      )}
    </header>
  )
}
