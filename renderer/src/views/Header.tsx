import { baseName } from '../format'
import { useStudio } from '../store/context'
import { FileIcon, HistuneMark } from './icons'
import { OpenWorkspaceButton } from './OpenWorkspaceButton'
import { ThemeToggle } from './ThemeToggle'

export function Header() {
  const file = useStudio((s) => s.summary?.file)
  const hasWorkspace = useStudio((s) => s.summary !== null)
  const loading = useStudio((s) => s.loading)

  return (
    <header className="app-header">
      <div className="brand">
        <HistuneMark />
        <span className="brand-name">Histune</span>
      </div>
      {file !== undefined && (
        <div className="open-file" title={file}>
          <FileIcon />
          <span data-testid="open-file-name">{baseName(file)}</span>
        </div>
      )}
      <div className="header-actions">
        {hasWorkspace && <OpenWorkspaceButton label="Open…" variant="ghost" />}
        <ThemeToggle />
      </div>
      {loading !== null && hasWorkspace && (
        <div className="progress-bar" role="progressbar" aria-label="Loading workspace" />
      )}
    </header>
  )
}
