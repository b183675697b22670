// @vitest-environment jsdom
import { forEachDiagnostic } from '@codemirror/lint'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ApiError, PatchsetSummary, WorkspaceSource, WorkspaceSummary, WorkspaceValidation } from '../../../preload/api'
import { locateJsonPath, parseJsonPath } from '../../../renderer/src/editor/jsonPath'
import { StudioProvider } from '../../../renderer/src/store/context'
import { createStudioStore } from '../../../renderer/src/store/studio'
import { createWorkspaceEditorStore, type EditorApi, type WorkspaceEditorStore } from '../../../renderer/src/store/workspace-editor'
import { connectEditorToStudio, WorkspaceEditorProvider } from '../../../renderer/src/store/workspace-editor-context'
import { WorkspaceEditor } from '../../../renderer/src/views/workspace/WorkspaceEditor'
import { FakeHistuneApi } from './fixtures'

afterEach(cleanup)

// jsdom has no layout: CodeMirror measures text through Range rectangles, which it lacks.
const noRects = (): DOMRectList => Object.assign([], { item: () => null }) as unknown as DOMRectList
Range.prototype.getClientRects ??= noRects
Range.prototype.getBoundingClientRect ??= () => new DOMRect()

const WORKSPACE = {
  version: '1.0.0',
  channels: [
    {
      name: 'SR',
      samples: [
        { name: 'signal', data: [1, 2, 3], modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
        { name: 'background', data: [10, 20, 30], modifiers: [{ name: 'bkg_norm', type: 'normsys', data: { hi: 1.05, lo: 0.95 } }] },
      ],
    },
  ],
  observations: [{ name: 'SR', data: [11, 22, 33] }],
  measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [] } }],
}
const TEXT = JSON.stringify(WORKSPACE, null, 2)

interface Ws {
  channels: { name: string; samples: { name: string; data: unknown[]; modifiers: { name: string; type: string }[] }[] }[]
  observations: { name: string; data: number[] }[]
  measurements: { name: string; config: { poi: string } }[]
}

/**
 * A stand-in for the engine that checks what these tests break (yields must be non-negative
 * numbers, the POI must be a normfactor) and summarises the rest as the engine would.
 */
class FakeEditorApi implements EditorApi {
  calls: string[] = []
  source: WorkspaceSource | null = { text: TEXT, fileName: '/data/ws.json', path: '/data/ws.json' }
  patched: string | null = null

  async workspaceSource() {
    this.calls.push('workspaceSource')
    return this.source
  }

  async validateWorkspaceText(text: string): Promise<WorkspaceValidation> {
    this.calls.push('validateWorkspaceText')
    const ws = JSON.parse(text) as Ws
    for (const [c, channel] of ws.channels.entries()) {
      for (const [s, sample] of channel.samples.entries()) {
        for (const [b, y] of sample.data.entries()) {
          if (typeof y !== 'number' || y < 0) {
            return { ok: false, error: { code: 'E_SCHEMA', message: `${JSON.stringify(y)} is not a non-negative number`, path: `channels[${c}].samples[${s}].data[${b}]` } }
          }
        }
      }
    }
    const poi = ws.measurements[0]!.config.poi
    if (!ws.channels.some((c) => c.samples.some((s) => s.modifiers.some((m) => m.name === poi)))) {
      return { ok: false, error: { code: 'E_WORKSPACE', message: `the POI ${poi} is not a parameter`, path: 'measurements[0].config.poi' } }
    }
    return { ok: true, summary: summarise(ws) }
  }

  async saveWorkspaceFile(path: string, text: string): Promise<WorkspaceSummary> {
    this.calls.push(`save ${path}`)
    return summarise(JSON.parse(text) as Ws)
  }

  async describePatchset(text: string): Promise<PatchsetSummary> {
    this.calls.push('describePatchset')
    const ps = JSON.parse(text) as { patches: { metadata: { name: string; values: number[] }; patch: unknown[] }[] }
    return { description: 'signal points', labels: ['mass'], digests: { sha256: 'x' }, version: '1.0.0', patches: ps.patches.map((p) => ({ name: p.metadata.name, values: p.metadata.values, operations: p.patch.length })) }
  }

