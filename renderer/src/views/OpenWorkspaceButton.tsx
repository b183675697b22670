import { useRef } from 'react'
import { useStudio } from '../store/context'
import { FolderOpenIcon } from './icons'

/**
 * In Electron the backend shows its native dialog; in a browser a hidden file input picks the file
 * and the renderer reads it.
 */
export function OpenWorkspaceButton({
  label = 'Open workspace…',
  variant = 'primary',
}: {
  label?: string
  variant?: 'primary' | 'ghost'
}) {
  const host = useStudio((s) => s.host)
  const showOpenDialog = useStudio((s) => s.showOpenDialog)
  const loadWorkspaceFile = useStudio((s) => s.loadWorkspaceFile)
  const inputRef = useRef<HTMLInputElement>(null)

  const open = () => {
    if (host === 'electron') void showOpenDialog()
    else inputRef.current?.click()
  }

  return (
    <>
      <button type="button" className={`button button-${variant}`} onClick={open}>
        <FolderOpenIcon />
        {label}
      </button>
      {host !== 'electron' && (
        <input
          ref={inputRef}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="Choose a pyhf workspace file"
          data-testid="file-input"
          onChange={(event) => {
            const file = event.currentTarget.files?.[0]
            event.currentTarget.value = ''
            if (file) void loadWorkspaceFile(file)
          }}
        />
      )}
    </>
  )
}
