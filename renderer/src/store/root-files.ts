/**
 * The ROOT browser's state: a dropped ROOT file's trees and branches, the histogram of the
 * selected branch (with a weight, a selection and a bin count), and a drafted ntuple study config.
 * In Electron the backend reads the dropped file where it lives; a browser uploads its bytes.
 */
import type {
  ApiError,
  EngineInfo,
  HistuneApi,
  NtupleStudyDraftRequest,
  RootBranchSummary,
  RootFileContents,
  RootTree,
} from '../../../preload/api'
import type { ApiHost } from '../bridge'
import { toApiError } from '../bridge/errors'
import { directoryName, formatBytes } from '../format'

export const DEFAULT_ROOT_BINS = 50

export interface RootHistogramSettings {
  weight: string
  selection: string
  bins: number
  /** [low, high] of the histogram; null: the selected values' range. Reset when the branch changes. */
  range: [number, number] | null
}

export interface RootBrowser {
  /** The name the user dropped or opened. */
  fileName: string
  loading: boolean
  contents: RootFileContents | null
  error: ApiError | null
  tree: string | null
  branch: string | null
  settings: RootHistogramSettings
  summary: RootBranchSummary | null
  summaryLoading: boolean
  summaryError: ApiError | null
  /** A drafted study config being edited (`original` as drafted); null while the browser shows the histogram. */
  draft: { text: string; original: string; request: NtupleStudyDraftRequest } | null
  draftError: ApiError | null
}

export interface RootBrowserState {
  rootBrowser: RootBrowser | null
}

export interface RootBrowserActions {
  /** A dropped ROOT file: its real path (Electron) or, in a browser, its bytes (or its name in serve's folder). */
  openRootFile(file: File, path: string | null): Promise<void>
  /** A ROOT file the backend can read (a recent file, a typed path). */
  openRootPath(path: string): Promise<void>
  closeRootBrowser(): void
  selectRootTree(name: string): void
  selectRootBranch(name: string): Promise<void>
  setRootHistogramSettings(settings: Partial<RootHistogramSettings>): Promise<void>
  draftRootStudy(request: NtupleStudyDraftRequest): Promise<void>
  setRootDraftText(text: string): void
  closeRootDraft(): void
  /** Load the edited draft in the study view; its relative paths resolve beside the ROOT file. */
  openRootDraftInStudio(): Promise<void>
}

type Full = RootBrowserState &
  RootBrowserActions & {
    host: ApiHost
    engine: EngineInfo | null
    error: ApiError | null
    loadStudyConfigText(text: string, fileName: string): Promise<void>
  }

/** A browser upload is sent as base64 in one JSON request, which serve caps near its workspace limit. */
export function uploadLimit(engine: EngineInfo | null): number | undefined {
  return engine === null ? undefined : Math.floor(engine.maxWorkspaceBytes * 0.9)
}

/** A file's bytes as base64 (a data URL's payload: the browser encodes it natively). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const url = String(reader.result)
      resolve(url.slice(url.indexOf(',') + 1))
    }
    reader.onerror = () =>
      reject({ code: 'E_IO', message: `Could not read ${file.name} (${reader.error?.message ?? 'unknown error'}).`, file: file.name } satisfies ApiError)
    reader.readAsDataURL(file)
  })
}

/** The first tree with a readable branch, else the first tree. */
function firstTree(contents: RootFileContents): string | null {
  const trees = contents.keys.filter((k) => k.tree !== null)
  return (trees.find((k) => k.tree?.branches.some((b) => b.readable)) ?? trees[0])?.name ?? null
}

/** The drafted config was changed since it was drafted: closing or redrafting would lose the edits. */
export function draftEdited(browser: RootBrowser | null): boolean {
  return browser?.draft !== null && browser?.draft !== undefined && browser.draft.text !== browser.draft.original
}

export function treeOf(browser: RootBrowser | null, name: string | null = browser?.tree ?? null): RootTree | null {
  return browser?.contents?.keys.find((k) => k.name === name)?.tree ?? null
}

/** The weight a tree's events usually carry: a branch named `weight`, if there is one. */
function defaultWeight(tree: RootTree | null): string {
  return tree?.branches.some((b) => b.readable && b.name === 'weight') ? 'weight' : ''
}

/** Where a draft is loaded from: beside the ROOT file, so `file: <name>` resolves to it. */
export function draftConfigPath(contents: RootFileContents, studyName: string): string {
  const dir = directoryName(contents.path)
  const name = `${studyName.replace(/[^\w.-]+/g, '_') || 'study'}.yaml`
  return dir ? `${dir}${contents.path.includes('\\') && !contents.path.includes('/') ? '\\' : '/'}${name}` : name
}

