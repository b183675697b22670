import { useResolvedTheme } from '../hooks/useResolvedTheme'
import { useStudio } from '../store/context'
import { MoonIcon, SunIcon } from './icons'

export function ThemeToggle() {
  const resolved = useResolvedTheme()
  const setTheme = useStudio((s) => s.setTheme)
  const next = resolved === 'dark' ? 'light' : 'dark'
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => void setTheme(next)}
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
    >
      {resolved === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  )
}
