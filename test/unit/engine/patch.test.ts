import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import { applyPatch, applyPatchset, describePatchset, EngineError, Model, workspaceDigest } from '../../../main/engine'

const tutorial = readFileSync(resolve(__dirname, '../../../resources/examples/tutorial/workspace.json'), 'utf8')
// pyhf.utils.digest of the tutorial workspace (pyhf 0.7.6)
const TUTORIAL_SHA256 = '87d0d742b7ad2e01e789cebde51ae3c026f7556dd400700be819e899362d9516'

const thrown = (f: () => unknown): EngineError => {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError)
    return error as EngineError
  }
  throw new Error('expected the call to throw')
}

const signalPatch = (scale: number): unknown[] => [
  { op: 'test', path: '/channels/0/samples/0/name', value: 'signal' },
  { op: 'replace', path: '/channels/0/samples/0/data', value: Array.from({ length: 20 }, (_, i) => scale * (i === 10 ? 5 : 0.5)) },
]

const patchset = (digest: string): string =>
  JSON.stringify({
    metadata: { description: 'signal points', digests: { sha256: digest }, labels: ['scale'], references: { hepdata: 'ins1234567' } },
    patches: [
      { metadata: { name: 'scale_1', values: [1] }, patch: signalPatch(1) },
      { metadata: { name: 'scale_2', values: [2] }, patch: signalPatch(2) },
    ],
    version: '1.0.0',
  })

describe('JSON Patch and patchsets in the facade', () => {
  it("computes pyhf's digest", () => {
    expect(workspaceDigest(tutorial)).toBe(TUTORIAL_SHA256)
    expect(workspaceDigest(tutorial, 'md5')).toMatch(/^[0-9a-f]{32}$/)
  })

  it('applies a patch and the patched workspace compiles', () => {
    const patched = JSON.parse(applyPatch(tutorial, JSON.stringify(signalPatch(2)))) as { channels: { samples: { data: number[] }[] }[] }
    expect(patched.channels[0]!.samples[0]!.data[10]).toBe(10)
    const before = Model.compile(tutorial)
    const after = Model.compile(JSON.stringify(patched))
    expect(after.nll(after.suggestedInit)).not.toBe(before.nll(before.suggestedInit))
  })

  it('selects a patch of a patchset by name after checking the digest', () => {
    const set = patchset(TUTORIAL_SHA256)
    expect(describePatchset(set).patches.map((p) => p.name)).toEqual(['scale_1', 'scale_2'])
    const one = JSON.parse(applyPatchset(tutorial, set, 'scale_2')) as { channels: { samples: { data: number[] }[] }[] }
    expect(one.channels[0]!.samples[0]!.data[0]).toBe(1)
    expect(thrown(() => applyPatchset(tutorial, set, 'scale_3')).code).toBe('E_BAD_REQUEST')
    const wrong = thrown(() => applyPatchset(tutorial, patchset('0'.repeat(64)), 'scale_1'))
    expect(wrong.code).toBe('E_WORKSPACE')
    expect(wrong.path).toBe('metadata.digests.sha256')
  })

  it('names the operation that does not apply, and the malformed one', () => {
    const e = thrown(() => applyPatch(tutorial, JSON.stringify([{ op: 'test', path: '/version', value: '1.0.0' }, { op: 'remove', path: '/channels/4' }])))
    expect(e.code).toBe('E_WORKSPACE')
    expect(e.path).toBe('[1]')
    expect(e.message).toContain("patch operation 1 (remove '/channels/4') does not apply")
    const s = thrown(() => applyPatch(tutorial, JSON.stringify([{ op: 'jump', path: '/x' }])))
    expect(s.code).toBe('E_SCHEMA')
    expect(s.path).toBe('[0].op')
  })
})
