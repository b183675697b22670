import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/workspace.json')

/** Vulkan's loader pointed at no driver: no adapter at all. */
const NO_ICD = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' }

/** The real `histune` command (the built CLI bundle). */
function histune(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, HISTUNE_BACKEND: '', WGPU_ADAPTER_NAME: '', ...env },
    timeout: 120_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

interface Report {
  adapters: { name: string; f64: boolean }[]
  selected: { name: string } | null
  f64: boolean
  max_rel_diff: number | null
  fallback: string | null
  note: string | null
  ok: boolean
  checks: { precision: string; ok: boolean; max_rel_diff_nll: number; max_rel_diff_grad: number }[]
  fits_per_second: { fits: number; cpu: number; gpu: number | null }
}

/** Whether this machine has a Vulkan adapter (lavapipe in CI). */
const hasAdapter = (() => {
  const r = histune(['gpu', '--json', '--device', 'cpu'])
  return r.status === 0 && (JSON.parse(r.stdout) as Report).adapters.length > 0
})()

describe('histune gpu', () => {
  it.runIf(hasAdapter)('checks the GPU path against the CPU engine on the adapter found', () => {
    const r = histune(['gpu', '--json'])
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.selected).not.toBeNull()
    expect(report.adapters.map((a) => a.name)).toContain(report.selected!.name)
    expect(report.fallback).toBeNull()
    expect(report.ok).toBe(true)
    expect(report.max_rel_diff).not.toBeNull()
    // f64 path: 1e-10 relative to the CPU engine; f32 only: within its documented bound.
    if (report.f64) expect(report.max_rel_diff!).toBeLessThan(1e-10)
    expect(report.checks.every((c) => c.ok)).toBe(true)
    expect(report.fits_per_second.cpu).toBeGreaterThan(0)
    expect(report.fits_per_second.gpu).toBeGreaterThan(0)

    const human = histune(['gpu'])
    expect(human.status).toBe(0)
    for (const field of ['adapters:', 'selected:', 'f64:', 'max_rel_diff:', 'fits/s']) expect(human.stdout).toContain(field)
  })

  it('falls back to the CPU with a note when Vulkan has no driver, and exits 0', () => {
    const r = histune(['gpu', '--json'], NO_ICD)
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.adapters).toEqual([])
    expect(report.selected).toBeNull()
    expect(report.f64).toBe(false)
    expect(report.max_rel_diff).toBeNull()
    expect(report.fallback).toBe('cpu')
    expect(report.note).toMatch(/no GPU adapter/)
    expect(report.ok).toBe(true)
    expect(report.fits_per_second.cpu).toBeGreaterThan(0)
    expect(report.fits_per_second.gpu).toBeNull()
  })

  it('refuses an unknown --device with exit code 2', () => {
    const r = histune(['gpu', '--device', 'tpu'])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('tpu')
  })
})

describe('histune toys --device', () => {
  const toys = (device: string, env: Record<string, string> = {}) => {
    const r = histune(['toys', tutorial, '--mu', '0', '--n', '60', '--seed', '4', '--device', device, '--json'], env)
    expect(r.status, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as { p0: number; p0_error: number; observed: number; device: { backend: string; reason: string; notes: string[]; toy_fits: number } }
  }

  it.runIf(hasAdapter)('gives the CPU p0 on the GPU path for the same seed', () => {
    const cpu = toys('cpu')
    expect(cpu.device.backend).toBe('cpu')
    const gpu = toys('gpu')
    expect(gpu.device.backend).toMatch(/^gpu-f(64|32)$/)
    expect(gpu.device.toy_fits).toBe(4 * 60)
    expect(gpu.observed).toBe(cpu.observed)
    expect(Math.abs(gpu.p0 - cpu.p0)).toBeLessThanOrEqual(2 * Math.max(cpu.p0_error, 1 / 60))
    // auto: the planner's measured choice, with its reason; the same p0 either way.
    const auto = toys('auto')
    expect(auto.device.reason).toMatch(/crossover|faster/)
    expect(auto.p0).toBe(auto.device.backend === 'cpu' ? cpu.p0 : gpu.p0)
  })

  it('runs on the CPU with a note when the GPU is forced but there is none', () => {
    const r = toys('gpu', NO_ICD)
    expect(r.device.backend).toBe('cpu')
    expect(r.device.reason).toMatch(/no GPU adapter/)
    expect(typeof r.p0).toBe('number')
    const auto = toys('auto', NO_ICD)
    expect(auto.device.backend).toBe('cpu')
    expect(auto.p0).toBe(r.p0)
  })
})

describe('histune rank --device', () => {
  interface Ranked {
    mu_hat_uncertainty: number
    impacts: { name: string; postfitUp: number; postfitDown: number; prefitUp: number | null; prefitDown: number | null; total: number }[]
    device: { requested: string; backend: string; reason: string; notes: string[]; fits: number; fits_per_second: number }
  }
  const rank = (device: string, env: Record<string, string> = {}) => {
    const r = histune(['rank', tutorial, '--device', device, '--json'], env)
    expect(r.status, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as Ranked
  }
  const shifts = (r: Ranked) => r.impacts.flatMap((i) => [i.postfitUp, i.postfitDown, i.prefitUp ?? 0, i.prefitDown ?? 0])

  it.runIf(hasAdapter)('gives the CPU impacts and order with the refits batched on the GPU', () => {
    const cpu = rank('cpu')
    expect(cpu.device.backend).toBe('cpu')
    expect(cpu.device.reason).toBe('CPU forced')
    const gpu = rank('gpu')
    expect(gpu.device.backend).toMatch(/^gpu-f(64|32)$/)
    expect(gpu.device.notes).toEqual([])
    expect(gpu.device.fits).toBe(cpu.device.fits)
    expect(gpu.device.fits).toBeGreaterThanOrEqual(2 * cpu.impacts.length)
    expect(gpu.impacts.map((i) => i.name)).toEqual(cpu.impacts.map((i) => i.name))
    const [a, b] = [shifts(cpu), shifts(gpu)]
    a.forEach((x, k) => expect(Math.abs(x - b[k]!)).toBeLessThan(1e-6 * cpu.mu_hat_uncertainty))
    // auto: the planner's measured choice, with its reason.
    const auto = rank('auto')
    expect(auto.device.reason).toMatch(/crossover|faster/)
    expect(auto.impacts.map((i) => i.name)).toEqual(cpu.impacts.map((i) => i.name))
  })

  it('runs the refits on the CPU with a note when the GPU is forced but there is none', () => {
    const r = rank('gpu', NO_ICD)
    expect(r.device.backend).toBe('cpu')
    expect(r.device.reason).toMatch(/no GPU adapter/)
    expect(r.device.fits).toBeGreaterThan(0)
    const cpu = rank('cpu', NO_ICD)
    expect(shifts(r)).toEqual(shifts(cpu))
    const human = histune(['rank', tutorial, '--device', 'gpu'], NO_ICD)
    expect(human.status).toBe(0)
    expect(human.stdout).toMatch(/refits on cpu: \d+ fits\/s; .*no GPU adapter/)
  })

  it('refuses an unknown --device with exit code 2', () => {
    const r = histune(['rank', tutorial, '--device', 'tpu'])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('tpu')
  })
})
