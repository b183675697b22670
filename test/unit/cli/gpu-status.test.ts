import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
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
