import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Model } from '../../../main/engine'
import * as gpu from '../../../main/engine/gpu'
import { createBackend } from '../../../main/services/backend'
import { openConfSettings } from '../../../main/settings/conf'

const root = join(__dirname, '../../..')
const tutorial = readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'histune-gpu-status-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the GPU status the app shows', () => {
  it('names the adapter in use (or why none) and the last toy run’s fits/s', async () => {
    const api = createBackend({ host: 'serve', settings: openConfSettings({ cwd: dir }), emit: () => undefined })
    const adapters = await gpu.adapters()
    const before = await api.gpuStatus()
    expect(before.adapters.map((a) => a.name)).toEqual(adapters.map((a) => a.name))
    if (adapters.length > 0) {
      expect(before.selected).not.toBeNull()
      expect(adapters.map((a) => a.name)).toContain(before.selected!.name)
      expect(before.selected!.backend).toBe('Vulkan')
      expect(typeof before.selected!.f64).toBe('boolean')
    } else {
      expect(before.selected).toBeNull()
      expect(before.note).toMatch(/no GPU adapter/)
    }

    // Before any toy run: a calibration of the adapter in use (or the CPU) on the self-check's model.
    expect(before.lastRun).toMatchObject({ what: 'calibration', backend: adapters.length > 0 ? expect.stringMatching(/^gpu-f(64|32)$/) : 'cpu' })
    expect(before.lastRun!.fitsPerSecond).toBeGreaterThan(0)

    const run = await gpu.toysOn(tutorial, 0, 'cpu', { nToys: 30, seed: 2, testStat: 'q0' })
    expect(run.device.backend).toBe('cpu')
    expect(run.device.toyFits).toBe(4 * 30)
    const after = await api.gpuStatus()
    expect(after.lastRun).toMatchObject({ what: 'toys', backend: 'cpu', fits: 120 })
    expect(after.lastRun!.fitsPerSecond).toBeGreaterThan(0)
  })

  it('refuses an unknown device with E_BAD_REQUEST', async () => {
    await expect(gpu.toysOn(tutorial, 0, 'tpu' as gpu.GpuDevice, { nToys: 5 })).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('tpu') })
  })
})

describe('the ranking on a chosen device', () => {
  it('runs the refits where asked and shows them in the status', async () => {
    const api = createBackend({ host: 'serve', settings: openConfSettings({ cwd: dir }), emit: () => undefined })
    const cpu = await gpu.rankingOn(tutorial, 'cpu')
    expect(cpu.device).toMatchObject({ requested: 'cpu', backend: 'cpu', reason: 'CPU forced', rounds: 0 })
    expect(cpu.device.fits).toBe(4 * cpu.nRanked)
    expect((await api.gpuStatus()).lastRun).toMatchObject({ what: 'ranking', backend: 'cpu', fits: cpu.device.fits })
    const gpuRun = await gpu.rankingOn(tutorial, 'gpu', { topN: 1 })
    expect(gpuRun.impacts).toHaveLength(1)
    expect(gpuRun.impacts[0]!.name).toBe(cpu.impacts[0]!.name)
    expect(Math.abs(gpuRun.impacts[0]!.postfitUp - cpu.impacts[0]!.postfitUp)).toBeLessThan(1e-6 * cpu.muHatUncertainty)
    if ((await gpu.adapters()).length > 0) expect(gpuRun.device.backend).toMatch(/^gpu-f(64|32)$/)
    else expect(gpuRun.device.backend).toBe('cpu')
    // A compiled Model has no workspace text to lay out for the GPU: CPU, with the reason.
    const compiled = await gpu.rankingOn(Model.compile(tutorial), 'gpu')
    expect(compiled.device.backend).toBe('cpu')
    expect(compiled.device.reason).toMatch(/workspace text/)
    expect(compiled.impacts.map((i) => i.postfitUp)).toEqual(cpu.impacts.map((i) => i.postfitUp))
  })

  it('refuses an unknown device with E_BAD_REQUEST', async () => {
    await expect(gpu.rankingOn(tutorial, 'tpu' as gpu.GpuDevice)).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('tpu') })
  })
})
