import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'histune-optimize-device-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const NO_ICD = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' }

/**
 * The tutorial with six equal-width bins on a searched [lo, hi], so that every proposal has one
 * structure and the trials in flight together batch; the random sampler proposes the same
 * binnings whichever worker asks, so two runs score the same set.
 */
const config = join(dir, 'study.yaml')
writeFileSync(
  config,
  readFileSync(join(root, 'resources/examples/tutorial/study.yaml'), 'utf8')
    .replace('sampler: tpe', 'sampler: random')
    .replace('n_bins: {low: 3, high: 40}', 'n_bins: {low: 6, high: 6}')
    .replace(/baselines:[\s\S]*$/, ''),
)

interface Summary {
  best_value: number
  n_complete: number
  scoring?: { device: string; batches: number; batchedRequests: number; groups: Record<string, number>; adapter: string | null; notes: string[] }
}

function optimize(device: string, env: Record<string, string> = {}): Summary {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), 'optimize', config, '--trials', '16', '--workers', '4', '--seed', '3', '--device', device, '--json'], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, HISTUNE_BACKEND: '', WGPU_ADAPTER_NAME: '', ...env },
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Summary
}

describe('histune optimize --device', () => {
  it('scores parallel proposals in GPU batches with the best Z0 of the CPU run', () => {
    const cpu = optimize('cpu')
    const gpu = optimize('gpu')
    expect(cpu.n_complete).toBe(16)
    expect(gpu.n_complete).toBe(16)
    expect(cpu.scoring).toBeUndefined()
    expect(Math.abs(gpu.best_value - cpu.best_value)).toBeLessThanOrEqual(1e-6 * cpu.best_value)
    const scoring = gpu.scoring!
    expect(scoring.device).toBe('gpu')
    expect(scoring.batches).toBeGreaterThan(0)
    expect(scoring.batchedRequests).toBeGreaterThan(4)
    if (scoring.adapter !== null) expect(Object.keys(scoring.groups).every((b) => b.startsWith('gpu-'))).toBe(true)
  })

  it('falls back to the CPU with one note when Vulkan offers no adapter', () => {
    const cpu = optimize('cpu')
    const gpu = optimize('gpu', NO_ICD)
    expect(gpu.n_complete).toBe(16)
    expect(Math.abs(gpu.best_value - cpu.best_value)).toBeLessThanOrEqual(1e-12 * cpu.best_value)
    expect(gpu.scoring!.adapter).toBeNull()
    expect(Object.keys(gpu.scoring!.groups)).toEqual(['cpu'])
    expect(gpu.scoring!.notes).toHaveLength(1)
    expect(gpu.scoring!.notes[0]).toMatch(/adapter|Vulkan/i)
  })
})
