import type { ModifierRef } from '../../../../preload/api'

export function ModifierChips({ modifiers }: { modifiers: readonly ModifierRef[] }) {
  if (modifiers.length === 0) return <span className="muted">none</span>
  return (
    <ul className="chips">
      {modifiers.map((m) => (
        <li key={`${m.type}:${m.name}`} className="chip" data-modifier-type={m.type} title={`${m.name} (${m.type})`}>
          {m.name}
          <span className="chip-type">{m.type}</span>
        </li>
      ))}
    </ul>
  )
}
