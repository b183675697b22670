/**
 * The workspace editor's state: one CodeMirror `EditorState` (text, undo history, diagnostics) that
 * the JSON view and the structure tree both edit, the last valid parse the tree shows, the engine's
 * verdict on the text, the patchset in use and whether there are unsaved changes.
 *
 * The store owns the editor state and the view only renders it: every change (typing, a tree edit,
 * a patch, undo) is a CodeMirror transaction applied here, so one history covers them all.
 */
import { history, isolateHistory, redo, redoDepth, undo, undoDepth } from '@codemirror/commands'
import { json as jsonLanguage } from '@codemirror/lang-json'
import { setDiagnostics, type Diagnostic } from '@codemirror/lint'
import { Compartment, EditorState, Text, Transaction, type Extension, type TransactionSpec } from '@codemirror/state'
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ApiError, ErrorCode, HistuneApi, PatchsetSummary, WorkspaceSource, WorkspaceSummary } from '../../../preload/api'
import { toApiError } from '../bridge/errors'
import {
  detectIndent,
  formatJsonPath,
  formatJsonValue,
  getIn,
  jsonPathAt,
  lineStart,
  locateJsonPath,
  parseJsonPath,
  setIn,
  type JsonPath,
} from '../editor/jsonPath'
import { outline, type PyhfOutline, type PyhfParameterConfig } from '../editor/pyhf'

/** The requests the editor makes (a fake in tests). */
export type EditorApi = Pick<HistuneApi, 'workspaceSource' | 'validateWorkspaceText' | 'saveWorkspaceFile' | 'describePatchset' | 'applyPatchset'>

export interface EditorProblem {
  code: ErrorCode
  message: string
  /** JSON path of the offending value, as the engine reports it. */
  path?: string
  /** 1-based line of the problem in the editor's text. */
  line: number
  from: number
  to: number
}

export interface LoadedPatchset {
  fileName: string
  text: string
  summary: PatchsetSummary
}

export interface EditorNotice {
  kind: 'info' | 'error'
  text: string
}

export interface WorkspaceEditorState {
  status: 'idle' | 'loading' | 'ready' | 'unavailable'
  doc: EditorState
  /** The transactions that produced `doc`, for the view to replay (empty when `doc` is a fresh state). */
  lastTransactions: readonly Transaction[]
  fileName: string
  /** Where Save writes (a file the backend opened, in Electron); null: Save downloads. */
  path: string | null
  /** The text differs from the one last opened or saved (undoing back to it clears this). */
  dirty: boolean
  /** The last text that parsed as JSON, and its structure for the tree. */
  json: unknown
  outline: PyhfOutline | null
  /** Whether the current text parses as JSON (the tree edits only then). */
  jsonValid: boolean
  /** The engine's summary of the last valid workspace text. */
  summary: WorkspaceSummary | null
  /** The summary of the last edit (not of the text as opened or saved): what the rest of the studio should show. */
  publishedSummary: WorkspaceSummary | null
  problems: EditorProblem[]
  validating: boolean
  selectedPath: JsonPath | null
  /** Path of the value at the cursor after the user moved it in the JSON view (the tree follows it). */
  cursorPath: JsonPath | null
  patchset: LoadedPatchset | null
  notice: EditorNotice | null
  canUndo: boolean
  canRedo: boolean
}

export interface WorkspaceEditorActions {
  /** Start editing a workspace text (a fresh history). */
  open(source: WorkspaceSource): void
  /** Edit the workspace the backend last loaded. */
  loadFromBackend(): Promise<void>
  /** Apply transactions made from the current `doc` (the view's dispatch). */
  apply(transactions: readonly Transaction[]): void
  /** Replace the whole text as one undoable step. */
  replaceText(text: string, userEvent?: string): void
  undo(): boolean
  redo(): boolean
  /** Select a value by its path: the JSON view selects and scrolls to it. */
  select(path: JsonPath | null): void
  /** A structured edit: set the value at a path, keeping the rest of the text as it is. */
  setValue(path: JsonPath, value: unknown): boolean
  renameSample(channel: number, sample: number, name: string): boolean
  setPoi(measurement: number, poi: string): boolean
  /** Set a parameter's init, bounds or fixed flag in a measurement's parameter configs (adding the entry). */
  setParameter(measurement: number, name: string, changes: Partial<Pick<PyhfParameterConfig, 'inits' | 'bounds' | 'fixed'>>): boolean
  /** Check the current text now (normally debounced after each change). */
  validateNow(): Promise<void>
  openPatchset(text: string, fileName: string): Promise<void>
  applyPatch(name: string): Promise<void>
  closePatchset(): void
  /** Save back to the file (Electron) or download it (browser); clears the unsaved flag. */
  save(): Promise<void>
  /** Download a copy of the current text. */
  exportCopy(): void
  /** Configure the view-only extensions (line numbers, keymaps, theme). */
  setViewExtensions(extensions: Extension): void
  dismissNotice(): void
}