  async applyPatchset(workspaceText: string, _patchset: string, name: string): Promise<string> {
    this.calls.push(`applyPatchset ${name}`)
    if (name === 'stale') throw { code: 'E_WORKSPACE', message: 'the patchset was made for another workspace (sha256 digest differs)', path: 'metadata.digests.sha256' } satisfies ApiError
    const ws = JSON.parse(workspaceText) as Ws
    ws.channels[0]!.samples[0]!.data = [5, 5, 5]
    return JSON.stringify(ws)
  }
}

function summarise(ws: Ws): WorkspaceSummary {
  const channels = ws.channels.map((c, i) => {
    const samples = c.samples.map((s) => {
      const yields = s.data as number[]
      return { name: s.name, channel: c.name, yields, total: yields.reduce((a, b) => a + b, 0), modifiers: s.modifiers.map((m) => ({ name: m.name, type: m.type as 'normfactor' })) }
    })
    return { name: c.name, nBins: samples[0]?.yields.length ?? 0, observed: ws.observations[i]?.data ?? [], samples }
  })
  return {
    version: '1.0.0',
    measurement: ws.measurements[0]!.name,
    measurements: ws.measurements.map((m) => ({ name: m.name, poi: m.config.poi })),
    poi: ws.measurements[0]!.config.poi,
    channels,
    samples: channels.flatMap((c) => c.samples),
    modifiers: [],
    parameters: [
      { name: 'mu', componentNames: ['mu'], modifierType: 'normfactor', n: 1, inits: [1], bounds: [[0, 10]], fixed: false, constraint: null, auxdata: [] },
      { name: 'bkg_norm', componentNames: ['bkg_norm'], modifierType: 'normsys', n: 1, inits: [0], bounds: [[-5, 5]], fixed: false, constraint: 'normal', auxdata: [0] },
    ],
    nParameters: 2,
    nBins: channels.reduce((n, c) => n + c.nBins, 0),
  }
}

const text = (editor: WorkspaceEditorStore): string => editor.getState().doc.doc.toString()

function lineOf(source: string, needle: string, occurrence = 0): number {
  let index = -1
  for (let i = 0; i <= occurrence; i++) index = source.indexOf(needle, index + 1)
  return source.slice(0, index).split('\n').length
}

async function openEditor(api = new FakeEditorApi(), host: 'electron' | 'serve' = 'electron') {
  const download = vi.fn()
  const editor = createWorkspaceEditorStore(api, { debounceMs: 5, host, download })
  await editor.getState().loadFromBackend()
  await editor.getState().validateNow()
  return { api, editor, download }
}

/** Replace the first occurrence of `from` in the text, as typing in the JSON view would. */
function typeOver(editor: WorkspaceEditorStore, from: string, to: string, occurrence = 0): void {
  const current = text(editor)
  let at = -1
  for (let i = 0; i <= occurrence; i++) at = current.indexOf(from, at + 1)
  expect(at).toBeGreaterThanOrEqual(0)
  const { doc } = editor.getState()
  editor.getState().apply([doc.update({ changes: { from: at, to: at + from.length, insert: to }, userEvent: 'input.type' })])
}

function diagnostics(editor: WorkspaceEditorStore): { from: number; message: string }[] {
  const out: { from: number; message: string }[] = []
  forEachDiagnostic(editor.getState().doc, (d, from) => out.push({ from, message: d.message }))
  return out
}

