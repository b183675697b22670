import { UploadIcon } from './icons'

export function DropOverlay() {
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-box">
        <UploadIcon width={40} height={40} strokeWidth={1.4} />
        <p>Release to open the workspace</p>
      </div>
    </div>
  )
}
