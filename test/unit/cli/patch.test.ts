import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/workspace.json')
const dir = mkdtempSync(join(tmpdir(), 'histune-cli-patch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function histune(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const TUTORIAL_SHA256 = '87d0d742b7ad2e01e789cebde51ae3c026f7556dd400700be819e899362d9516'
const doubleObserved = (): unknown[] => {
  const ws = JSON.parse(readFileSync(tutorial, 'utf8')) as { observations: { data: number[] }[] }
  return [{ op: 'replace', path: '/observations/0/data', value: ws.observations[0]!.data.map((x) => 2 * x) }]
}
const patchFile = join(dir, 'patch.json')
writeFileSync(patchFile, JSON.stringify(doubleObserved()))
const patchsetFile = join(dir, 'patchset.json')
writeFileSync(
  patchsetFile,
  JSON.stringify({
    metadata: { description: 'd', digests: { sha256: TUTORIAL_SHA256 }, labels: ['k'], references: { hepdata: 'ins1234567' } },
    patches: [{ metadata: { name: 'double', values: [2] }, patch: doubleObserved() }],
    version: '1.0.0',
  }),
)

describe('--patch and --patchset', () => {
  it('fit and inspect see the patched workspace', () => {
    const plain = JSON.parse(histune('fit', tutorial, '--json').stdout) as { twice_nll: number }
    const patched = histune('fit', tutorial, '--patch', patchFile, '--json')
    expect(patched.status).toBe(0)
    const viaSet = histune('fit', tutorial, '--patchset', patchsetFile, '--patch-name', 'double', '--json')
    expect(viaSet.status).toBe(0)
    const a = JSON.parse(patched.stdout) as { twice_nll: number }
    const b = JSON.parse(viaSet.stdout) as { twice_nll: number }
    expect(a.twice_nll).not.toBeCloseTo(plain.twice_nll, 3)
    expect(b.twice_nll).toBe(a.twice_nll)
    const inspect = histune('inspect', tutorial, '--patch', patchFile, '--json')
    expect(inspect.status).toBe(0)
    const sig = histune('significance', tutorial, '--patchset', patchsetFile, '--patch-name', 'double', '--json')
    expect(sig.status).toBe(0)
  })

  it('refuses bad combinations and patches that do not apply', () => {
    const noName = histune('fit', tutorial, '--patchset', patchsetFile)
    expect(noName.status).toBe(2)
    expect(noName.stderr).toContain('--patchset needs --patch-name: one of double')
    expect(histune('fit', tutorial, '--patch-name', 'double').stderr).toContain('--patchset, which is missing')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify([{ op: 'remove', path: '/channels/3' }]))
    const r = histune('fit', tutorial, '--patch', bad)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("patch operation 0 (remove '/channels/3') does not apply")
  })
})
