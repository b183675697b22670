/**
 * ROOT files as the studio's ROOT browser opens them: list a file's trees and branches, summarise
 * one branch (range, mean, histogram), and draft a new ntuple study config from the choices made
 * there. Reading runs in the native addon off the JS thread (native/ntuple, `listRootFile`,
 * `summarizeNtupleBranch`); a browser's dropped file arrives as bytes and is kept in a temporary
 * copy for the session.
 */
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { Document, isMap, isSeq, visit } from 'yaml'
import type * as Native from '../../native/node/index'
import type {
  NtupleStudyDraftRequest,
  RootBranchRequest,
  RootBranchSummary,
  RootFileContents,
  RootKey,
} from '../../preload/api'
import { toHistuneError } from '../binning/ntuple'
import { parseStudyConfig } from '../binning/config'
import { nativeAddon } from '../engine/native'
import { HistuneError } from '../errors'

/** The two addon functions this service needs (a fake in tests that cannot load the addon). */
export interface RootReader {
  listRootFile(path: string): Promise<Native.RootFileContents>
  summarizeNtupleBranch(spec: Native.NtupleBranchSummarySpec): Promise<Native.NtupleBranchSummary>
}

export function nativeRootReader(): RootReader {
  const load = (): RootReader => {
    let addon: Partial<RootReader>
    try {
      addon = nativeAddon() as unknown as Partial<RootReader>
    } catch (error) {
      throw new HistuneError('E_ENGINE', (error as Error).message)
    }
    if (typeof addon.listRootFile !== 'function' || typeof addon.summarizeNtupleBranch !== 'function') {
      throw new HistuneError('E_ENGINE', 'the native addon was built without the ROOT browser functions: run `npm run build:native`')
    }
    return addon as RootReader
  }
  return {
    listRootFile: (path) => load().listRootFile(path),
    summarizeNtupleBranch: (spec) => load().summarizeNtupleBranch(spec),
  }
}

/** ROOT's file signature: every ROOT file starts with these four bytes. */
const ROOT_MAGIC = Buffer.from('root')
export const DEFAULT_SUMMARY_BINS = 50
export const MAX_SUMMARY_BINS = 10_000
/** Uploaded copies kept per session; the oldest goes when a new one comes. */
const MAX_UPLOADS = 4

/** Temporary folders of uploads, removed when the process exits. */
const uploadDirs = new Set<string>()
let exitHook = false
function removeOnExit(dir: string): void {
  uploadDirs.add(dir)
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const d of uploadDirs) rmSync(d, { recursive: true, force: true })
  })
}

export class RootFileService {
  /** Upload copies, oldest first: where the copy is and the name the user dropped. */
  readonly #uploads: { dir: string; path: string; fileName: string }[] = []

  constructor(
    /** Where relative paths resolve: serve's working directory (a browser sends only a name). */
    private readonly baseDir: string,
    private readonly reader: RootReader = nativeRootReader(),
  ) {}

  async open(path: string): Promise<RootFileContents> {
    const file = resolve(this.baseDir, path)
    const info = await stat(file).catch(() => null)
    if (info === null) {
      const where = file === path ? '' : ` (${JSON.stringify(path)} is looked up in ${this.baseDir})`
      throw new HistuneError('E_IO', `no ROOT file at ${file}${where}`, { file: path })
    }
    if (!info.isFile()) throw new HistuneError('E_IO', `${file} is not a file`, { file: path })
    return this.#list(file, basename(file), false, info.size)
  }