describe('workspace editor store', () => {
  it('opens the backend text clean and valid, with the tree and summary', async () => {
    const { editor } = await openEditor()
    const s = editor.getState()
    expect(s.status).toBe('ready')
    expect(s.dirty).toBe(false)
    expect(s.problems).toEqual([])
    expect(s.outline?.channels[0]?.samples.map((x) => x.name)).toEqual(['signal', 'background'])
    expect(s.summary?.channels[0]?.samples[1]?.total).toBe(60)
    expect(s.publishedSummary).toBeNull()
    expect(s.canUndo).toBe(false)
  })

  it('a JSON edit updates the tree and the summary, and marks the text unsaved', async () => {
    const { editor } = await openEditor()
    typeOver(editor, '30', '130')
    expect(editor.getState().dirty).toBe(true)
    await editor.getState().validateNow()
    const s = editor.getState()
    expect(s.outline?.channels[0]?.samples[1]?.data).toEqual([10, 20, 130])
    expect(s.summary?.channels[0]?.samples[1]?.total).toBe(160)
    expect(s.publishedSummary?.channels[0]?.samples[1]?.total).toBe(160)
  })

  it('puts a JSON syntax error at its line and keeps the last parse for the tree', async () => {
    const { editor } = await openEditor()
    typeOver(editor, '"background",', '"background"')
    await editor.getState().validateNow()
    const s = editor.getState()
    expect(s.jsonValid).toBe(false)
    expect(s.problems).toHaveLength(1)
    expect(s.problems[0]!.code).toBe('E_JSON_SYNTAX')
    // the parser stops at the next line, where the comma is missing
    expect(s.problems[0]!.line).toBe(lineOf(text(editor), '"background"') + 1)
    expect(s.outline?.channels[0]?.samples).toHaveLength(2)
    expect(diagnostics(editor)).toHaveLength(1)
  })

  it('shows an engine error at its JSON path, and undo takes it away', async () => {
    const { editor } = await openEditor()
    typeOver(editor, '20', '-20')
    await editor.getState().validateNow()
    const s = editor.getState()
    expect(s.problems).toHaveLength(1)
    const problem = s.problems[0]!
    expect(problem.path).toBe('channels[0].samples[1].data[1]')
    expect(problem.line).toBe(lineOf(text(editor), '-20'))
    expect(text(editor).slice(problem.from, problem.to)).toBe('-20')
    expect(diagnostics(editor)).toEqual([{ from: problem.from, message: expect.stringContaining('not a non-negative number') }])

    expect(editor.getState().undo()).toBe(true)
    await editor.getState().validateNow()
    expect(text(editor)).toBe(TEXT)
    expect(editor.getState().problems).toEqual([])
    expect(diagnostics(editor)).toEqual([])
    expect(editor.getState().dirty).toBe(false)
    expect(editor.getState().canRedo).toBe(true)
    editor.getState().redo()
    expect(text(editor)).toContain('-20')
    expect(editor.getState().dirty).toBe(true)
  })

  it('locates paths through any formatting', async () => {
    const { editor } = await openEditor()
    editor.getState().replaceText(JSON.stringify(WORKSPACE))
    const state = editor.getState().doc
    const loc = locateJsonPath(state, parseJsonPath('channels[0].samples[1].name'))!
    expect(state.sliceDoc(loc.from, loc.to)).toBe('"background"')
    const missing = locateJsonPath(state, parseJsonPath('measurements[0].config.parameters[3]'))!
    expect(missing.depth).toBe(4)
    expect(state.sliceDoc(missing.from, missing.to)).toBe('[]')
  })

  it('a tree rename edits only the name in the text and is one undo step', async () => {
    const { editor } = await openEditor()
    expect(editor.getState().renameSample(0, 1, 'ttbar')).toBe(true)
    const after = text(editor)
    expect(after).toBe(TEXT.replace('"background"', '"ttbar"'))
    expect(editor.getState().outline?.channels[0]?.samples[1]?.name).toBe('ttbar')
    expect(editor.getState().dirty).toBe(true)
    editor.getState().undo()
    expect(text(editor)).toBe(TEXT)
    expect(editor.getState().dirty).toBe(false)
  })

  it("a parameter's init and bounds from the tree add a config entry, then change it", async () => {
    const { editor } = await openEditor()
    editor.getState().setParameter(0, 'mu', { inits: [2], bounds: [[0, 20]] })
    let ws = JSON.parse(text(editor)) as { measurements: { config: { parameters: unknown[] } }[] }
    expect(ws.measurements[0]!.config.parameters).toEqual([{ name: 'mu', inits: [2], bounds: [[0, 20]] }])
    editor.getState().setParameter(0, 'mu', { fixed: true })
    ws = JSON.parse(text(editor)) as typeof ws
    expect(ws.measurements[0]!.config.parameters).toEqual([{ name: 'mu', inits: [2], bounds: [[0, 20]], fixed: true }])
    // the rest of the text keeps its formatting
    expect(text(editor).startsWith(TEXT.slice(0, TEXT.indexOf('"measurements"')))).toBe(true)
    await editor.getState().validateNow()
    expect(editor.getState().problems).toEqual([])
    editor.getState().undo()
    editor.getState().undo()
    expect(text(editor)).toBe(TEXT)
  })

  it('selecting a node selects its value in the text', async () => {
    const { editor } = await openEditor()
    editor.getState().select(['channels', 0, 'samples', 1, 'data'])
    const { doc } = editor.getState()
    const range = doc.selection.main
    expect(doc.sliceDoc(range.from, range.to).replace(/\s+/g, '')).toBe('[10,20,30]')
    expect(editor.getState().canUndo).toBe(false)
  })

  it('applies a patch of a patchset as one undoable step, and reports a digest mismatch', async () => {
    const { editor, api } = await openEditor()
    await editor.getState().openPatchset('{"metadata": {"digests": {}}, "patches": [{"metadata": {"name": "m500", "values": [500]}, "patch": [{}]}], "version": "1.0.0"}', 'patchset.json')
    expect(editor.getState().patchset?.summary.patches.map((p) => p.name)).toEqual(['m500'])
    await editor.getState().applyPatch('m500')
    expect(api.calls).toContain('applyPatchset m500')
    expect((JSON.parse(text(editor)) as Ws).channels[0]!.samples[0]!.data).toEqual([5, 5, 5])
    expect(text(editor)).toContain('\n') // spread over lines, not the engine's one-line JSON
    expect(editor.getState().summary?.channels[0]?.samples[0]?.total).toBe(15)
    editor.getState().undo()
    expect(text(editor)).toBe(TEXT)
    await editor.getState().applyPatch('stale')
    expect(editor.getState().notice).toEqual({ kind: 'error', text: expect.stringContaining('digest') })
    expect(text(editor)).toBe(TEXT)
  })

  it('saves back to the file in Electron and downloads in the browser', async () => {
    const electron = await openEditor()
    typeOver(electron.editor, '"meas"', '"main"')
    await electron.editor.getState().save()
    expect(electron.api.calls).toContain('save /data/ws.json')
    expect(electron.editor.getState().dirty).toBe(false)
    expect(electron.download).not.toHaveBeenCalled()

    const browser = await openEditor(new FakeEditorApi(), 'serve')
    typeOver(browser.editor, '"meas"', '"main"')
    await browser.editor.getState().save()
    expect(browser.download).toHaveBeenCalledWith(text(browser.editor), 'ws.json')
    expect(browser.editor.getState().dirty).toBe(false)
    browser.editor.getState().exportCopy()
    expect(browser.download).toHaveBeenLastCalledWith(text(browser.editor), 'ws-edited.json')
  })

  it('validates by itself a moment after typing stops, dropping stale answers', async () => {
    const { editor, api } = await openEditor()
    const before = api.calls.filter((c) => c === 'validateWorkspaceText').length
    typeOver(editor, '30', '31')
    typeOver(editor, '31', '32')
    await waitFor(() => expect(editor.getState().summary?.channels[0]?.samples[1]?.total).toBe(62))
    expect(api.calls.filter((c) => c === 'validateWorkspaceText').length).toBe(before + 1)
  })
})