export type WorkspaceEditorStore = StoreApi<WorkspaceEditorState & WorkspaceEditorActions>

export interface WorkspaceEditorOptions {
  /** Delay between the last change and the engine's check. */
  debounceMs?: number
  /** Told each time the edited text is a valid workspace with a new summary. */
  onSummary?: (summary: WorkspaceSummary) => void
  /** Offers text as a file (the browser's download). */
  download?: (text: string, fileName: string) => void
  host?: 'electron' | 'serve'
}

const viewConfig = new Compartment()

const USER_MOVES = ['select', 'input.type', 'input.paste', 'delete']

function createDoc(text: string, viewExtensions: Extension): EditorState {
  return EditorState.create({ doc: text, extensions: [history(), jsonLanguage(), viewConfig.of(viewExtensions)] })
}

/** Where JSON.parse stopped, from its message (V8 says `at position N`, newer ones add line and column). */
function syntaxProblem(state: EditorState, error: unknown): EditorProblem {
  const raw = error instanceof Error ? error.message : String(error)
  const position = /position (\d+)/.exec(raw)
  const lineColumn = /line (\d+) column (\d+)/.exec(raw)
  let from = state.doc.length
  if (position) from = Math.min(Number(position[1]), state.doc.length)
  else if (lineColumn) from = Math.min(lineStart(state, Number(lineColumn[1])).from + Number(lineColumn[2]) - 1, state.doc.length)
  const message = raw.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '')
  const line = state.doc.lineAt(from)
  return { code: 'E_JSON_SYNTAX', message: `JSON syntax: ${message}`, line: line.number, from, to: Math.min(from + 1, line.to) }
}

/** An engine error placed in the text: at its JSON path when it has one, else at its line. */
export function placeProblem(state: EditorState, error: ApiError): EditorProblem {
  let from = 0
  let to = 0
  const message = error.message
  if (error.path) {
    const location = locateJsonPath(state, parseJsonPath(error.path))
    if (location) {
      from = location.from
      to = location.to
    }
  } else if (error.line !== undefined) {
    ;({ from, to } = lineStart(state, error.line))
  }
  const line = state.doc.lineAt(from)
  to = Math.max(Math.min(to, line.to), Math.min(from + 1, state.doc.length))
  const problem: EditorProblem = { code: error.code, message, line: line.number, from, to }
  if (error.path) problem.path = error.path
  return problem
}

function diagnosticsOf(problems: readonly EditorProblem[]): Diagnostic[] {
  return problems.map((p) => ({
    from: p.from,
    to: p.to,
    severity: 'error',
    message: p.path && !p.message.includes(p.path) ? `${p.path}: ${p.message}` : p.message,
    source: p.code === 'E_JSON_SYNTAX' ? 'JSON' : 'pyhf workspace',
  }))
}

function lineIndent(state: EditorState, pos: number): string {
  return /^[ \t]*/.exec(state.doc.lineAt(pos).text)![0]
}

/** Engine output is compact JSON: spread it over lines like the text it replaces. */
function presentable(text: string, indent: string): string {
  if (text.includes('\n')) return text
  try {
    return JSON.stringify(JSON.parse(text), null, indent) + '\n'
  } catch {
    return text
  }
}

export function stemOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName
  return base.replace(/\.json$/i, '').replace(/[^\w.-]+/g, '_') || 'workspace'
}

