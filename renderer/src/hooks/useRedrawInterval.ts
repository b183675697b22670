import { useCallback, useState } from 'react'

/** The longest a streaming chart waits between redraws, however slow one is. */
const MAX_INTERVAL_MS = 2000

/**
 * How often a streaming chart redraws: `baseMs`, or five times what its last redraw took when that
 * is longer (a busy machine, thousands of trials), so that no chart takes more than about a fifth
 * of the main thread. `timed` runs a redraw and measures it.
 */
export function useRedrawInterval(baseMs: number): [number, (redraw: () => void) => void] {
  const [interval, setInterval] = useState(baseMs)
  const timed = useCallback(
    (redraw: () => void) => {
      const started = performance.now()
      redraw()
      const next = Math.min(Math.max(baseMs, 5 * (performance.now() - started)), MAX_INTERVAL_MS)
      setInterval((current) => (Math.abs(current - next) > 50 ? next : current))
    },
    [baseMs],
  )
  return [interval, timed]
}
