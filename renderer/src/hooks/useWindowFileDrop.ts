import { useEffect, useRef, useState } from 'react'

function carriesFiles(event: DragEvent): boolean {
  const types = event.dataTransfer?.types
  return types !== undefined && Array.from(types).includes('Files')
}

/**
 * When several files are dropped at once, prefer one Histune opens: a workspace, patchset or study
 * config (`.json`, `.yaml`), else a study database (`.db`, `.sqlite`).
 */
function pickWorkspaceFile(files: FileList | readonly File[]): File | undefined {
  const list = Array.from(files)
  return list.find((f) => /\.(json|ya?ml)$/i.test(f.name)) ?? list.find((f) => /\.(db|sqlite3?)$/i.test(f.name)) ?? list[0]
}

/**
 * Accept a file dropped anywhere on the window. Returns whether files are being dragged over it.
 * Every drag is cancelled so that Electron/the browser never navigates to a dropped file.
 */
export function useWindowFileDrop(onFile: (file: File) => void): boolean {
  const [dragging, setDragging] = useState(false)
  const onFileRef = useRef(onFile)
  useEffect(() => {
    onFileRef.current = onFile
  })

  useEffect(() => {
    let depth = 0
    const onDragEnter = (event: DragEvent) => {
      event.preventDefault()
      if (!carriesFiles(event)) return
      depth++
      setDragging(true)
    }
    const onDragOver = (event: DragEvent) => {
      event.preventDefault()
      if (event.dataTransfer) event.dataTransfer.dropEffect = carriesFiles(event) ? 'copy' : 'none'
    }
    const onDragLeave = (event: DragEvent) => {
      if (!carriesFiles(event)) return
      depth = Math.max(0, depth - 1)
      if (depth === 0) setDragging(false)
    }
    const onDrop = (event: DragEvent) => {
      event.preventDefault()
      depth = 0
      setDragging(false)
      const files = event.dataTransfer?.files
      const file = files ? pickWorkspaceFile(files) : undefined
      if (file) onFileRef.current(file)
    }
    window.addEventListener('dragenter', onDragEnter)
    window.addEventListener('dragover', onDragOver)
    window.addEventListener('dragleave', onDragLeave)
    window.addEventListener('drop', onDrop)
    return () => {
      window.removeEventListener('dragenter', onDragEnter)
      window.removeEventListener('dragover', onDragOver)
      window.removeEventListener('dragleave', onDragLeave)
      window.removeEventListener('drop', onDrop)
    }
  }, [])

  return dragging
}
