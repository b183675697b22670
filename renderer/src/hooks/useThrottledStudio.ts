import { startTransition, useEffect, useState } from 'react'
import { useStudioStore } from '../store/context'
import type { StudioActions, StudioState } from '../store/studio'

/**
 * Every throttled view that is due lands in the same animation frame: React batches their state
 * updates into one (time-sliced) render; the charts then queue their redraws, which the chart
 * frame scheduler spreads over the following frames (charts/frameScheduler.ts).
 */
const dueFlushes = new Set<() => void>()
let frameRequested = false

function requestFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(callback)
  else setTimeout(callback, 16)
}

function flushInNextFrame(flush: () => void): void {
  dueFlushes.add(flush)
  if (frameRequested) return
  frameRequested = true
  requestFrame(() => {
    frameRequested = false
    const flushes = [...dueFlushes]
    dueFlushes.clear()
    for (const f of flushes) f()
  })
}

/**
 * A slice of the store, re-rendered at most once per `intervalMs` and then in the next animation
 * frame, together with every other throttled view that is due. A streamed study changes the trials
 * several times a second; charts and tables subscribe through this instead of `useStudio` so that a
 * batch of trials costs no React work until the next tick. The latest value always lands.
 */
export function useThrottledStudio<T>(selector: (state: StudioState & StudioActions) => T, intervalMs: number): T {
  const store = useStudioStore()
  const [value, setValue] = useState(() => selector(store.getState()))
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null
    let active = true
    let lastAt = 0
    let latest = selector(store.getState())
    const flush = () => {
      if (!active) return
      lastAt = Date.now()
      // A transition: React renders the due views in slices of a few milliseconds, yielding to
      // input and paint between them, instead of in one task.
      startTransition(() => setValue(() => latest))
    }
    const due = () => {
      timer = null
      flushInNextFrame(flush)
    }
    flush()
    const unsubscribe = store.subscribe((state) => {
      const next = selector(state)
      if (Object.is(next, latest)) return
      latest = next
      if (timer !== null) return
      timer = setTimeout(due, Math.max(0, lastAt + intervalMs - Date.now()))
    })
    return () => {
      active = false
      unsubscribe()
      dueFlushes.delete(flush)
      if (timer !== null) clearTimeout(timer)
    }
    // The selector is a module-level function at every call site, so it is not a dependency.
  }, [store, intervalMs])
  return value
}
