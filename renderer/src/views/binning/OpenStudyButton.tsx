import { useRef } from 'react'
import { useStudio } from '../../store/context'
import { FolderOpenIcon } from '../icons'

/** A file input in both hosts: the renderer reads the config and sends its text. */
export function OpenStudyButton({
  label = 'Open study config…',
  variant = 'primary',
}: {
  label?: string
  variant?: 'primary' | 'ghost'
}) {
  const loadStudyConfigFile = useStudio((s) => s.loadStudyConfigFile)
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
        accept=".yaml,.yml,.json,application/yaml,application/json"
        hidden
        aria-label="Choose a study config file"
        data-testid="study-file-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0]
          event.currentTarget.value = ''
          if (file) void loadStudyConfigFile(file)
        }}
      />
    </>
  )
}