describe('editor and studio together', () => {
  function connected(confirmAnswer: boolean) {
    const api = new FakeEditorApi()
    const editor = createWorkspaceEditorStore(api, { debounceMs: 5, host: 'electron' })
    const studio = createStudioStore(new FakeHistuneApi(), 'electron')
    const confirm = vi.fn(() => confirmAnswer)
    const listeners: Record<string, (e: Event) => void> = {}
    const win = { addEventListener: (type: string, f: (e: Event) => void) => (listeners[type] = f), removeEventListener: vi.fn() } as unknown as Window
    connectEditorToStudio(editor, studio, { confirm, window: win })
    return { api, editor, studio, confirm, listeners }
  }

  it('a valid edit becomes the summary every view shows', async () => {
    const { editor, studio } = connected(true)
    await editor.getState().loadFromBackend()
    await editor.getState().validateNow()
    typeOver(editor, '30', '130')
    await editor.getState().validateNow()
    expect(studio.getState().summary?.channels[0]?.samples[1]?.total).toBe(160)
  })

  it('asks before another workspace replaces unsaved edits, and keeps the draft when told to', async () => {
    const kept = connected(false)
    await kept.editor.getState().loadFromBackend()
    await kept.editor.getState().validateNow()
    typeOver(kept.editor, '30', '130')
    await kept.editor.getState().validateNow()
    kept.api.source = { text: '{"other": true}', fileName: 'other.json' }
    kept.studio.setState({ summary: { ...summarise(WORKSPACE as Ws), file: 'other.json' } })
    expect(kept.confirm).toHaveBeenCalledWith(expect.stringContaining('other.json'))
    expect(text(kept.editor)).toContain('130')
    expect(kept.studio.getState().summary?.channels[0]?.samples[1]?.total).toBe(160)

    const replaced = connected(true)
    await replaced.editor.getState().loadFromBackend()
    typeOver(replaced.editor, '30', '130')
    replaced.api.source = { text: '{"other": true}', fileName: 'other.json' }
    replaced.studio.setState({ summary: { ...summarise(WORKSPACE as Ws), file: 'other.json' } })
    await waitFor(() => expect(text(replaced.editor)).toBe('{"other": true}'))
    expect(replaced.editor.getState().dirty).toBe(false)
  })

  it('blocks closing the page only while there are unsaved edits', async () => {
    const { editor, listeners } = connected(true)
    await editor.getState().loadFromBackend()
    const clean = new Event('beforeunload', { cancelable: true })
    listeners.beforeunload!(clean)
    expect(clean.defaultPrevented).toBe(false)
    typeOver(editor, '30', '130')
    const dirty = new Event('beforeunload', { cancelable: true })
    listeners.beforeunload!(dirty)
    expect(dirty.defaultPrevented).toBe(true)
  })
})

