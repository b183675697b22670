import { createContext, useContext, type ReactNode } from 'react'
import { useStore } from 'zustand'
import { getApi, getApiHost } from '../bridge'
import { downloadText } from '../download'
import { useStudioStore } from './context'
import type { StudioStore } from './studio'
import {
  createWorkspaceEditorStore,
  type EditorApi,
  type WorkspaceEditorActions,
  type WorkspaceEditorState,
  type WorkspaceEditorStore,
} from './workspace-editor'

export interface EditorConnection {
  /** Asks whether unsaved edits may be dropped (window.confirm by default). */
  confirm?: (message: string) => boolean
  /** Where to listen for the page being closed (the browser's beforeunload; Electron asks in main). */
  window?: Pick<Window, 'addEventListener' | 'removeEventListener'>
}

/**
 * Tie the editor to the studio: a valid edit updates the workspace summary every view shows; a
 * workspace opened elsewhere (drop, dialog, menu) replaces the text, after asking when there are
 * unsaved edits (declining keeps the draft and its summary); closing the page with unsaved edits asks.
 */
export function connectEditorToStudio(editor: WorkspaceEditorStore, studio: StudioStore, connection: EditorConnection = {}): () => void {
  const confirm = connection.confirm ?? ((message: string) => window.confirm(message))
  let pushed = studio.getState().summary

  const unsubscribeEditor = editor.subscribe((state, previous) => {
    const summary = state.publishedSummary
    if (summary === previous.publishedSummary || summary === null) return
    pushed = summary
    studio.setState({ summary })
  })

  const unsubscribeStudio = studio.subscribe((state, previous) => {
    if (state.summary === previous.summary || state.summary === null || state.summary === pushed) return
    pushed = state.summary
    const draft = editor.getState()
    if (draft.status === 'idle') return
    const question = `Discard the unsaved changes to ${draft.fileName} and open ${state.summary.file ?? 'the new workspace'}?`
    if (draft.dirty && !confirm(question)) {
      if (draft.summary) {
        pushed = draft.summary
        studio.setState({ summary: draft.summary })
      }
      return
    }
    void draft.loadFromBackend()
  })

  const target = connection.window ?? (typeof window === 'undefined' ? undefined : window)
  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (!editor.getState().dirty) return
    event.preventDefault()
    event.returnValue = ''
  }
  target?.addEventListener('beforeunload', onBeforeUnload as EventListener)

  return () => {
    unsubscribeEditor()
    unsubscribeStudio()
    target?.removeEventListener('beforeunload', onBeforeUnload as EventListener)
  }
}

const editors = new WeakMap<StudioStore, WorkspaceEditorStore>()

/** The editor of a studio, made on first use and kept for the page's life (its draft survives view changes). */
export function editorFor(studio: StudioStore, api: EditorApi = getApi()): WorkspaceEditorStore {
  let editor = editors.get(studio)
  if (!editor) {
    editor = createWorkspaceEditorStore(api, {
      host: getApiHost(),
      download: (text, fileName) => downloadText(text, fileName, 'application/json'),
    })
    connectEditorToStudio(editor, studio)
    editors.set(studio, editor)
  }
  return editor
}

const EditorContext = createContext<WorkspaceEditorStore | null>(null)

/** Supplies a given editor store (tests); without it the studio's own editor is used. */
export function WorkspaceEditorProvider({ store, children }: { store: WorkspaceEditorStore; children: ReactNode }) {
  return <EditorContext.Provider value={store}>{children}</EditorContext.Provider>
}

export function useWorkspaceEditorStore(): WorkspaceEditorStore {
  const given = useContext(EditorContext)
  const studio = useStudioStore()
  return given ?? editorFor(studio)
}

export function useWorkspaceEditor<T>(selector: (state: WorkspaceEditorState & WorkspaceEditorActions) => T): T {
  return useStore(useWorkspaceEditorStore(), selector)
}
