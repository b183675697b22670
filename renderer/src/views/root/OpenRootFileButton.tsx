import { useRef } from 'react'
import { useStudio } from '../../store/context'
import { FileIcon } from '../icons'

/** Pick a ROOT file to browse: it opens as a drop does (its real path in Electron, its bytes in a browser). */
export function OpenRootFileButton({ variant = 'ghost' }: { variant?: 'primary' | 'ghost' }) {
  const loadDroppedFile = useStudio((s) => s.loadDroppedFile)
  const inputRef = useRef<HTMLInputElement>(null)
  return (
    <>
      <button type="button" className={`button button-${variant}`} onClick={() => inputRef.current?.click()} data-testid="open-root-file">
        <FileIcon />
        Browse a ROOT file…
      </button>
      <input
        ref={inputRef}
        type="file"
        accept=".root"
        hidden
        aria-label="Choose a ROOT file to browse"
        data-testid="root-file-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0]
          event.currentTarget.value = ''
          if (file) void loadDroppedFile(file)
        }}
      />
    </>
  )
}
