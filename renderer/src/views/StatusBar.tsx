import { useStudio } from '../store/context'
import { GpuStatus } from './GpuStatus'

export function StatusBar() {
  const view = useStudio((s) => s.view)
  const summary = useStudio((s) => s.summary)
  const setup = useStudio((s) => s.setup)
  const engine = useStudio((s) => s.engine)
  let text: string
  if (view === 'binning') {
    text = setup
      ? `Study ${setup.name} · ${setup.channels.length} ${setup.channels.length === 1 ? 'channel' : 'channels'} · objective ${setup.objectiveNames.join(', ')} · sampler ${setup.sampler}`
      : 'No study loaded'
  } else {
    text = summary
      ? `pyhf workspace ${summary.version} · ${summary.channels.length} channels · ${summary.nBins} bins · ${summary.nParameters} parameters`
      : 'No workspace open'
  }
  return (
    <footer className="status-bar">
      <span>{text}</span>
      <GpuStatus />
      {engine && (
        <span>
          engine {engine.version} · {engine.host === 'electron' ? 'desktop' : 'histune serve'}
        </span>
      )}
    </footer>
  )
}
