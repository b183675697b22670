import { UploadIcon } from '../icons'
import { OpenStudyButton } from './OpenStudyButton'

export function BinningEmptyState() {
  return (
    <div className="empty-state">
      <section className="drop-zone" data-testid="study-drop-zone" aria-labelledby="study-drop-title">
        <UploadIcon className="drop-zone-icon" width={36} height={36} strokeWidth={1.4} />
        <h1 id="study-drop-title">
          Drop a study config (study.yaml) here
          <span className="drop-zone-alternative"> — or choose a file</span>
        </h1>
        <p className="drop-zone-hint">
          A YAML or JSON study: the model (analytic shapes or ntuples), the binning search space, the
          objective such as Z0, constraints and baselines. The preview then scores every binning you
          draw.
        </p>
        <OpenStudyButton />
      </section>
    </div>
  )
}
