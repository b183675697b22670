import { useEffect, useState } from 'react'

import type { GpuStatusInfo, HistuneApi } from '../../../preload/api'
import { getApi } from '../bridge'

/** How often the status is asked again (a toy run or self-check updates its fits/s). */
const REFRESH_MS = 15_000

/** The GPU adapter the backend uses (name, backend, f64 or not) and the last measured fits/s. */
export function GpuStatus({ api }: { api?: Pick<HistuneApi, 'gpuStatus'> } = {}) {
  const [status, setStatus] = useState<GpuStatusInfo | null>(null)
  useEffect(() => {
    let active = true
    const backend = api ?? getApi()
    const load = (): void => {
      // A backend without the GPU request (or none at all) leaves the status bar as it was.
      backend
        .gpuStatus()
        .then(
          (s) => {
            if (active) setStatus(s)
          },
          () => undefined,
        )
    }
    load()
    const timer = setInterval(load, REFRESH_MS)
    return () => {
      active = false
      clearInterval(timer)
    }
  }, [api])
  if (!status) return null
  const s = status.selected
  const adapter = s ? `GPU ${s.name} · ${s.backend} · ${s.f64 ? 'f64' : 'f32 only'}` : 'GPU none · CPU'
  const run = status.lastRun
  const rate = run ? ` · ${Math.round(run.fitsPerSecond)} fits/s on ${run.backend} (${run.what})` : ''
  const title = [status.note, ...status.adapters.map((a) => `${a.name} (${a.backend}, ${a.deviceType}${a.f64 ? ', f64' : ''})`)].filter(Boolean).join('\n')
  return (
    <span className="gpu-status" data-testid="gpu-status" title={title || undefined}>
      {adapter}
      {rate}
    </span>
  )
}
