import { rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import type { PatchsetSummary, WorkspaceSource, WorkspaceSummary, WorkspaceValidation } from '../../preload/api'
import { applyPatchset, describePatchset } from '../engine'
import { HistuneError, toApiError } from '../errors'
import { readWorkspaceFile, summarizeWorkspaceText } from '../workspace/load'

/**
 * The workspace editor's side of the backend: the text of the workspace last loaded (so the editor
 * can show a file the backend opened), validation that returns problems as data, saving back to the
 * file, and pyhf patchsets.
 */
export class WorkspaceEditorService {
  private source: WorkspaceSource | null = null

  /** `canSave`: the backend may write files for its UI (Electron); `histune serve` may not. */
  constructor(private readonly canSave: boolean) {}

  /** Validate and remember a workspace given as text (a drop). */
  loadText(text: string, fileName?: string): WorkspaceSummary {
    const summary = summarizeWorkspaceText(text, fileName)
    this.source = fileName === undefined ? { text } : { text, fileName }
    return summary
  }

  /** Read, validate and remember a workspace file. */
  async loadFile(path: string): Promise<WorkspaceSummary> {
    const text = await readWorkspaceFile(path)
    const summary = summarizeWorkspaceText(text, path)
    this.source = this.canSave ? { text, fileName: path, path } : { text, fileName: path }
    return { ...summary, file: path }
  }

  current(): WorkspaceSource | null {
    return this.source
  }

  validate(text: string, fileName?: string): WorkspaceValidation {
    try {
      return { ok: true, summary: summarizeWorkspaceText(text, fileName) }
    } catch (error) {
      return { ok: false, error: toApiError(error) }
    }
  }

  /** Write a workspace back to its file, only when it is valid, through a temporary file and a rename. */
  async save(path: string, text: string): Promise<WorkspaceSummary> {
    if (!this.canSave) {
      throw new HistuneError('E_BAD_REQUEST', 'histune serve does not write files for the browser: download the workspace instead', { file: path })
    }
    if (!/\.json$/i.test(path)) throw new HistuneError('E_BAD_REQUEST', 'a pyhf workspace is saved as a .json file', { file: path })
    const summary = summarizeWorkspaceText(text, path)
    const temporary = join(dirname(path), `.${basename(path)}.histune-${process.pid}.tmp`)
    try {
      await writeFile(temporary, text, 'utf8')
      await rename(temporary, path)
    } catch (error) {
      throw new HistuneError('E_IO', `cannot save ${path}: ${(error as Error).message}`, { file: path })
    }
    this.source = { text, fileName: path, path }
    return { ...summary, file: path }
  }

  describePatchset(patchsetText: string, fileName?: string): PatchsetSummary {
    const info = withFile(fileName, () => describePatchset(patchsetText))
    return { description: info.description, labels: info.labels, digests: info.digests, version: info.version, patches: info.patches }
  }

  /** pyhf's PatchSet.apply: the digest must match the workspace, then the named patch is applied. */
  applyPatchset(workspaceText: string, patchsetText: string, name: string, patchsetFile?: string): string {
    return withFile(patchsetFile, () => applyPatchset(workspaceText, patchsetText, name))
  }
}

/** Name the patchset file in an engine error, unless the error is about the workspace text itself. */
function withFile<T>(file: string | undefined, f: () => T): T {
  try {
    return f()
  } catch (error) {
    const api = toApiError(error)
    const aboutWorkspace = api.message.startsWith('workspace: ')
    throw new HistuneError(api.code, api.message, { path: api.path, line: api.line, file: aboutWorkspace ? undefined : (file ?? api.file) })
  }
}
