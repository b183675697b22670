import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseStudyConfig } from '../../../main/binning/config'
import { nativeAddon } from '../../../main/engine/native'
import { HistuneError } from '../../../main/errors'
import { createBackend, dispatch } from '../../../main/services/backend'
import { checkBranchRequest, draftNtupleStudy, RootFileService } from '../../../main/services/root-files'
import { StudioSession } from '../../../main/services/studio'

const NTUPLES = join(import.meta.dirname, '../../../resources/examples/ntuples')
const PREDICTION = join(NTUPLES, 'prediction.root')

function addonHasRootBrowser(): boolean {
  try {
    return typeof (nativeAddon() as unknown as Record<string, unknown>).listRootFile === 'function'
  } catch {
    return false
  }
}
const native = addonHasRootBrowser()

async function rejection(promise: Promise<unknown>): Promise<HistuneError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(HistuneError)
    return error as HistuneError
  }
  throw new Error('expected a rejection')
}

const work = mkdtempSync(join(tmpdir(), 'histune-root-files-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe.skipIf(!native)('ROOT file service (native reader)', () => {
  it('lists the trees, entries and branch types of a file, resolving a name in its base folder', async () => {
    const service = new RootFileService(NTUPLES)
    const contents = await service.open('prediction.root')
    expect(contents.path).toBe(PREDICTION)
    expect(contents.fileName).toBe('prediction.root')
    expect(contents.uploaded).toBe(false)
    expect(contents.sizeBytes).toBe(readFileSync(PREDICTION).length)
    expect(contents.keys.map((k) => [k.name, k.className, k.tree?.entries])).toEqual([
      ['signal', 'TTree', 5000],
      ['background', 'TTree', 5000],
      ['background_varied', 'TTree', 5000],
    ])
    expect(contents.keys[0]!.tree!.branches).toEqual([
      { name: 'jet_pt', typeName: 'double', readable: true, reason: null },
      { name: 'weight', typeName: 'double', readable: true, reason: null },
      { name: 'lep_charge', typeName: 'int64_t', readable: true, reason: null },
    ])
  })

  it('summarises a branch with a weight and a selection, the histogram holding every selected entry', async () => {
    const service = new RootFileService(NTUPLES)
    const request = { path: PREDICTION, tree: 'background', observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0', bins: 20 }
    const s = await service.summarize(request)
    expect(s.request).toEqual(request)
    expect(s.entries).toBe(5000)
    expect(s.selected).toBeGreaterThan(2000)
    expect(s.sumw).toBeCloseTo(514.9, 1)
    expect(s.histogram.edges).toHaveLength(21)
    expect(s.histogram.edges[0]).toBe(s.min)
    expect(s.histogram.edges[20]).toBe(s.max)
    expect(s.histogram.entries.reduce((a, b) => a + b, 0)).toBe(s.selected)
    expect(s.histogram.sumw.reduce((a, b) => a + b, 0)).toBeCloseTo(s.sumw, 9)
    expect(s.mean!).toBeGreaterThan(s.min!)
    // Every entry fails: a summary with no range, not an error.
    const none = await service.summarize({ ...request, selection: 'jet_pt < 0' })
    expect([none.selected, none.min, none.mean]).toEqual([0, null, null])
  })

  it('keeps the columns it read for the next summary of the tree, and reads a changed file again', async () => {
    const reads = () => nativeAddon().ntupleSummaryBranchReads()
    const file = join(work, 'cached.root')
    copyFileSync(PREDICTION, file)
    const service = new RootFileService(work)
    const request = { path: file, tree: 'signal', observable: 'jet_pt', weight: 'weight', selection: 'lep_charge > 0', bins: 10 }
    const before = reads()
    const positive = await service.summarize(request)
    expect(reads() - before).toBe(3)

    // Another selection, weight, binning and range of the same branches: nothing is read again.
    const negative = await service.summarize({ ...request, selection: 'lep_charge <= 0', weight: '2*weight', bins: 7, range: [50, 400] })
    const all = await service.summarize({ ...request, selection: undefined })
    expect(reads() - before).toBe(3)
    expect(positive.selected + negative.selected).toBe(5000)
    expect(positive.sumw + negative.sumw / 2).toBeCloseTo(all.sumw, 9)
    expect(negative.histogram.edges[0]).toBe(50)

    // The same bytes with a new modification time are read again, once.
    const later = new Date(Date.now() + 60_000)
    utimesSync(file, later, later)
    expect((await service.summarize(request)).sumw).toBe(positive.sumw)
    expect(reads() - before).toBe(6)
    await service.summarize({ ...request, weight: undefined })
    expect(reads() - before).toBe(6)

    // Another file in its place: its own trees, not the columns read before.
    copyFileSync(join(NTUPLES, 'data.root'), file)
    const replaced = await rejection(service.summarize(request))
    expect(replaced.message).toContain('signal')
  })

  it('reads an upload from a temporary copy and names the dropped file in its errors', async () => {
    const service = new RootFileService(work)
    const contents = await service.upload(readFileSync(PREDICTION).toString('base64'), 'prediction.root')
    expect(contents.uploaded).toBe(true)
    expect(contents.fileName).toBe('prediction.root')
    expect(contents.path).not.toBe(PREDICTION)
    expect(contents.path.endsWith('prediction.root')).toBe(true)
    expect(contents.keys).toHaveLength(3)
    const s = await service.summarize({ path: contents.path, tree: 'signal', observable: 'jet_pt', bins: 5 })
    expect(s.selected).toBe(5000)
    const error = await rejection(service.summarize({ path: contents.path, tree: 'signal', observable: 'jet_eta' }))
    expect(error.code).toBe('E_BAD_REQUEST')
    expect(error.message).toContain('no branch `jet_eta`')
    const copy = contents.path
    await service.dispose()
    expect(existsSync(copy)).toBe(false)
    const gone = await rejection(service.summarize({ path: copy, tree: 'signal', observable: 'jet_pt' }))
    expect(gone.message).toContain('drop the file again')
  })

  it('refuses files that are not ROOT, naming them, and keeps no copy', async () => {
    const service = new RootFileService(work)
    const text = await rejection(service.upload(Buffer.from('{"channels": []}').toString('base64'), 'workspace.root'))
    expect(text.code).toBe('E_IO')
    expect(text.message).toBe('workspace.root is not a ROOT file: it does not start with ROOT\'s signature "root"')
    expect((await rejection(service.upload('', 'empty.root'))).code).toBe('E_EMPTY')
    // A truncated file has the signature but not the keys: the reader's error names the dropped name.
    const bytes = readFileSync(PREDICTION)
    const truncated = await rejection(service.upload(bytes.subarray(0, 2000).toString('base64'), 'cut.root'))
    expect(truncated.code).toBe('E_IO')
    expect(truncated.message).toContain('cut.root')
    expect(truncated.message).not.toContain(tmpdir())
    const missing = await rejection(service.open('nowhere.root'))
    expect(missing.message).toBe(`no ROOT file at ${join(work, 'nowhere.root')} ("nowhere.root" is looked up in ${work})`)
    const fake = join(work, 'fake.root')
    writeFileSync(fake, 'not ROOT')
    const notRoot = await rejection(service.open(fake))
    expect(notRoot.message).toContain(fake)
    expect(notRoot.message).toContain('not a ROOT file')
  })

  it('answers the contract through the backend, checking arguments first', async () => {
    const backend = createBackend({
      host: 'serve',
      settings: { snapshot: () => ({ theme: 'system', recentFiles: [] }) } as never,
      emit: () => undefined,
    })
    const contents = (await dispatch(backend, 'openRootFile', [PREDICTION])) as { keys: unknown[] }
    expect(contents.keys).toHaveLength(3)
    await expect(dispatch(backend, 'summarizeRootBranch', [{ path: PREDICTION, tree: 'signal', observable: 'jet_pt', bins: 0 }])).rejects.toThrow(
      'summarizeRootBranch: "bins" must be an integer from 1 to 10000',
    )
    await expect(dispatch(backend, 'uploadRootFile', [42, 'x.root'])).rejects.toThrow('uploadRootFile: base64 must be a string')
  })

  it('drafts a config that loads as a study next to the ROOT files', async () => {
    const dir = mkdtempSync(join(work, 'draft-'))
    for (const f of ['prediction.root', 'data.root']) copyFileSync(join(NTUPLES, f), join(dir, f))
    const text = draftNtupleStudy({
      file: 'prediction.root',
      observable: 'jet_pt',
      signalTree: 'signal',
      backgroundTrees: ['background'],
      weight: 'weight',
      selection: 'lep_charge > 0',
    })
    const session = new StudioSession(() => undefined)
    const setup = await session.loadConfigText(text, join(dir, 'ntuples-jet_pt.yaml'))
    expect(setup.name).toBe('ntuples-jet_pt')
    expect(setup.channels.map((c) => c.name)).toEqual(['SR'])
    expect(setup.channels[0]!.signal.reduce((a, b) => a + b, 0)).toBeCloseTo(61.1, 1)
  })
})

describe('drafting a new ntuple study', () => {
  const base = { file: 'prediction.root', observable: 'jet_pt', signalTree: 'signal', backgroundTrees: ['background', 'background_varied'] }

  it('writes the chosen trees, weight, selection and data as a config the reader accepts', () => {
    const text = draftNtupleStudy({ ...base, weight: '0.7*weight', selection: 'lep_charge > 0 && jet_pt > 50', dataTree: 'pseudodata', name: 'my study' })
    expect(text.startsWith('# Drafted by Histune from prediction.root')).toBe(true)
    // One line per modifier, as in the example study.yaml.
    expect(text).toContain('    - { name: luminosity, type: normsys, data: { hi: 1.05, lo: 0.95 } }\n')
    expect(text).toContain('        - { name: mu, type: normfactor, data: null }\n')
    const config = parseStudyConfig(text, 'draft.yaml')
    expect(config.study.name).toBe('my study')
    expect(config.model.kind).toBe('ntuples')
    if (config.model.kind !== 'ntuples') return
    const [channel] = config.model.channels
    expect(channel!.observable).toBe('jet_pt')
    expect(channel!.selection).toBe('lep_charge > 0 && jet_pt > 50')
    expect(channel!.samples.map((s) => [s.name, s.tree, s.weight])).toEqual([
      ['signal', 'signal', '0.7*weight'],
      ['background', 'background', '0.7*weight'],
      ['background_varied', 'background_varied', '0.7*weight'],
    ])
    expect(channel!.data).toEqual({ file: 'prediction.root', tree: 'pseudodata' })
    expect(config.model.measurement.poi).toBe('mu')
  })

  it('uses Asimov data and unit weights when none are chosen, and says so', () => {
    const text = draftNtupleStudy({ ...base, backgroundTrees: ['background'] })
    expect(text).toContain('Asimov data')
    const config = parseStudyConfig(text, 'draft.yaml')
    if (config.model.kind !== 'ntuples') throw new Error('not ntuples')
    expect(config.model.channels[0]!.data).toBe('asimov')
    expect(config.model.channels[0]!.samples[1]!.weight).toBeUndefined()
  })

  it('refuses requests that cannot make a study', () => {
    expect(() => draftNtupleStudy({ ...base, backgroundTrees: [] })).toThrow('"backgroundTrees" must name at least one tree')
    expect(() => draftNtupleStudy({ ...base, backgroundTrees: ['signal'] })).toThrow('the signal tree "signal" cannot also be a background')
    expect(() => draftNtupleStudy({ ...base, observable: ' ' })).toThrow('"observable" must be a non-empty string')
  })

  it('checks branch requests from a browser', () => {
    expect(checkBranchRequest({ path: 'a.root', tree: 't', observable: 'x' })).toBeNull()
    expect(checkBranchRequest({ path: 'a.root', tree: 't', observable: 'x', range: [2, 1] })).toContain('"range"')
    expect(checkBranchRequest({ path: 'a.root', tree: 't', observable: 'x', bins: 2.5 })).toContain('"bins"')
    expect(checkBranchRequest({ path: '', tree: 't', observable: 'x' })).toBe('"path" must be a non-empty string')
    expect(checkBranchRequest([])).toBe('the request must be an object')
  })
})
