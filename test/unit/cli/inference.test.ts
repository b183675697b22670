import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/workspace.json')
const dir = mkdtempSync(join(tmpdir(), 'histune-cli-infer-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The real `histune` command (the built CLI bundle). */
function histune(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function json(...args: string[]): Record<string, unknown> {
  const r = histune(...args, '--json')
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

describe('histune inference commands', () => {
  it('significance, hypotest and limit print the documented fields', () => {
    const s = json('significance', tutorial)
    expect(s.p0 as number).toBeCloseTo(0.0244, 4)
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['z0', 'p0', 'q0', 'z0_expected', 'diagnostics']))
    const h = json('hypotest', tutorial, '--mu', '1', '--test-stat', 'q')
    expect(Object.keys(h)).toEqual(expect.arrayContaining(['cls', 'clsb', 'clb', 'cls_expected', 'q', 'qA']))
    expect(h.cls_expected as number[]).toHaveLength(5)
    const l = json('limit', tutorial, '--cl', '0.9')
    expect(l.expected as number[]).toHaveLength(5)
    expect(l.observed as number).toBeGreaterThan(0)
  })

  it('fit, rank, scan and toys run', () => {
    const f = json('fit', tutorial, '--errors', '--fix', 'bkg_norm=0.5')
    expect((f.bestfit as Record<string, number>).bkg_norm).toBe(0.5)
    expect(f.converged).toBe(true)
    expect(f.twice_nll).toBeCloseTo(2 * (f.nll as number), 10)
    expect((f.uncertainties as Record<string, number>).mu).toBeGreaterThan(0)
    const r = json('rank', tutorial, '--top', '1')
    expect(r.impacts as unknown[]).toHaveLength(1)
    const s = json('scan', tutorial, '--param', 'bkg_norm', '--range', '-2', '2', '--points', '5')
    expect(s.values).toEqual([-2, -1, 0, 1, 2])
    const t = json('toys', tutorial, '--mu', '0', '--n', '50', '--seed', '9')
    expect(t.test_stat).toBe('q0')
    expect(typeof t.p0).toBe('number')
  })

  it('refuses bad input with exit code 2 and a clear message', () => {
    const bad: [string[], string][] = [
      [['hypotest', tutorial, '--mu', '11'], 'outside the bounds'],
      [['hypotest', tutorial, '--mu', 'abc'], '--mu must be a number'],
      [['hypotest', tutorial, '--mu', '1', '--fix', 'mu=1'], 'is fixed'],
      [['limit', tutorial, '--cl', '1.5'], '--cl must lie between 0 and 1'],
      [['toys', tutorial, '--mu', '1', '--n', '0'], '--n must be an integer'],
      [['scan', tutorial, '--param', 'nope', '--range', '0', '1'], "no parameter named 'nope'"],
      [['significance', join(dir, 'missing.json')], 'cannot read'],
    ]
    for (const [args, words] of bad) {
      const r = histune(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toContain(words)
    }
    const ws = JSON.parse(readFileSync(tutorial, 'utf8')) as { measurements: { config: { poi: string } }[] }
    ws.measurements[0]!.config.poi = 'nothing'
    const file = join(dir, 'nopoi.json')
    writeFileSync(file, JSON.stringify(ws))
    const r = histune('hypotest', file, '--mu', '1', '--json')
    expect(r.status).toBe(2)
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('E_WORKSPACE')
  })
})
