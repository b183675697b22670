import { useStudio } from '../store/context'
import type { StudioView } from '../store/study'

const TABS: { view: StudioView; label: string; key: string }[] = [
  { view: 'workspace', label: 'Workspace', key: '1' },
  { view: 'binning', label: 'Binning', key: '2' },
]

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform)

export function ViewTabs() {
  const view = useStudio((s) => s.view)
  const setView = useStudio((s) => s.setView)
  return (
    <nav className="view-tabs" role="tablist" aria-label="Views">
      {TABS.map((tab) => {
        const shortcut = `${isMac ? '⌘' : 'Ctrl+'}${tab.key}`
        return (
          <button
            key={tab.view}
            type="button"
            role="tab"
            id={`tab-${tab.view}`}
            aria-selected={view === tab.view}
            aria-controls="view-panel"
            aria-keyshortcuts={`${isMac ? 'Meta' : 'Control'}+${tab.key}`}
            tabIndex={view === tab.view ? 0 : -1}
            className="view-tab"
            data-testid={`tab-${tab.view}`}
            title={`${tab.label} (${shortcut})`}
            onClick={() => setView(tab.view)}
            onKeyDown={(event) => {
              if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
              const next = TABS[(TABS.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]
              if (!next) return
              setView(next.view)
              document.getElementById(`tab-${next.view}`)?.focus()
            }}
          >
            {tab.label}
            <kbd className="view-tab-key">{shortcut}</kbd>
          </button>
        )
      })}
    </nav>
  )
}
