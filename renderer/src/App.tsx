import { useEffect } from 'react'
import { useDocumentTheme } from './hooks/useResolvedTheme'
import { useWindowFileDrop } from './hooks/useWindowFileDrop'
import { useStudio, useStudioStore } from './store/context'
import { DropOverlay } from './views/DropOverlay'
import { EmptyState } from './views/EmptyState'
import { ErrorPanel } from './views/ErrorPanel'
import { Header } from './views/Header'
import { LoadingState } from './views/LoadingState'
import { StatusBar } from './views/StatusBar'
import { WorkspaceView } from './views/workspace/WorkspaceView'

export function App() {
  const store = useStudioStore()
  useEffect(() => store.getState().start(), [store])
  useDocumentTheme()

  const summary = useStudio((s) => s.summary)
  const loading = useStudio((s) => s.loading)
  const error = useStudio((s) => s.error)
  const dismissError = useStudio((s) => s.dismissError)
  const loadWorkspaceFile = useStudio((s) => s.loadWorkspaceFile)
  const dragging = useWindowFileDrop((file) => void loadWorkspaceFile(file))

  return (
    <div className="app">
      <Header />
      <main className="app-main">
        {error && <ErrorPanel error={error} onDismiss={dismissError} />}
        {summary ? (
          <WorkspaceView summary={summary} />
        ) : loading ? (
          <LoadingState label={loading.label} />
        ) : (
          <EmptyState />
        )}
      </main>
      <StatusBar />
      {dragging && <DropOverlay />}
    </div>
  )
}