  async upload(base64: string, fileName: string): Promise<RootFileContents> {
    const name = basename(fileName.replaceAll('\\', '/')) || 'upload.root'
    const bytes = Buffer.from(base64, 'base64')
    if (bytes.length === 0) throw new HistuneError('E_EMPTY', `${name} is empty`, { file: name })
    if (!bytes.subarray(0, 4).equals(ROOT_MAGIC)) {
      throw new HistuneError('E_IO', `${name} is not a ROOT file: it does not start with ROOT's signature "root"`, { file: name })
    }
    const dir = await mkdtemp(join(tmpdir(), 'histune-root-'))
    removeOnExit(dir)
    const path = join(dir, name)
    await writeFile(path, bytes)
    try {
      const contents = await this.#list(path, name, true, bytes.length)
      this.#uploads.push({ dir, path, fileName: name })
      while (this.#uploads.length > MAX_UPLOADS) await this.#forget(this.#uploads.shift()!.dir)
      return contents
    } catch (error) {
      await this.#forget(dir)
      throw error
    }
  }

  async summarize(request: RootBranchRequest): Promise<RootBranchSummary> {
    const bins = request.bins ?? DEFAULT_SUMMARY_BINS
    const spec: Native.NtupleBranchSummarySpec = {
      file: this.#readablePath(request.path),
      tree: request.tree,
      observable: request.observable,
      bins,
    }
    if (request.weight !== undefined && request.weight.trim() !== '') spec.weight = request.weight
    if (request.selection !== undefined && request.selection.trim() !== '') spec.selection = request.selection
    if (request.range !== undefined) spec.range = [...request.range]
    let s: Native.NtupleBranchSummary
    try {
      s = await this.reader.summarizeNtupleBranch(spec)
    } catch (error) {
      throw this.#named(toHistuneError(error), request.path)
    }
    return {
      request,
      entries: s.entries,
      selected: s.selected,
      nonFinite: s.nonFinite,
      sumw: s.sumw,
      sumw2: s.sumw2,
      min: s.min ?? null,
      max: s.max ?? null,
      mean: s.mean ?? null,
      stdDev: s.stdDev ?? null,
      histogram: s.histogram,
    }
  }

  /** Remove every upload copy (the backend's end). */
  async dispose(): Promise<void> {
    for (const upload of this.#uploads.splice(0)) await this.#forget(upload.dir)
  }

  async #list(path: string, fileName: string, uploaded: boolean, sizeBytes: number): Promise<RootFileContents> {
    let raw: Native.RootFileContents
    try {
      raw = await this.reader.listRootFile(path)
    } catch (error) {
      const e = toHistuneError(error)
      throw uploaded ? new HistuneError(e.code, e.message.replaceAll(path, fileName), { file: fileName }) : new HistuneError(e.code, e.message, { file: path })
    }
    const keys: RootKey[] = raw.keys.map((k) => ({
      name: k.name,
      className: k.className,
      title: k.title,
      note: k.note ?? null,
      tree: k.tree ? { entries: k.tree.entries, branches: k.tree.branches.map((b) => ({ name: b.name, typeName: b.typeName, readable: b.readable, reason: b.reason ?? null })) } : null,
    }))
    return { path, fileName, uploaded, sizeBytes, keys }
  }

  /** A summary reads a listed file again: an upload's copy must still be there. */
  #readablePath(path: string): string {
    const file = resolve(this.baseDir, path)
    if (!existsSync(file)) {
      const upload = path.startsWith(tmpdir())
      throw new HistuneError(
        'E_IO',
        upload ? `the uploaded copy of ${basename(path)} is gone (only the last ${MAX_UPLOADS} uploads are kept): drop the file again` : `no ROOT file at ${file}`,
        { file: path },
      )
    }
    return file
  }

  /** Errors about an upload name the file the user dropped, not the backend's copy. */
  #named(error: HistuneError, path: string): HistuneError {
    const upload = this.#uploads.find((u) => u.path === path)
    if (upload === undefined) return error
    return new HistuneError(error.code, error.message.replaceAll(path, upload.fileName), { file: upload.fileName })
  }

  async #forget(dir: string): Promise<void> {
    uploadDirs.delete(dir)
    await rm(dir, { recursive: true, force: true })
  }
}

const identifier = (text: string): string => text.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'observable'

/**
 * A study config for a new ntuple study (like resources/examples/ntuples/study.yaml): one region
 * with the chosen selection, signal with the POI, the backgrounds, luminosity and MC statistics,
 * and the ntuple defaults for binning and constraints; checked by the config reader.
 */
