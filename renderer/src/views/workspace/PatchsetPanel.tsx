import { useId, useRef, useState, type DragEvent } from 'react'
import type { LoadedPatchset } from '../../store/workspace-editor'

const stop = (event: DragEvent) => {
  // The window treats a drop as a workspace to open: a patchset dropped here is this panel's.
  event.preventDefault()
  event.stopPropagation()
}

/** Open or drop a pyhf patchset, see its patches, and apply one (through the engine, digest checked). */
export function PatchsetPanel({
  patchset,
  onOpen,
  onApply,
  onClose,
}: {
  patchset: LoadedPatchset | null
  onOpen: (file: File) => void
  onApply: (name: string) => Promise<void>
  onClose: () => void
}) {
  const inputId = useId()
  const inputRef = useRef<HTMLInputElement>(null)
  const [over, setOver] = useState(false)
  const [filter, setFilter] = useState('')
  const [busy, setBusy] = useState<string | null>(null)
  const needle = filter.trim().toLowerCase()
  const patches = patchset?.summary.patches.filter((p) => p.name.toLowerCase().includes(needle)) ?? []

  return (
    <section
      className={`patchset-panel${over ? ' drop-target' : ''}`}
      aria-labelledby="patchset-title"
      data-testid="patchset-panel"
      onDragEnter={(e) => {
        stop(e)
        setOver(true)
      }}
      onDragOver={(e) => {
        stop(e)
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
      }}
      onDragLeave={(e) => {
        stop(e)
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false)
      }}
      onDrop={(e) => {
        stop(e)
        setOver(false)
        const file = e.dataTransfer?.files[0]
        if (file) onOpen(file)
      }}
    >
      <div className="panel-header">
        <h3 id="patchset-title" className="panel-title">
          Patchset
        </h3>
        <input
          ref={inputRef}
          id={inputId}
          type="file"
          accept=".json,application/json"
          className="visually-hidden"
          aria-label="Open a patchset file"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0]
            if (file) onOpen(file)
            e.currentTarget.value = ''
          }}
        />
        <button type="button" className="button button-small button-ghost" onClick={() => inputRef.current?.click()}>
          {patchset ? 'Open another…' : 'Open patchset…'}
        </button>
        {patchset && (
          <button type="button" className="button button-small button-ghost" onClick={onClose} aria-label="Close the patchset">
            Close
          </button>
        )}
      </div>
      {!patchset ? (
        <p className="muted patchset-empty">Drop a pyhf patchset here (e.g. signal hypotheses) to apply one of its patches.</p>
      ) : (
        <>
          <p className="patchset-meta">
            <strong>{patchset.fileName.split(/[\\/]/).pop()}</strong> · {patchset.summary.patches.length} patches
            {patchset.summary.labels.length > 0 && <> · labels {patchset.summary.labels.join(', ')}</>}
            {patchset.summary.description && <span className="muted"> · {patchset.summary.description}</span>}
          </p>
          {patchset.summary.patches.length > 8 && (
            <input
              type="search"
              className="search"
              aria-label="Filter patches"
              placeholder="Filter patches"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
            />
          )}
          <ul className="patch-list" aria-label="Patches">
            {patches.map((p) => (
              <li key={p.name} className="patch-item">
                <span className="patch-name">{p.name}</span>
                <span className="patch-values muted">
                  {p.values.join(', ')} · {p.operations} op{p.operations === 1 ? '' : 's'}
                </span>
                <button
                  type="button"
                  className="button button-small button-ghost"
                  disabled={busy !== null}
                  aria-label={`Apply patch ${p.name}`}
                  onClick={async () => {
                    setBusy(p.name)
                    try {
                      await onApply(p.name)
                    } finally {
                      setBusy(null)
                    }
                  }}
                >
                  {busy === p.name ? 'Applying…' : 'Apply'}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
