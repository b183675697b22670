import { useEffect, useMemo, useState, type KeyboardEvent } from 'react'
import { JsonEditor } from '../../editor/JsonEditor'
import { formatNumber, sum } from '../../format'
import { useStudio, useStudioStore } from '../../store/context'
import { useWorkspaceEditor, useWorkspaceEditorStore } from '../../store/workspace-editor-context'
import { NodeInspector } from './NodeInspector'
import { PatchsetPanel } from './PatchsetPanel'
import { StructureTree } from './StructureTree'
import { findNode, nodeAt, structureOf, type StructureNode } from './structure'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
const MOD = isMac ? '⌘' : 'Ctrl'

function EditorToolbar() {
  const store = useWorkspaceEditorStore()
  const canUndo = useWorkspaceEditor((s) => s.canUndo)
  const canRedo = useWorkspaceEditor((s) => s.canRedo)
  const dirty = useWorkspaceEditor((s) => s.dirty)
  const path = useWorkspaceEditor((s) => s.path)
  const fileName = useWorkspaceEditor((s) => s.fileName)
  const problems = useWorkspaceEditor((s) => s.problems)
  const validating = useWorkspaceEditor((s) => s.validating)
  const { undo, redo, save, exportCopy } = store.getState()
  const state = validating ? 'checking' : problems.length > 0 ? 'invalid' : 'valid'
  return (
    <div className="editor-toolbar" role="toolbar" aria-label="Workspace editor">
      <div className="editor-file">
        <span className="editor-file-name" title={fileName}>
          {fileName.split(/[\\/]/).pop()}
        </span>
        <span className={`editor-dirty${dirty ? ' on' : ''}`} data-testid="editor-dirty">
          {dirty ? 'Unsaved changes' : 'Saved'}
        </span>
        <span className={`editor-validity editor-validity-${state}`} data-testid="editor-validity" aria-live="polite">
          {state === 'checking' ? 'Checking…' : state === 'invalid' ? `${problems.length} problem${problems.length === 1 ? '' : 's'}` : 'Valid pyhf workspace'}
        </span>
      </div>
      <div className="editor-actions">
        <button type="button" className="button button-small button-ghost" disabled={!canUndo} onClick={() => undo()} aria-keyshortcuts="Control+Z" title={`Undo (${MOD}+Z)`}>
          Undo
        </button>
        <button type="button" className="button button-small button-ghost" disabled={!canRedo} onClick={() => redo()} aria-keyshortcuts="Control+Shift+Z Control+Y" title={`Redo (${MOD}+Shift+Z)`}>
          Redo
        </button>
        <button type="button" className="button button-small button-ghost" onClick={() => exportCopy()} title="Download a copy of the edited workspace">
          Export
        </button>
        <button type="button" className="button button-small button-primary" onClick={() => void save()} aria-keyshortcuts="Control+S" title={path ? `Save to ${path} (${MOD}+S)` : `Download the workspace (${MOD}+S)`}>
          {path ? 'Save' : 'Save (download)'}
        </button>
      </div>
    </div>
  )
}

function EditorSummary() {
  const summary = useWorkspaceEditor((s) => s.summary)
  if (!summary) return null
  return (
    <dl className="editor-summary" data-testid="editor-summary" aria-label="Engine summary of the edited workspace">
      <div>
        <dt>POI</dt>
        <dd>
          <code>{summary.poi}</code>
        </dd>
      </div>
      {summary.channels.map((c) => (
        <div key={c.name} data-testid="editor-summary-channel" data-channel={c.name}>
          <dt>{c.name}</dt>
          <dd>
            expected <span data-testid="expected">{formatNumber(sum(c.samples.map((s) => s.total)))}</span> · observed{' '}
            {formatNumber(sum(c.observed))}
          </dd>
        </div>
      ))}
      <div>
        <dt>Parameters</dt>
        <dd>{summary.nParameters}</dd>
      </div>
    </dl>
  )
}

function ProblemList() {
  const store = useWorkspaceEditorStore()
  const problems = useWorkspaceEditor((s) => s.problems)
  if (problems.length === 0) return null
  return (
    <ul className="problem-list" aria-label="Problems" data-testid="problems">
      {problems.map((p, i) => (
        <li key={i}>
          <button
            type="button"
            className="problem"
            onClick={() => store.getState().apply([store.getState().doc.update({ selection: { anchor: p.from, head: p.to }, scrollIntoView: true })])}
          >
            <span className="problem-where">line {p.line}{p.path ? ` · ${p.path}` : ''}</span>
            <span className="problem-message">{p.message}</span>
          </button>
        </li>
      ))}
    </ul>
  )
}

