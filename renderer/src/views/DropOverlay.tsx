import type { StudioView } from '../store/study'
import { UploadIcon } from './icons'

export function DropOverlay({ view = 'workspace' }: { view?: StudioView }) {
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-box">
        <UploadIcon width={40} height={40} strokeWidth={1.4} />
        <p>{view === 'binning' ? 'Release to open the study config or database' : 'Release to open the workspace'}</p>
        <p className="drop-overlay-kinds">pyhf workspace · patchset · study config · study database (.db) · ROOT file (.root)</p>
      </div>
    </div>
  )
}