export function draftNtupleStudy(request: NtupleStudyDraftRequest): string {
  const problem = checkDraftRequest(request)
  if (problem !== null) throw new HistuneError('E_BAD_REQUEST', `draftNtupleStudy: ${problem}`)
  const name = request.name?.trim() || `ntuples-${identifier(request.observable)}`
  const weight = request.weight?.trim() ? { weight: request.weight.trim() } : {}
  const sample = (tree: string, modifiers?: object[]) => ({ name: tree, file: request.file, tree, ...weight, ...(modifiers ? { modifiers } : {}) })
  const model: Record<string, unknown> = {
    kind: 'ntuples',
    channel: 'SR',
    observable: request.observable,
    ...(request.selection?.trim() ? { selection: request.selection.trim() } : {}),
    modifiers: [
      { name: 'luminosity', type: 'normsys', data: { hi: 1.05, lo: 0.95 } },
      { name: 'staterror_SR', type: 'staterror' },
    ],
    samples: [
      sample(request.signalTree, [{ name: 'mu', type: 'normfactor', data: null }]),
      ...request.backgroundTrees.map((tree) => sample(tree)),
    ],
    ...(request.dataTree ? { data: { file: request.file, tree: request.dataTree } } : {}),
    measurement: { name: `${identifier(request.observable)}_SR`, poi: 'mu', parameters: [{ name: 'mu', bounds: [[0, 10]] }] },
  }
  const config = {
    study: { name, direction: 'maximize', sampler: 'tpe', seed: 42, trials: 200 },
    objective: 'z0',
    model,
    binning: { space: 'fine_merges', n_bins: { low: 2, high: 10 } },
    constraints: { min_background: 5, max_mc_rel_error: 0.2 },
  }
  const fileName = basename(request.file)
  const header = [
    `# Drafted by Histune from ${fileName}: one signal region (SR) binning ${request.observable}, a free`,
    '# signal strength mu, luminosity ±5 % and the MC statistical uncertainty. Add the systematics',
    '# (histosys from other trees or weights, normsys) and set the range before running.',
    `# Relative paths resolve against this config's folder: save it beside ${fileName}.`,
    request.dataTree ? '' : '# No data tree chosen: the fit uses Asimov data (add `data: {file, tree}` for real data).',
  ].filter((line) => line !== '')
  // One line per modifier and parameter, as in resources/examples/ntuples/study.yaml.
  const doc = new Document(config)
  visit(doc, {
    Pair(_, pair) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key)
      if ((key === 'modifiers' || key === 'parameters') && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true
      }
    },
  })
  const text = `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`
  parseStudyConfig(text, `${name}.yaml`)
  return text
}

function checkDraftRequest(r: NtupleStudyDraftRequest): string | null {
  if (typeof r !== 'object' || r === null) return 'the request must be an object'
  for (const key of ['file', 'observable', 'signalTree'] as const) {
    if (typeof r[key] !== 'string' || r[key].trim() === '') return `"${key}" must be a non-empty string`
  }
  if (!Array.isArray(r.backgroundTrees) || r.backgroundTrees.length === 0 || !r.backgroundTrees.every((t) => typeof t === 'string' && t !== '')) {
    return '"backgroundTrees" must name at least one tree'
  }
  if (r.backgroundTrees.includes(r.signalTree)) return `the signal tree "${r.signalTree}" cannot also be a background`
  if (new Set(r.backgroundTrees).size !== r.backgroundTrees.length) return '"backgroundTrees" lists a tree twice'
  for (const key of ['dataTree', 'weight', 'selection', 'name'] as const) {
    if (r[key] !== undefined && typeof r[key] !== 'string') return `"${key}" must be a string`
  }
  return null
}

/** Argument checks for the backend's request table (requests from a browser are untrusted). */
export function checkBranchRequest(request: unknown): string | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'the request must be an object'
  const r = request as Record<string, unknown>
  for (const key of ['path', 'tree', 'observable']) {
    if (typeof r[key] !== 'string' || r[key] === '') return `"${key}" must be a non-empty string`
  }
  for (const key of ['weight', 'selection']) {
    if (r[key] !== undefined && r[key] !== null && typeof r[key] !== 'string') return `"${key}" must be a string`
  }
  if (r.bins !== undefined && r.bins !== null && !(Number.isInteger(r.bins) && (r.bins as number) >= 1 && (r.bins as number) <= MAX_SUMMARY_BINS)) {
    return `"bins" must be an integer from 1 to ${MAX_SUMMARY_BINS}`
  }
  if (r.range !== undefined && r.range !== null) {
    const range = r.range
    if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === 'number' && Number.isFinite(x)) || range[0] >= range[1]) {
      return '"range" must be [low, high], two finite numbers with low < high'
    }
  }
  return null
}

export function checkDraft(request: unknown): string | null {
  return checkDraftRequest(request as NtupleStudyDraftRequest)
}
