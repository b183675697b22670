import { baseName } from '../format'

export function LoadingState({ label }: { label: string | null }) {
  return (
    <div className="loading-state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <p>{label === null ? 'Opening workspace…' : `Reading ${baseName(label)}…`}</p>
    </div>
  )
}
