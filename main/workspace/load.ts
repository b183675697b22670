import { stat, readFile } from 'node:fs/promises'

import type { WorkspaceSummary } from '../../preload/api'
import { summarizeWorkspace } from '../engine'
import { HistuneError, toApiError } from '../errors'

/** Workspaces larger than this are refused before they are read (real analyses are a few MB). */
export const MAX_WORKSPACE_BYTES = Number(process.env.HISTUNE_MAX_WORKSPACE_MB ?? 100) * 1024 * 1024

function checkSize(bytes: number, file?: string): void {
  if (bytes === 0) throw new HistuneError('E_EMPTY', 'the workspace file is empty', { file })
  if (bytes > MAX_WORKSPACE_BYTES) {
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(1)
    throw new HistuneError(
      'E_TOO_LARGE',
      `the workspace is ${mb(bytes)} MB, more than the ${mb(MAX_WORKSPACE_BYTES)} MB Histune reads ` +
        '(set HISTUNE_MAX_WORKSPACE_MB to raise the limit)',
      { file },
    )
  }
}

/** Parse, validate and summarise a workspace given as text; errors name the file. */
export function summarizeWorkspaceText(text: string, file?: string): WorkspaceSummary {
  checkSize(Buffer.byteLength(text, 'utf8'), file)
  if (text.trim() === '') throw new HistuneError('E_EMPTY', 'the workspace file holds only white space', { file })
  try {
    const summary = summarizeWorkspace(text, file)
    return file === undefined ? summary : { ...summary, file }
  } catch (error) {
    const api = toApiError(error)
    throw new HistuneError(api.code, api.message, { path: api.path, line: api.line, file: file ?? api.file })
  }
}

/** Read a workspace file's text, refusing missing, empty and oversized files before reading them. */
export async function readWorkspaceFile(path: string): Promise<string> {
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new HistuneError('E_IO', `${path} is not a file`, { file: path })
    size = info.size
  } catch (error) {
    if (error instanceof HistuneError) throw error
    throw new HistuneError('E_IO', `cannot read ${path}: ${(error as Error).message}`, { file: path })
  }
  checkSize(size, path)
  return readFile(path, 'utf8')
}

/** Read, validate and summarise a workspace file. */
export async function summarizeWorkspaceFile(path: string): Promise<WorkspaceSummary> {
  const summary = summarizeWorkspaceText(await readWorkspaceFile(path), path)
  return { ...summary, file: path }
}
