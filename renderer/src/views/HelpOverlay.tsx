import { useEffect, useRef } from 'react'
import { useStudio } from '../store/context'
import { CloseIcon } from './icons'

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform)
const MOD = isMac ? '⌘' : 'Ctrl'

export interface Shortcut {
  keys: string[]
  action: string
}

/** Every keyboard shortcut of the studio, by where it works. */
export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Anywhere',
    items: [
      { keys: ['?'], action: 'Show this help' },
      { keys: ['Esc'], action: 'Close this help or a dialog' },
      { keys: [MOD, '1'], action: 'Workspace view' },
      { keys: [MOD, '2'], action: 'Binning view' },
      { keys: [MOD, 'O'], action: 'Open a workspace (desktop app)' },
      { keys: [MOD, 'Shift', 'O'], action: 'Open a study config or database (desktop app)' },
      { keys: ['←', '→'], action: 'Switch views when a view tab has focus' },
    ],
  },
  {
    group: 'Workspace editor',
    items: [
      { keys: [MOD, 'S'], action: 'Save the workspace' },
      { keys: [MOD, 'Z'], action: 'Undo' },
      { keys: [MOD, 'Shift', 'Z'], action: `Redo (also ${MOD}+Y)` },
      { keys: [MOD, 'F'], action: 'Find in the JSON' },
    ],
  },
  {
    group: 'Binning preview',
    items: [
      { keys: ['Drag'], action: 'Move a bin edge (Z0 updates as you drag)' },
      { keys: ['Double-click'], action: 'Add an edge where you click' },
      { keys: ['Delete'], action: 'Remove the selected edge (also Backspace)' },
      { keys: ['←', '→'], action: 'Nudge the focused edge by one fine bin' },
      { keys: ['Esc'], action: 'Deselect the edge' },
    ],
  },
  {
    group: 'Trials table',
    items: [
      { keys: ['Tab'], action: 'Move between trials' },
      { keys: ['Enter'], action: 'Show the focused trial’s binning in the preview (also Space)' },
    ],
  },
]

/** Whether a key press belongs to a text field (where `?` is typed, not a shortcut). */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || typeof el.closest !== 'function') return false
  return el.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], .cm-editor') !== null
}

/** `?` opens the help overlay anywhere but in a text field. */
export function useHelpShortcut(): void {
  const setHelpOpen = useStudio((s) => s.setHelpOpen)
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '?' || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return
      event.preventDefault()
      setHelpOpen(true)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [setHelpOpen])
}

/** A modal list of the keyboard shortcuts; Esc, the close button or a click outside closes it. */
export function HelpOverlay() {
  const setHelpOpen = useStudio((s) => s.setHelpOpen)
  const closeRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null
    closeRef.current?.focus()
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault()
        setHelpOpen(false)
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => {
      window.removeEventListener('keydown', onKeyDown)
      previous?.focus?.()
    }
  }, [setHelpOpen])

  return (
    <div className="modal-backdrop" onClick={() => setHelpOpen(false)} data-testid="help-backdrop">
      <div
        className="modal help-overlay"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        data-testid="help-overlay"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="modal-header">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button ref={closeRef} type="button" className="icon-button" aria-label="Close the shortcuts" onClick={() => setHelpOpen(false)}>
            <CloseIcon />
          </button>
        </div>
        <div className="help-groups">
          {SHORTCUTS.map((group) => (
            <section key={group.group} aria-labelledby={`help-${group.group}`}>
              <h3 id={`help-${group.group}`}>{group.group}</h3>
              <dl className="help-list">
                {group.items.map((item) => (
                  <div key={item.action} className="help-row">
                    <dt>
                      {item.keys.map((key, i) => (
                        <span key={key}>
                          {i > 0 && (item.keys[0] === MOD ? '+' : ' ')}
                          <kbd>{key}</kbd>
                        </span>
                      ))}
                    </dt>
                    <dd>{item.action}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <p className="help-foot">
          Drop a pyhf workspace, a patchset, a study config (YAML or JSON) or a study database (.db) anywhere on the window.
        </p>
      </div>
    </div>
  )
}
