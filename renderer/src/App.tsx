import { useEffect } from 'react'
import { useDocumentTheme } from './hooks/useResolvedTheme'
import { useViewShortcuts } from './hooks/useViewShortcuts'
import { useWindowFileDrop } from './hooks/useWindowFileDrop'
import { useStudio, useStudioStore } from './store/context'
import { BinningView } from './views/binning/BinningView'
import { DatabaseDialog } from './views/binning/DatabaseDialog'
import { DropOverlay } from './views/DropOverlay'
import { EmptyState } from './views/EmptyState'
import { ErrorPanel } from './views/ErrorPanel'
import { Header } from './views/Header'
import { HelpOverlay, useHelpShortcut } from './views/HelpOverlay'
import { LoadingState } from './views/LoadingState'
import { RootBrowser } from './views/root/RootBrowser'
import { StatusBar } from './views/StatusBar'
import { WorkspaceView } from './views/workspace/WorkspaceView'

function WorkspaceTab() {
  const summary = useStudio((s) => s.summary)
  const loading = useStudio((s) => s.loading)
  if (summary) return <WorkspaceView summary={summary} />
  if (loading) return <LoadingState label={loading.label} />
  return <EmptyState />
}

export function App() {
  const store = useStudioStore()
  useEffect(() => store.getState().start(), [store])
  useDocumentTheme()
  useViewShortcuts()
  useHelpShortcut()

  const view = useStudio((s) => s.view)
  const error = useStudio((s) => s.error)
  const dismissError = useStudio((s) => s.dismissError)
  const helpOpen = useStudio((s) => s.helpOpen)
  const database = useStudio((s) => s.database)
  const rootBrowser = useStudio((s) => s.rootBrowser)
  const loadDroppedFile = useStudio((s) => s.loadDroppedFile)
  const dragging = useWindowFileDrop((file) => void loadDroppedFile(file))

  return (
    <div className="app">
      <Header />
      <main
        className={`app-main app-main-${view}`}
        id="view-panel"
        role="tabpanel"
        aria-labelledby={`tab-${view}`}
      >
        {error && (
          <ErrorPanel error={error} onDismiss={dismissError} subject={view === 'binning' ? 'study' : 'workspace'} />
        )}
        {view === 'binning' ? <BinningView /> : <WorkspaceTab />}
      </main>
      <StatusBar />
      {dragging && <DropOverlay view={view} />}
      {database && <DatabaseDialog database={database} />}
      {rootBrowser && <RootBrowser browser={rootBrowser} />}
      {helpOpen && <HelpOverlay />}
    </div>
  )
}
