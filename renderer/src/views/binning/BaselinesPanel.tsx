import type { StudySetup } from '../../../../preload/api'
import { useStudio } from '../../store/context'
import { totalBins } from '../../store/trials'
import { formatScore, objectiveLabel } from './labels'

/** The study's reference binnings with their scores: apply one to the preview, or overlay its edges. */
export function BaselinesPanel({ setup }: { setup: StudySetup }) {
  const baselines = useStudio((s) => s.baselines)
  const error = useStudio((s) => s.baselinesError)
  const overlay = useStudio((s) => s.overlayBaseline)
  const source = useStudio((s) => s.previewSource)
  const applyBaseline = useStudio((s) => s.applyBaseline)
  const setOverlayBaseline = useStudio((s) => s.setOverlayBaseline)
  const objective = objectiveLabel(setup.objectiveNames[0] ?? 'z0')
  const entries = Object.entries(baselines ?? {})
  const hasHeldout = entries.some(([, b]) => b.heldoutValue !== undefined)

  return (
    <section className="panel" aria-labelledby="baselines-title" data-testid="baselines">
      <h2 id="baselines-title" className="panel-title">
        Baselines
      </h2>
      {error ? (
        <p className="evaluation-error" role="alert">
          {error.message}
        </p>
      ) : baselines === null ? (
        <p className="muted" role="status">
          Computing baselines…
        </p>
      ) : entries.length === 0 ? (
        <p className="muted">This study defines no baselines.</p>
      ) : (
        <div className="baselines-scroll">
        <table className="data-table baselines-table">
          <thead>
            <tr>
              <th scope="col">Binning</th>
              <th scope="col" className="num">
                {objective}
              </th>
              {hasHeldout && (
                <th scope="col" className="num">
                  Held-out
                </th>
              )}
              <th scope="col" className="num">
                Bins
              </th>
              <th scope="col" title="Overlay the edges on the preview as dashed lines">
                Overlay
              </th>
              <th scope="col">
                <span className="visually-hidden">Apply</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, baseline]) => {
              const applied = source.kind === 'baseline' && source.name === name
              const failed = baseline.error !== undefined
              return (
                <tr key={name} className={applied ? 'selected' : undefined} data-testid="baseline-row">
                  <th scope="row">
                    <code className="baseline-name">{name}</code>
                  </th>
                  {failed ? (
                    <td colSpan={hasHeldout ? 5 : 4} className="muted" title={baseline.error}>
                      failed: {baseline.error}
                    </td>
                  ) : (
                    <>
                      <td className="num">{formatScore(baseline.value)}</td>
                      {hasHeldout && (
                        <td className="num">{baseline.heldoutValue === undefined ? '—' : formatScore(baseline.heldoutValue)}</td>
                      )}
                      <td className="num">{totalBins(baseline.edges) ?? '—'}</td>
                    </>
                  )}
                  {!failed && (
                    <>
                      <td>
                        <input
                          type="checkbox"
                          checked={overlay === name}
                          onChange={(e) => setOverlayBaseline(e.currentTarget.checked ? name : null)}
                          aria-label={`Overlay the edges of ${name}`}
                        />
                      </td>
                      <td className="baseline-actions">
                        <button
                          type="button"
                          className="button button-ghost button-small"
                          onClick={() => applyBaseline(name)}
                          aria-label={`Apply baseline ${name} to the preview`}
                        >
                          Apply
                        </button>
                      </td>
                    </>
                  )}
                </tr>
              )
            })}
          </tbody>
        </table>
        </div>
      )}
    </section>
  )
}
