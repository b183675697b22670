import { useEffect, useState } from 'react'
import { useStudioStore } from '../store/context'
import type { StudioActions, StudioState } from '../store/studio'

/**
 * A slice of the store, re-rendered at most once per `intervalMs`. A streamed study changes the
 * trials several times a second; charts and tables subscribe through this instead of `useStudio`
 * so that a batch of trials costs no React work until the next tick. The latest value always lands.
 */
export function useThrottledStudio<T>(selector: (state: StudioState & StudioActions) => T, intervalMs: number): T {
  const store = useStudioStore()
  const [value, setValue] = useState(() => selector(store.getState()))
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null
    let lastAt = 0
    let latest = selector(store.getState())
    const flush = () => {
      timer = null
      lastAt = Date.now()
      setValue(() => latest)
    }
    flush()
    const unsubscribe = store.subscribe((state) => {
      const next = selector(state)
      if (Object.is(next, latest)) return
      latest = next
      if (timer !== null) return
      const wait = lastAt + intervalMs - Date.now()
      if (wait <= 0) flush()
      else timer = setTimeout(flush, wait)
    })
    return () => {
      unsubscribe()
      if (timer !== null) clearTimeout(timer)
    }
    // The selector is a module-level function at every call site, so it is not a dependency.
  }, [store, intervalMs])
  return value
}
