// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { GpuStatusInfo } from '../../../preload/api'
import { GpuStatus } from '../../../renderer/src/views/GpuStatus'

afterEach(cleanup)

const api = (status: GpuStatusInfo) => ({ gpuStatus: async () => status })

describe('the status bar’s GPU part', () => {
  it('shows the adapter, its backend, f64 and the last fits/s', async () => {
    const adapter = { name: 'NVIDIA H200', backend: 'Vulkan', deviceType: 'DiscreteGpu', f64: true }
    render(<GpuStatus api={api({ selected: adapter, adapters: [adapter], note: null, lastRun: { what: 'toys', backend: 'gpu-f64', fitsPerSecond: 12345.4, fits: 4000 } })} />)
    const text = (await screen.findByTestId('gpu-status')).textContent
    expect(text).toBe('GPU NVIDIA H200 · Vulkan · f64 · 12345 fits/s on gpu-f64 (toys)')
  })

  it('says when the work runs on the CPU, with the reason on hover', async () => {
    render(<GpuStatus api={api({ selected: null, adapters: [], note: 'no GPU adapter: Vulkan reports no adapter', lastRun: null })} />)
    const el = await screen.findByTestId('gpu-status')
    expect(el.textContent).toBe('GPU none · CPU')
    expect(el.getAttribute('title')).toContain('no GPU adapter')
  })

  it('stays empty when the backend cannot answer', async () => {
    const { container } = render(<GpuStatus api={{ gpuStatus: () => Promise.reject(new Error('offline')) }} />)
    await new Promise((r) => setTimeout(r, 10))
    expect(container.textContent).toBe('')
  })
})
