import { useState, type FormEvent } from 'react'
import type { NtupleStudyDraftRequest } from '../../../../preload/api'
import { downloadText } from '../../download'
import { useStudio } from '../../store/context'
import { draftConfigPath, draftEdited, treeOf, type RootBrowser } from '../../store/root-files'
import { DownloadIcon } from '../icons'

/**
 * "New ntuple study…": choose the signal, background and data trees, the observable, weight and
 * selection; the backend drafts the config (checked by its reader), which can be edited here, saved,
 * or opened in the study view.
 */
export function NewStudyDraft({ browser }: { browser: RootBrowser }) {
  const redraft = useStudio((s) => s.draftRootStudy)
  const setText = useStudio((s) => s.setRootDraftText)
  const back = useStudio((s) => s.closeRootDraft)
  const openInStudio = useStudio((s) => s.openRootDraftInStudio)
  const draft = browser.draft!
  const contents = browser.contents!
  const [request, setRequest] = useState<NtupleStudyDraftRequest>(draft.request)
  const trees = contents.keys.filter((k) => k.tree !== null).map((k) => k.name)
  const observables = (treeOf(browser, request.signalTree)?.branches ?? []).filter((b) => b.readable).map((b) => b.name)
  const update = (change: Partial<NtupleStudyDraftRequest>) => setRequest((r) => ({ ...r, ...change }))
  const toggleBackground = (tree: string, on: boolean) =>
    update({ backgroundTrees: on ? [...request.backgroundTrees, tree] : request.backgroundTrees.filter((t) => t !== tree) })

  const edited = draftEdited(browser)
  const keepEdits = (what: string) => edited && !window.confirm(`${what} and discard your edits to the config?`)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (keepEdits('Draft again')) return
    const { dataTree, ...rest } = request
    void redraft(dataTree ? request : rest)
  }
  const studyName = draft.request.name?.trim() || `ntuples-${draft.request.observable}`
  const configName = draftConfigPath(contents, studyName).split(/[\\/]/).pop() ?? 'study.yaml'

  return (
    <div className="root-draft" data-testid="root-draft">
      <form className="root-draft-form" onSubmit={submit} aria-label="New ntuple study">
        <div className="field">
          <label htmlFor="draft-observable">Observable</label>
          <select id="draft-observable" value={request.observable} onChange={(e) => update({ observable: e.target.value })}>
            {!observables.includes(request.observable) && <option value={request.observable}>{request.observable}</option>}
            {observables.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="draft-signal">Signal tree</label>
          <select
            id="draft-signal"
            value={request.signalTree}
            onChange={(e) => update({ signalTree: e.target.value, backgroundTrees: request.backgroundTrees.filter((t) => t !== e.target.value) })}
          >
            {trees.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="root-draft-backgrounds">
          <legend>Background trees</legend>
          {trees
            .filter((t) => t !== request.signalTree && t !== request.dataTree)
            .map((name) => (
              <label key={name} className="root-check">
                <input
                  type="checkbox"
                  checked={request.backgroundTrees.includes(name)}
                  onChange={(e) => toggleBackground(name, e.target.checked)}
                />
                {name}
              </label>
            ))}
        </fieldset>
        <div className="field">
          <label htmlFor="draft-data">Data tree</label>
          <select
            id="draft-data"
            value={request.dataTree ?? ''}
            onChange={(e) => update({ dataTree: e.target.value || undefined, backgroundTrees: request.backgroundTrees.filter((t) => t !== e.target.value) })}
          >
            <option value="">none (Asimov data)</option>
            {trees
              .filter((t) => t !== request.signalTree)
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="draft-weight">MC weight</label>
          <input id="draft-weight" value={request.weight ?? ''} placeholder="1" spellCheck={false} onChange={(e) => update({ weight: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="draft-selection">Selection</label>
          <input id="draft-selection" value={request.selection ?? ''} placeholder="every entry" spellCheck={false} onChange={(e) => update({ selection: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="draft-name">Study name</label>
          <input id="draft-name" value={request.name ?? ''} placeholder={`ntuples-${request.observable}`} spellCheck={false} onChange={(e) => update({ name: e.target.value })} />
        </div>
        <button type="submit" className="button button-ghost" disabled={request.backgroundTrees.length === 0} data-testid="root-redraft">
          Draft again
        </button>
      </form>
      <div className="root-draft-editor">
        <label htmlFor="root-draft-text" className="panel-title">
          {configName}
        </label>
        <textarea
          id="root-draft-text"
          className="root-draft-text"
          value={draft.text}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          data-testid="root-draft-text"
        />
        {browser.draftError && (
          <div className="root-error" role="alert" data-testid="root-draft-error">
            {browser.draftError.line !== undefined && <>Line {browser.draftError.line}: </>}
            {browser.draftError.message}
          </div>
        )}
        <p className="chart-note">
          The config names {contents.fileName} by {request.file === contents.fileName ? 'its name: save it in the same folder' : 'its full path'}. Add systematics and a range before a long run.
        </p>
        <div className="root-draft-buttons">
          <button type="button" className="button button-ghost" onClick={() => keepEdits('Go back to the file') || back()} data-testid="root-draft-back">
            Back to the file
          </button>
          <button type="button" className="button button-ghost" onClick={() => downloadText(draft.text, configName, 'application/yaml')} data-testid="root-draft-save">
            <DownloadIcon /> Save {configName}
          </button>
          <button type="button" className="button button-primary" onClick={() => void openInStudio()} data-testid="root-draft-open">
            Open in the study view
          </button>
        </div>
      </div>
    </div>
  )
}