/** The workspace editor: the structure tree and inspector beside the JSON text, kept in step. */
export function WorkspaceEditor() {
  const store = useWorkspaceEditorStore()
  const status = useWorkspaceEditor((s) => s.status)
  const ws = useWorkspaceEditor((s) => s.outline)
  const json = useWorkspaceEditor((s) => s.json)
  const jsonValid = useWorkspaceEditor((s) => s.jsonValid)
  const summary = useWorkspaceEditor((s) => s.summary)
  const patchset = useWorkspaceEditor((s) => s.patchset)
  const notice = useWorkspaceEditor((s) => s.notice)
  const [selected, setSelected] = useState<string | null>(null)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(['channels', 'measurements', 'channels[0]']))

  useEffect(() => {
    if (store.getState().status === 'idle') void store.getState().loadFromBackend()
  }, [store])

  // A patchset dropped on the window waits in the studio store until the editor has the workspace.
  const studio = useStudioStore()
  const droppedPatchset = useStudio((s) => s.droppedPatchset)
  useEffect(() => {
    if (droppedPatchset === null || status !== 'ready') return
    const dropped = studio.getState().takeDroppedPatchset()
    if (dropped !== null) void store.getState().openPatchset(dropped.text, dropped.fileName)
  }, [droppedPatchset, status, store, studio])

  const nodes = useMemo(() => (ws ? structureOf(ws, summary?.parameters ?? []) : []), [ws, summary])
  const cursorPath = useWorkspaceEditor((s) => s.cursorPath)

  // The tree follows the cursor in the JSON view: the node that holds the value is shown selected.
  useEffect(() => {
    if (cursorPath === null) return
    const at = nodeAt(nodes, cursorPath)
    if (!at) return
    setSelected(at.node.key)
    setExpanded((current) => (at.ancestors.every((k) => current.has(k)) ? current : new Set([...current, ...at.ancestors])))
    // only a cursor move re-selects, not a new tree after an edit
  }, [cursorPath])
  const selectedNode = selected !== null ? findNode(nodes, selected) : null

  const select = (node: StructureNode) => {
    setSelected(node.key)
    store.getState().select(node.path)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.defaultPrevented) return
    const key = event.key.toLowerCase()
    const s = store.getState()
    if (key === 's') void s.save()
    // CodeMirror has its own keymap, and a text field its own undo
    else if ((event.target as HTMLElement).closest('.cm-editor, input, textarea')) return
    else if (key === 'z' && !event.shiftKey) s.undo()
    else if ((key === 'z' && event.shiftKey) || key === 'y') s.redo()
    else return
    event.preventDefault()
  }

  if (status === 'idle' || status === 'loading') return <p className="editor-loading muted">Loading the workspace text…</p>
  if (status === 'unavailable') {
    return <p className="editor-loading muted">The backend has no workspace text to edit: open or drop a workspace first.</p>
  }

  return (
    <div className="workspace-editor" data-testid="workspace-editor" onKeyDown={onKeyDown}>
      <EditorToolbar />
      {notice && (
        <div className={`editor-notice editor-notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="editor-notice">
          <span>{notice.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => store.getState().dismissNotice()}>
            ×
          </button>
        </div>
      )}
      <EditorSummary />
      <div className="editor-columns">
        <div className="editor-side">
          <section className="panel editor-tree-panel" aria-label="Structure">
            {nodes.length > 0 ? (
              <StructureTree
                nodes={nodes}
                expanded={expanded}
                selected={selected}
                onSelect={select}
                onToggle={(key, open) =>
                  setExpanded((current) => {
                    const next = new Set(current)
                    if (open) next.add(key)
                    else next.delete(key)
                    return next
                  })
                }
              />
            ) : (
              <p className="muted">The text is not JSON yet.</p>
            )}
            {!jsonValid && nodes.length > 0 && <p className="tree-stale muted">Showing the last text that parsed.</p>}
          </section>
          <NodeInspector node={selectedNode} json={json} parameters={summary?.parameters ?? []} edits={store.getState()} editable={jsonValid} />
          <PatchsetPanel
            patchset={patchset}
            onOpen={(file) => void file.text().then((text) => store.getState().openPatchset(text, file.name))}
            onApply={(name) => store.getState().applyPatch(name)}
            onClose={() => store.getState().closePatchset()}
          />
        </div>
        <div className="editor-main panel">
          <JsonEditor store={store} label="Workspace JSON" />
          <ProblemList />
        </div>
      </div>
    </div>
  )
}
