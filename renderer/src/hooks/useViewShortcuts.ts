import { useEffect } from 'react'
import { useStudio } from '../store/context'
import type { StudioView } from '../store/study'

export const VIEW_SHORTCUTS: Record<string, StudioView> = { '1': 'workspace', '2': 'binning' }

/** Ctrl+1 / Ctrl+2 (⌘ on macOS) switch between the Workspace and Binning views. */
export function useViewShortcuts(): void {
  const setView = useStudio((s) => s.setView)
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return
      const view = VIEW_SHORTCUTS[event.key]
      if (!view) return
      event.preventDefault()
      setView(view)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [setView])
}