describe('workspace editor view', () => {
  async function renderEditor() {
    const api = new FakeEditorApi()
    const editor = createWorkspaceEditorStore(api, { debounceMs: 5, host: 'electron' })
    const studio = createStudioStore(new FakeHistuneApi(), 'electron')
    render(
      <StudioProvider store={studio}>
        <WorkspaceEditorProvider store={editor}>
          <WorkspaceEditor />
        </WorkspaceEditorProvider>
      </StudioProvider>,
    )
    await waitFor(() => expect(screen.getByTestId('editor-validity').textContent).toBe('Valid pyhf workspace'))
    return { api, editor }
  }

  it('shows the tree, the JSON text and the summary', async () => {
    const { editor } = await renderEditor()
    const tree = screen.getByRole('tree', { name: 'Workspace structure' })
    expect(within(tree).getByRole('treeitem', { name: 'background, 60' })).toBeTruthy()
    expect(screen.getByTestId('json-editor').textContent).toContain('"background"')
    expect(screen.getByTestId('editor-summary').textContent).toContain('expected 66')
    expect(text(editor)).toBe(TEXT)
  })

  it('a JSON edit updates the tree; selecting a node reveals it in the JSON view', async () => {
    const { editor } = await renderEditor()
    act(() => typeOver(editor, '30', '130'))
    await waitFor(() => expect(screen.getByRole('treeitem', { name: 'background, 160' })).toBeTruthy())
    expect(screen.getByTestId('json-editor').textContent).toContain('130')
    expect(screen.getByTestId('editor-dirty').textContent).toBe('Unsaved changes')
    fireEvent.click(screen.getByRole('treeitem', { name: 'background, 160' }))
    const { doc } = editor.getState()
    expect(doc.sliceDoc(doc.selection.main.from, doc.selection.main.from + 1)).toBe('{')
    expect(screen.getByRole('treeitem', { name: 'background, 160' }).getAttribute('aria-selected')).toBe('true')
  })

  it('the tree follows the cursor in the JSON view', async () => {
    const { editor } = await renderEditor()
    const at = text(editor).indexOf('"bkg_norm"') + 2
    act(() => editor.getState().apply([editor.getState().doc.update({ selection: { anchor: at }, userEvent: 'select.pointer' })]))
    expect(editor.getState().cursorPath).toEqual(['channels', 0, 'samples', 1, 'modifiers', 0, 'name'])
    const modifier = await screen.findByRole('treeitem', { name: 'bkg_norm, normsys' })
    expect(modifier.getAttribute('aria-selected')).toBe('true')
  })

  it('renames a sample from the inspector, and Ctrl+Z in the tree undoes it', async () => {
    const { editor } = await renderEditor()
    fireEvent.click(screen.getByRole('treeitem', { name: 'background, 60' }))
    const name = screen.getByLabelText('Sample name')
    fireEvent.change(name, { target: { value: 'ttbar' } })
    fireEvent.keyDown(name, { key: 'Enter' })
    expect(text(editor)).toContain('"ttbar"')
    await waitFor(() => expect(screen.getByRole('treeitem', { name: 'ttbar, 60' })).toBeTruthy())
    fireEvent.keyDown(screen.getByRole('treeitem', { name: 'ttbar, 60' }), { key: 'z', ctrlKey: true })
    expect(text(editor)).toBe(TEXT)
    expect(screen.getByRole('button', { name: 'Redo' })).toHaveProperty('disabled', false)
  })

  it("sets a parameter's initial value and bounds from the inspector", async () => {
    const { editor } = await renderEditor()
    const measurement = screen.getByRole('treeitem', { name: 'meas, POI mu' })
    fireEvent.keyDown(measurement, { key: 'ArrowRight' })
    fireEvent.click(await screen.findByRole('treeitem', { name: 'mu, normfactor' }))
    const init = screen.getByLabelText('Initial value')
    expect((init as HTMLInputElement).value).toBe('1')
    fireEvent.change(init, { target: { value: '2.5' } })
    fireEvent.blur(init)
    fireEvent.change(screen.getByLabelText('Upper bound'), { target: { value: '4' } })
    fireEvent.keyDown(screen.getByLabelText('Upper bound'), { key: 'Enter' })
    const ws = JSON.parse(text(editor)) as { measurements: { config: { parameters: unknown[] } }[] }
    expect(ws.measurements[0]!.config.parameters).toEqual([{ name: 'mu', inits: [2.5], bounds: [[0, 4]] }])
    // the inspector stays on the parameter, now configured
    expect(screen.getByTestId('node-inspector').textContent).toContain('configured in this measurement')
    fireEvent.change(screen.getByLabelText('Lower bound'), { target: { value: '5' } })
    fireEvent.blur(screen.getByLabelText('Lower bound'))
    expect(screen.getByRole('alert').textContent).toBe('The lower bound must not exceed the upper bound.')
    expect(JSON.parse(text(editor))).toEqual(ws)
  })

  it('lists a schema problem with its path and line', async () => {
    const { editor } = await renderEditor()
    act(() => typeOver(editor, '20', '-20'))
    const problems = await screen.findByTestId('problems')
    expect(problems.textContent).toContain(`line ${lineOf(text(editor), '-20')} · channels[0].samples[1].data[1]`)
    expect(screen.getByTestId('editor-validity').textContent).toBe('1 problem')
  })
})
