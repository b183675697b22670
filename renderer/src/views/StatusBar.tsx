import { useStudio } from '../store/context'

export function StatusBar() {
  const summary = useStudio((s) => s.summary)
  const engine = useStudio((s) => s.engine)
  return (
    <footer className="status-bar">
      <span>
        {summary
          ? `pyhf workspace ${summary.version} · ${summary.channels.length} channels · ${summary.nBins} bins · ${summary.nParameters} parameters`
          : 'No workspace open'}
      </span>
      {engine && (
        <span>
          engine {engine.version} · {engine.host === 'electron' ? 'desktop' : 'histune serve'}
        </span>
      )}
    </footer>
  )
}