export function createRootBrowserSlice(
  api: HistuneApi,
  set: (partial: Partial<Full> | ((state: Full) => Partial<Full>)) => void,
  get: () => Full,
): RootBrowserState & RootBrowserActions {
  /** Only the latest open / summary may land: a slow earlier answer must not replace a newer one. */
  let openGeneration = 0
  let summaryGeneration = 0

  const patch = (partial: Partial<RootBrowser>): void => {
    const current = get().rootBrowser
    if (current !== null) set({ rootBrowser: { ...current, ...partial } })
  }

  async function open(fileName: string, request: () => Promise<RootFileContents>): Promise<void> {
    const generation = ++openGeneration
    summaryGeneration++
    set({
      rootBrowser: {
        fileName,
        loading: true,
        contents: null,
        error: null,
        tree: null,
        branch: null,
        settings: { weight: '', selection: '', bins: DEFAULT_ROOT_BINS, range: null },
        summary: null,
        summaryLoading: false,
        summaryError: null,
        draft: null,
        draftError: null,
      },
    })
    try {
      const contents = await request()
      if (generation !== openGeneration) return
      const tree = firstTree(contents)
      patch({ loading: false, contents, fileName: contents.fileName, tree })
      const browser = get().rootBrowser
      patch({ settings: { ...browser!.settings, weight: defaultWeight(treeOf(browser, tree)) } })
    } catch (reason) {
      if (generation !== openGeneration) return
      patch({ loading: false, error: toApiError(reason) })
    }
  }

  async function summarize(): Promise<void> {
    const browser = get().rootBrowser
    if (!browser?.contents || browser.tree === null || browser.branch === null) return
    const generation = ++summaryGeneration
    patch({ summaryLoading: true, summaryError: null })
    const { weight, selection, bins, range } = browser.settings
    try {
      const summary = await api.summarizeRootBranch({
        path: browser.contents.path,
        tree: browser.tree,
        observable: browser.branch,
        ...(weight.trim() ? { weight: weight.trim() } : {}),
        ...(selection.trim() ? { selection: selection.trim() } : {}),
        bins,
        ...(range ? { range } : {}),
      })
      if (generation !== summaryGeneration) return
      patch({ summary, summaryLoading: false })
    } catch (reason) {
      if (generation !== summaryGeneration) return
      patch({ summaryLoading: false, summaryError: toApiError(reason) })
    }
  }

  return {
    rootBrowser: null,

    openRootFile(file, path) {
      if (path) return open(file.name, () => api.openRootFile(path))
      const limit = uploadLimit(get().engine)
      if (get().host === 'serve' && (limit === undefined || file.size <= limit)) {
        return open(file.name, async () => api.uploadRootFile(await readBase64(file), file.name))
      }
      // Too big to upload: serve may still read it by name in its own folder (and says where it looked).
      return open(file.name, async () => {
        try {
          return await api.openRootFile(file.name)
        } catch (reason) {
          const error = toApiError(reason)
          const size = limit === undefined ? '' : ` ${file.name} is ${formatBytes(file.size)}, more than a browser can upload (${formatBytes(limit)}):`
          throw { ...error, message: `${error.message}.${size} start histune serve in the file’s folder, or open it in the desktop app.` }
        }
      })
    },

    openRootPath(path) {
      return open(path, () => api.openRootFile(path))
    },

    closeRootBrowser() {
      openGeneration++
      summaryGeneration++
      set({ rootBrowser: null })
    },

    selectRootTree(name) {
      const browser = get().rootBrowser
      const tree = treeOf(browser, name)
      if (!browser || tree === null || browser.tree === name) return
      summaryGeneration++
      patch({
        tree: name,
        branch: null,
        summary: null,
        summaryError: null,
        summaryLoading: false,
        settings: { ...browser.settings, weight: defaultWeight(tree), range: null },
      })
    },

    async selectRootBranch(name) {
      const branch = treeOf(get().rootBrowser)?.branches.find((b) => b.name === name)
      if (!branch?.readable) return
      const browser = get().rootBrowser!
      // A range set for one branch rarely fits another.
      patch({ branch: name, draft: null, ...(browser.branch === name ? {} : { settings: { ...browser.settings, range: null } }) })
      await summarize()
    },

    async setRootHistogramSettings(settings) {
      const browser = get().rootBrowser
      if (!browser) return
      patch({ settings: { ...browser.settings, ...settings } })
      await summarize()
    },

    async draftRootStudy(request) {
      patch({ draftError: null })
      try {
        const text = await api.draftNtupleStudy(request)
        patch({ draft: { text, original: text, request } })
      } catch (reason) {
        patch({ draftError: toApiError(reason) })
      }
    },

    setRootDraftText(text) {
      const draft = get().rootBrowser?.draft
      if (draft) patch({ draft: { ...draft, text } })
    },

    closeRootDraft() {
      patch({ draft: null, draftError: null })
    },

    async openRootDraftInStudio() {
      const browser = get().rootBrowser
      if (!browser?.draft || !browser.contents) return
      const name = browser.draft.request.name?.trim() || `ntuples-${browser.draft.request.observable}`
      await get().loadStudyConfigText(browser.draft.text, draftConfigPath(browser.contents, name))
      // A draft the backend refuses stays open for editing, with the error (file, line) beside it.
      const error = get().error
      if (error !== null) {
        set({ error: null })
        patch({ draftError: error })
      } else set({ rootBrowser: null })
    },
  }
}

/**
 * The histogram range typed as low and high: both empty is the selected values' range (null);
 * otherwise two finite numbers with low < high, or an error saying which field is wrong.
 */
export function parseHistogramRange(low: string, high: string): { range: [number, number] | null } | { error: string } {
  const lo = low.trim()
  const hi = high.trim()
  if (lo === '' && hi === '') return { range: null }
  if (lo === '' || hi === '') return { error: `Set the range’s ${lo === '' ? 'low' : 'high'} edge too, or leave both empty for the selected values’ range.` }
  const a = Number(lo)
  const b = Number(hi)
  if (!Number.isFinite(a)) return { error: `The range’s low edge “${lo}” is not a number.` }
  if (!Number.isFinite(b)) return { error: `The range’s high edge “${hi}” is not a number.` }
  if (!(a < b)) return { error: `The range’s low edge (${lo}) must be below its high edge (${hi}).` }
  return { range: [a, b] }
}
