import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'

import { applyPatch, applyPatchset, describePatchset } from '../engine'
import { HistuneError, toApiError } from '../errors'

export interface PatchOptions {
  patch?: string
  patchset?: string
  patchName?: string
}

/** `--patch FILE | --patchset FILE --patch-name NAME`, applied to the workspace before anything else. */
export function withPatchOptions(cmd: Command): Command {
  return cmd
    .option('--patch <file>', 'apply a JSON Patch (RFC 6902) to the workspace first')
    .option('--patchset <file>', 'a pyhf patchset for this (background-only) workspace; use with --patch-name')
    .option('--patch-name <name>', 'the patch of --patchset to apply (e.g. a signal hypothesis)')
}

const bad = (message: string): HistuneError => new HistuneError('E_BAD_REQUEST', message)

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new HistuneError('E_IO', `cannot read the ${what} ${path}: ${(error as Error).message}`, { file: path })
  }
}

/** Run an engine call on a patch file, naming the file in its errors. */
function naming<T>(file: string, f: () => T): T {
  try {
    return f()
  } catch (error) {
    const api = toApiError(error)
    // errors in the workspace text itself come back prefixed 'workspace:'; they are not the patch file's
    const where = api.message.startsWith('workspace: ') ? api.file : file
    throw new HistuneError(api.code, api.message, { path: api.path, line: api.line, file: where })
  }
}

/** The workspace text with the requested patch applied (unchanged when no patch option is given). */
export async function patchedWorkspace(text: string, opts: PatchOptions): Promise<string> {
  if (opts.patch !== undefined && opts.patchset !== undefined) throw bad('--patch and --patchset exclude each other')
  if (opts.patchName !== undefined && opts.patchset === undefined) throw bad('--patch-name selects a patch of --patchset, which is missing')
  if (opts.patch !== undefined) {
    const file = opts.patch
    const patch = await readText(file, 'patch')
    return naming(file, () => applyPatch(text, patch))
  }
  if (opts.patchset !== undefined) {
    const file = opts.patchset
    const patchset = await readText(file, 'patchset')
    if (opts.patchName === undefined) {
      const names = naming(file, () => describePatchset(patchset)).patches.map((p) => p.name)
      const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '')
      throw bad(`--patchset needs --patch-name: one of ${shown}`)
    }
    const name = opts.patchName
    return naming(file, () => applyPatchset(text, patchset, name))
  }
  return text
}
