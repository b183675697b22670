import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dispatch, createBackend, type Backend } from '../../../main/services/backend'
import { openConfSettings } from '../../../main/settings/conf'

const tutorialFile = join(__dirname, '../../../resources/examples/tutorial/workspace.json')
const tutorial = readFileSync(tutorialFile, 'utf8')
const TUTORIAL_SHA256 = '87d0d742b7ad2e01e789cebde51ae3c026f7556dd400700be819e899362d9516'
const dir = mkdtempSync(join(tmpdir(), 'histune-editor-backend-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function backend(host: 'electron' | 'serve'): Backend {
  const settings = openConfSettings({ cwd: mkdtempSync(join(dir, 'settings-')) })
  return createBackend({ host, settings, emit: () => undefined })
}

const patchset = (digest: string): string =>
  JSON.stringify({
    metadata: { description: 'signal scale', digests: { sha256: digest }, labels: ['scale'], references: { hepdata: 'ins1234567' } },
    patches: [{ metadata: { name: 'double', values: [2] }, patch: [{ op: 'replace', path: '/channels/0/samples/0/data/10', value: 7 }] }],
    version: '1.0.0',
  })

describe('the workspace editor requests, on the real engine', () => {
  it('gives the text of the workspace last loaded, with a path to save to only in Electron', async () => {
    const serve = backend('serve')
    await expect(serve.workspaceSource()).resolves.toBeNull()
    await serve.loadWorkspaceText(tutorial, 'dropped.json')
    await expect(serve.workspaceSource()).resolves.toEqual({ text: tutorial, fileName: 'dropped.json' })
    await serve.openWorkspaceFile(tutorialFile)
    await expect(serve.workspaceSource()).resolves.toEqual({ text: tutorial, fileName: tutorialFile })

    const electron = backend('electron')
    await electron.openWorkspaceFile(tutorialFile)
    await expect(electron.workspaceSource()).resolves.toEqual({ text: tutorial, fileName: tutorialFile, path: tutorialFile })
  })

  it('returns validation problems as data, with the JSON path or line', async () => {
    const api = backend('serve')
    const ok = await api.validateWorkspaceText(tutorial)
    expect(ok.ok && ok.summary.channels[0]!.name).toBe('SR')
    const broken = await api.validateWorkspaceText(tutorial.replace('9.51625819640405,', '"lots",'))
    expect(broken).toEqual({ ok: false, error: expect.objectContaining({ code: 'E_SCHEMA', path: 'channels[0].samples[1].data[0]' }) })
    // the comma missing after line 2 is found where the next member starts
    const syntax = await api.validateWorkspaceText(tutorial.replace('"version": "1.0.0",', '"version": "1.0.0"'))
    expect(syntax).toEqual({ ok: false, error: expect.objectContaining({ code: 'E_JSON_SYNTAX', line: 3 }) })
  })

  it('saves a valid workspace back to its file in Electron, and refuses otherwise', async () => {
    const file = join(dir, 'ws.json')
    writeFileSync(file, tutorial)
    const electron = backend('electron')
    const edited = tutorial.replace('"tutorial"', '"edited"')
    const summary = await electron.saveWorkspaceFile(file, edited)
    expect(summary.measurement).toBe('edited')
    expect(readFileSync(file, 'utf8')).toBe(edited)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])

    await expect(electron.saveWorkspaceFile(file, edited.replace('9.51625819640405,', '"lots",'))).rejects.toMatchObject({
      code: 'E_SCHEMA',
      path: 'channels[0].samples[1].data[0]',
    })
    expect(readFileSync(file, 'utf8')).toBe(edited)
    await expect(electron.saveWorkspaceFile(join(dir, 'ws.txt'), edited)).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    await expect(backend('serve').saveWorkspaceFile(file, tutorial)).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    expect(readFileSync(file, 'utf8')).toBe(edited)
  })

  it('lists and applies the patches of a patchset after the digest check', async () => {
    const api = backend('serve')
    const info = await api.describePatchset(patchset(TUTORIAL_SHA256), 'ps.json')
    expect(info.patches).toEqual([{ name: 'double', values: [2], operations: 1 }])
    const patched = JSON.parse(await api.applyPatchset(tutorial, patchset(TUTORIAL_SHA256), 'double')) as { channels: { samples: { data: number[] }[] }[] }
    expect(patched.channels[0]!.samples[0]!.data[10]).toBe(7)
    await expect(api.applyPatchset(tutorial, patchset('0'.repeat(64)), 'double')).rejects.toMatchObject({ code: 'E_WORKSPACE', path: 'metadata.digests.sha256' })
    await expect(api.describePatchset('{"patches": 1}', 'bad.json')).rejects.toMatchObject({ file: 'bad.json' })
  })

  it('checks the arguments of untrusted requests', async () => {
    const api = backend('serve')
    await expect(dispatch(api, 'applyPatchset', [tutorial, 'x'])).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('name') })
    await expect(dispatch(api, 'saveWorkspaceFile', ['', tutorial])).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
    await expect(dispatch(api, 'validateWorkspaceText', [42])).rejects.toMatchObject({ code: 'E_BAD_REQUEST' })
  })
})
