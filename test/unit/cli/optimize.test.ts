import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/study.yaml')
const ntuples = join(root, 'resources/examples/ntuples/study.yaml')
const dir = mkdtempSync(join(tmpdir(), 'histune-optimize-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function histune(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), ...args], { encoding: 'utf8', cwd: dir })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const json = (r: { stdout: string }): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>

describe('histune optimize', () => {
  it('runs the tutorial study into SQLite and resumes it', () => {
    const first = histune('optimize', tutorial, '--trials', '40', '--storage', 'sqlite:///tutorial.db', '--json')
    expect(first.stderr).toBe('')
    expect(first.status).toBe(0)
    const s = json(first) as { study: string; best_value: number; best_params: Record<string, number>; n_trials: number; n_complete: number; elapsed_s: number; edges: { SR: number[] }; baselines: Record<string, { value: number }> }
    expect(s.study).toBe('tutorial')
    expect(s.n_trials).toBe(40)
    expect(s.n_complete).toBe(40)
    expect(s.elapsed_s).toBeGreaterThan(0)
    // Z0 of a binning of the tutorial is below the unbinned limit (≈ 1.99) and above one bin's.
    expect(s.best_value).toBeGreaterThan(1.9)
    expect(s.best_value).toBeLessThan(2.0)
    expect(Object.keys(s.best_params).sort()).toEqual(['hi', 'lo', 'n_bins'])
    expect(s.edges.SR).toHaveLength(s.best_params.n_bins! + 1)
    expect(s.edges.SR[0]).toBeCloseTo(s.best_params.lo!, 12)
    expect(s.baselines.equal_width_40!.value).toBeGreaterThan(1.9)

    const second = json(histune('optimize', tutorial, '--trials', '10', '--storage', 'sqlite:///tutorial.db', '--json'))
    expect(second.n_trials).toBe(50)
    expect(second.best_value as number).toBeGreaterThanOrEqual(s.best_value)

    const studies = JSON.parse(histune('studies', '--storage', 'sqlite:///tutorial.db', '--json').stdout) as { name: string; n_trials: number }[]
    expect(studies).toEqual([{ name: 'tutorial', directions: ['maximize'], n_trials: 50 }])
    const csv = histune('export', '--storage', 'sqlite:///tutorial.db', '--study', 'tutorial', '--csv').stdout.trim().split('\n')
    expect(csv[0]).toBe('number,value,datetime_start,datetime_complete,duration_s,params_hi,params_lo,params_n_bins,constraints,edges,state')
    expect(csv).toHaveLength(51)
  })

  it('is reproducible for a seed', () => {
    const a = json(histune('optimize', tutorial, '--trials', '25', '--seed', '7', '--json'))
    const b = json(histune('optimize', tutorial, '--trials', '25', '--seed', '7', '--json'))
    expect(a.best_params).toEqual(b.best_params)
    expect(a.best_value).toBe(b.best_value)
  })

  it('lets a worker join a study by name and evaluate the stored config', () => {
    histune('optimize', tutorial, '--trials', '5', '--storage', 'sqlite:///shared.db', '--study', 'shared', '--json')
    const worker = histune('worker', '--storage', 'sqlite:///shared.db', '--study', 'shared', '--trials', '7', '--json')
    expect(worker.stderr).toBe('')
    expect(json(worker).n_trials).toBe(12)
  })

  it('reports the held-out value and baselines on the ntuple example, and exports the best binning', () => {
    const out = join(dir, 'best-workspace.json')
    const r = histune('optimize', ntuples, '--trials', '30', '--json', '--workspace-out', out)
    expect(r.status).toBe(0)
    const s = json(r) as { best_value: number; heldout_value: number; baselines: Record<string, { value: number; heldout_value: number; edges: { SR: number[] } }> }
    expect(Number.isFinite(s.heldout_value)).toBe(true)
    expect(s.baselines.transfo_d_2_2!.edges.SR.length).toBeGreaterThan(2)
    expect(Number.isFinite(s.baselines.dp_optimum_4!.heldout_value)).toBe(true)
    // The DP optimum is enqueued first, so the study can only do as well or better on its training half.
    expect(s.best_value).toBeGreaterThanOrEqual(s.baselines.dp_optimum_4!.value - 1e-12)

    const best = (s as unknown as { edges: { SR: number[] }; binning_exports: { trexfitter: { SR: string }; cabinetry: { SR: string } } })
    expect(best.binning_exports.trexfitter.SR).toBe(`Binning: ${best.edges.SR.map((e) => Number(e.toPrecision(12))).join(',')}`)
    expect(best.binning_exports.cabinetry.SR).toMatch(/^Binning: \[[\d., ]+\]$/)
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { channels: { name: string; samples: { data: number[] }[] }[] }
    expect(exported.channels[0]!.samples[0]!.data).toHaveLength(best.edges.SR.length - 1)
    const inspected = histune('inspect', out, '--json')
    expect(inspected.status).toBe(0)
  })

  it('prints the best binning, held-out value, constraints and baselines as text without --json', () => {
    const r = histune('optimize', ntuples, '--trials', '12')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^study \S+ \(:memory:\): 12\/12 complete/)
    expect(r.stdout).toMatch(/\n {2}SR edges: [\d., ]+\n/)
    expect(r.stdout).toMatch(/\n {2}held-out value \d/)
    expect(r.stdout).toContain('constraints per bin: min_background 5, max_mc_rel_error 0.2')
    expect(r.stdout).toMatch(/\nbaseline transfo_d_2_2: \d[\d.]* \(held-out \d/)
  })

  it('refuses a bad config with its path and exit code 2, and never touches a foreign database', () => {
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, readFileSync(tutorial, 'utf8').replace('n_bins: {low: 3, high: 40}', 'n_bins: {low: 40, high: 3}'))
    const r = histune('optimize', bad, '--json')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/binning\.n_bins/)

    const foreign = join(dir, 'notes.db')
    writeFileSync(foreign, 'these are my notes, not a database')
    const refused = histune('optimize', tutorial, '--trials', '3', '--storage', `sqlite:///${foreign}`)
    expect(refused.status).not.toBe(0)
    expect(readFileSync(foreign, 'utf8')).toBe('these are my notes, not a database')
  })
})
