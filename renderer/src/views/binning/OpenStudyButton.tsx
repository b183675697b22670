import { useRef } from 'react'
import { useStudio } from '../../store/context'
import { FolderOpenIcon } from '../icons'

/**
 * A file input in both hosts, for a study config or a study database. It opens the file as a drop
 * does: from its real path in Electron (so a config's relative paths resolve beside it), else by
 * its name and text.
 */
export function OpenStudyButton({
  label = 'Open study config…',
  variant = 'primary',
}: {
  label?: string
  variant?: 'primary' | 'ghost'
}) {
  const loadDroppedFile = useStudio((s) => s.loadDroppedFile)
  const inputRef = useRef<HTMLInputElement>(null)
  return (
    <>
      <button type="button" className={`button button-${variant}`} onClick={() => inputRef.current?.click()}>
        <FolderOpenIcon />
        {label}
      </button>
      <input
        ref={inputRef}
        type="file"
        accept=".yaml,.yml,.json,.db,.sqlite,.sqlite3,application/yaml,application/json"
        hidden
        aria-label="Choose a study config or a study database"
        data-testid="study-file-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0]
          event.currentTarget.value = ''
          if (file) void loadDroppedFile(file)
        }}
      />
    </>
  )
}
