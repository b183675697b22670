import { useStudio } from '../../store/context'
import { UploadIcon } from '../icons'
import { RecentStudies } from '../RecentFiles'
import { OpenStudyButton } from './OpenStudyButton'

export function BinningEmptyState() {
  const engine = useStudio((s) => s.engine)
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
          draw. A study database (.db) written by Histune reopens its studies, ready to continue.
        </p>
        {engine?.host === 'serve' && engine.baseDir && (
          <p className="drop-zone-hint" data-testid="serve-base-dir">
            In a browser only a dropped file’s name and text arrive: a config’s relative model paths and a dropped
            database’s name are looked up in <code>{engine.baseDir}</code>, where <code>histune serve</code> runs.
          </p>
        )}
        <OpenStudyButton />
      </section>
      <RecentStudies />
    </div>
  )
}
