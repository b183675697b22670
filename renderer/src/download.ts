/** Save data the renderer holds as a file, through a temporary `<a download>` (works in Electron and browsers). */
export function downloadUrl(url: string, fileName: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
}

export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  downloadUrl(url, fileName)
  // The click starts the download synchronously; revoke once the browser has taken the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A file-name-safe stem: letters, digits, dot, dash and underscore. */
export function fileStem(name: string): string {
  return name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'histune'
}