export function createWorkspaceEditorStore(api: EditorApi, options: WorkspaceEditorOptions = {}): WorkspaceEditorStore {
  const debounceMs = options.debounceMs ?? 300
  let viewExtensions: Extension = []
  let timer: ReturnType<typeof setTimeout> | null = null
  /** Bumped on every change of the text: results for an older text are dropped. */
  let generation = 0
  /** The text whose summary the rest of the studio already shows. */
  let summaryText: string | null = null
  /** The text as last opened or saved (compared chunk by chunk: no copy of the text per keystroke). */
  let saved: Text = Text.empty

  return createStore<WorkspaceEditorState & WorkspaceEditorActions>()((set, get) => {
    function historyFlags(doc: EditorState): Pick<WorkspaceEditorState, 'canUndo' | 'canRedo'> {
      return { canUndo: undoDepth(doc) > 0, canRedo: redoDepth(doc) > 0 }
    }

    function schedule(): void {
      if (timer !== null) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        void get().validateNow()
      }, debounceMs)
    }

    /** Show problems as diagnostics in the text (a transaction without changes: not in the history). */
    function showProblems(problems: EditorProblem[]): void {
      const { doc } = get()
      const tr = doc.update(setDiagnostics(doc, diagnosticsOf(problems)))
      set({ problems, doc: tr.state, lastTransactions: [tr] })
    }

    function dispatch(spec: TransactionSpec): void {
      get().apply([get().doc.update(spec)])
    }

    function isolated(spec: TransactionSpec, userEvent: string): TransactionSpec {
      return { ...spec, annotations: [isolateHistory.of('full'), Transaction.userEvent.of(userEvent)], scrollIntoView: true }
    }

    function fail(error: unknown): void {
      set({ notice: { kind: 'error', text: toApiError(error).message } })
    }

    return {
      status: 'idle',
      doc: createDoc('', viewExtensions),
      lastTransactions: [],
      fileName: 'workspace.json',
      path: null,
      dirty: false,
      json: null,
      outline: null,
      jsonValid: false,
      summary: null,
      publishedSummary: null,
      problems: [],
      validating: false,
      selectedPath: null,
      cursorPath: null,
      patchset: null,
      notice: null,
      canUndo: false,
      canRedo: false,

      open(source) {
        generation++
        summaryText = source.text
        const doc = createDoc(source.text, viewExtensions)
        saved = doc.doc
        set({
          status: 'ready',
          doc,
          lastTransactions: [],
          fileName: source.fileName ?? 'workspace.json',
          path: source.path ?? null,
          dirty: false,
          json: null,
          outline: null,
          jsonValid: false,
          problems: [],
          selectedPath: null,
          cursorPath: null,
          notice: null,
          ...historyFlags(doc),
        })
        void get().validateNow()
      },

      async loadFromBackend() {
        set({ status: 'loading' })
        try {
          const source = await api.workspaceSource()
          if (source === null) set({ status: 'unavailable' })
          else get().open(source)
        } catch (error) {
          set({ status: 'unavailable' })
          fail(error)
        }
      },

      apply(transactions) {
        if (transactions.length === 0) return
        const doc = transactions[transactions.length - 1]!.state
        const changed = transactions.some((tr) => tr.docChanged)
        // the user moving the cursor or typing in the JSON view (not a tree edit, a patch or an undo)
        const moved = transactions.some((tr) => tr.selection !== undefined && USER_MOVES.some((event) => tr.isUserEvent(event)))
        const cursor = moved ? { cursorPath: jsonPathAt(doc, doc.selection.main.head) } : {}
        if (!changed) {
          set({ doc, lastTransactions: transactions, ...cursor })
          return
        }
        generation++
        set({ doc, lastTransactions: transactions, dirty: !doc.doc.eq(saved), ...historyFlags(doc), ...cursor })
        schedule()
      },

      replaceText(text, userEvent = 'input.replace') {
        const { doc } = get()
        dispatch(isolated({ changes: { from: 0, to: doc.doc.length, insert: text }, selection: { anchor: 0 } }, userEvent))
      },

      undo() {
        return undo({ state: get().doc, dispatch: (tr) => get().apply([tr]) })
      },

      redo() {
        return redo({ state: get().doc, dispatch: (tr) => get().apply([tr]) })
      },

      select(path) {
        set({ selectedPath: path })
        if (path === null) return
        const location = locateJsonPath(get().doc, path)
        if (!location) return
        // the head at the start: the view scrolls to where the value begins
        dispatch({ selection: { anchor: location.to, head: location.from }, scrollIntoView: true })
      },

      setValue(path, value) {
        const { doc, json, jsonValid } = get()
        if (!jsonValid) return false
        const location = locateJsonPath(doc, path)
        if (!location) return false
        const ancestor = path.slice(0, location.depth)
        const replacement = location.depth === path.length ? value : setIn(getIn(json, ancestor), path.slice(location.depth), value)
        const insert = formatJsonValue(replacement, detectIndent(doc.doc.toString()), lineIndent(doc, location.from))
        dispatch(isolated({ changes: { from: location.from, to: location.to, insert }, selection: { anchor: location.from } }, 'input.tree'))
        const next = setIn(json, path, value)
        set({ json: next, outline: outline(next) })
        return true
      },

      renameSample(channel, sample, name) {
        return get().setValue(['channels', channel, 'samples', sample, 'name'], name)
      },

      setPoi(measurement, poi) {
        return get().setValue(['measurements', measurement, 'config', 'poi'], poi)
      },

      setParameter(measurement, name, changes) {
        const { json } = get()
        const listPath = ['measurements', measurement, 'config', 'parameters']
        const configs = getIn(json, listPath)
        const entries = Array.isArray(configs) ? (configs as PyhfParameterConfig[]) : []
        const index = entries.findIndex((p) => p !== null && typeof p === 'object' && p.name === name)
        if (index < 0) return get().setValue([...listPath, entries.length], { name, ...changes })
        return get().setValue([...listPath, index], { ...entries[index], ...changes })
      },

      async validateNow() {
        if (timer !== null) {
          clearTimeout(timer)
          timer = null
        }
        const mine = generation
        const { doc, fileName } = get()
        const text = doc.doc.toString()
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch (error) {
          set({ jsonValid: false, validating: false })
          showProblems([syntaxProblem(doc, error)])
          return
        }
        set({ json: parsed, outline: outline(parsed), jsonValid: true, validating: true })
        let result
        try {
          result = await api.validateWorkspaceText(text, fileName)
        } catch (error) {
          if (mine === generation) {
            set({ validating: false })
            fail(error)
          }
          return
        }
        if (mine !== generation) return
        set({ validating: false })
        if (!result.ok) {
          showProblems([placeProblem(get().doc, result.error)])
          return
        }
        const summary = { ...result.summary, file: fileName }
        set({ summary })
        showProblems([])
        if (text !== summaryText) {
          summaryText = text
          set({ publishedSummary: summary })
          options.onSummary?.(summary)
        }
      },

      async openPatchset(text, fileName) {
        try {
          const summary = await api.describePatchset(text, fileName)
          set({ patchset: { fileName, text, summary }, notice: null })
        } catch (error) {
          const e = toApiError(error)
          const where = e.path ? ` at ${e.path}` : e.line !== undefined ? ` on line ${e.line}` : ''
          set({ notice: { kind: 'error', text: `${fileName}${where}: ${e.message}` } })
        }
      },

      async applyPatch(name) {
        const { patchset, doc } = get()
        if (!patchset) return
        const text = doc.doc.toString()
        try {
          const patched = await api.applyPatchset(text, patchset.text, name)
          if (get().doc.doc.toString() !== text) {
            set({ notice: { kind: 'error', text: 'The text changed while the patch was applied: apply it again.' } })
            return
          }
          get().replaceText(presentable(patched, detectIndent(text)), 'input.patch')
          set({ notice: { kind: 'info', text: `Applied patch ${name} of ${patchset.fileName}. Undo reverts it.` } })
          await get().validateNow()
        } catch (error) {
          fail(error)
        }
      },

      closePatchset() {
        set({ patchset: null })
      },

      async save() {
        const { doc, path, fileName } = get()
        const text = doc.doc.toString()
        if (options.host === 'electron' && path !== null) {
          try {
            const summary = await api.saveWorkspaceFile(path, text)
            saved = doc.doc
            set({ dirty: !get().doc.doc.eq(saved), notice: { kind: 'info', text: `Saved ${path}.` } })
            if (text !== summaryText) {
              summaryText = text
              set({ publishedSummary: { ...summary, file: fileName } })
              options.onSummary?.({ ...summary, file: fileName })
            }
          } catch (error) {
            const e = toApiError(error)
            if (e.path || e.line !== undefined) showProblems([placeProblem(get().doc, e)])
            set({ notice: { kind: 'error', text: `Not saved: ${e.path ? `${formatJsonPath(parseJsonPath(e.path))}: ` : ''}${e.message}` } })
          }
          return
        }
        const name = `${stemOf(fileName)}.json`
        options.download?.(text, name)
        saved = doc.doc
        set({ dirty: !get().doc.doc.eq(saved), notice: { kind: 'info', text: `Downloaded ${name}.` } })
      },

      exportCopy() {
        const { doc, fileName } = get()
        const name = `${stemOf(fileName)}-edited.json`
        options.download?.(doc.doc.toString(), name)
        set({ notice: { kind: 'info', text: `Exported ${name}.` } })
      },

      setViewExtensions(extensions) {
        viewExtensions = extensions
        dispatch({ effects: viewConfig.reconfigure(extensions) })
      },

      dismissNotice() {
        set({ notice: null })
      },
    }
  })
}
