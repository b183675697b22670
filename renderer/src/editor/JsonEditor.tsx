import { EditorView } from '@codemirror/view'
import { useEffect, useRef } from 'react'
import type { WorkspaceEditorStore } from '../store/workspace-editor'
import { jsonViewExtensions } from './extensions'

/**
 * The CodeMirror view of the editor store's state. The view never keeps its own state: what it
 * dispatches goes to the store, and it replays the store's transactions (or takes a fresh state).
 */
export function JsonEditor({ store, label }: { store: WorkspaceEditorStore; label: string }) {
  const hostRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const host = hostRef.current
    if (!host) return
    store.getState().setViewExtensions(jsonViewExtensions(label))
    const view = new EditorView({
      state: store.getState().doc,
      parent: host,
      dispatchTransactions: (transactions) => store.getState().apply(transactions),
    })
    const unsubscribe = store.subscribe((state) => {
      if (state.doc === view.state) return
      const replay = state.lastTransactions
      if (replay.length > 0 && replay[0]!.startState === view.state) view.update(replay)
      else view.setState(state.doc)
    })
    return () => {
      unsubscribe()
      view.destroy()
    }
  }, [store, label])

  return <div ref={hostRef} className="json-editor" data-testid="json-editor" />
}
