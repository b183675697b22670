import { useEffect, useSyncExternalStore } from 'react'
import { useStudio } from '../store/context'
import { resolveTheme, type ResolvedTheme } from '../store/studio'

const DARK_QUERY = '(prefers-color-scheme: dark)'

let query: MediaQueryList | null | undefined

/** One query list for the page: React asks for the snapshot on every render of every chart. */
function darkQuery(): MediaQueryList | null {
  if (query === undefined) query = typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null
  return query
}

function subscribe(onChange: () => void): () => void {
  const query = darkQuery()
  query?.addEventListener('change', onChange)
  return () => query?.removeEventListener('change', onChange)
}

function systemPrefersDark(): boolean {
  return darkQuery()?.matches ?? false
}

/** The theme in effect: the setting, with `system` following the OS. */
export function useResolvedTheme(): ResolvedTheme {
  const theme = useStudio((s) => s.theme)
  const prefersDark = useSyncExternalStore(subscribe, systemPrefersDark)
  return resolveTheme(theme, prefersDark)
}

/** Apply the theme to the document so the CSS variables switch. */
export function useDocumentTheme(): ResolvedTheme {
  const resolved = useResolvedTheme()
  useEffect(() => {
    document.documentElement.dataset.theme = resolved
  }, [resolved])
  return resolved
}
