import { useEffect, useRef } from 'react'
import type { StudyDatabase } from '../../../../preload/api'
import { baseName, formatOpenedAt } from '../../format'
import { useStudio } from '../../store/context'
import { CloseIcon } from '../icons'
import { formatScore } from './labels'

/** The studies of a dropped or reopened database: pick one to show its trials and resume it. */
export function DatabaseDialog({ database }: { database: StudyDatabase }) {
  const closeDatabase = useStudio((s) => s.closeDatabase)
  const openStoredStudy = useStudio((s) => s.openStoredStudy)
  const firstRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    firstRef.current?.focus()
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') closeDatabase()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [closeDatabase])
  let focusable = true

  return (
    <div className="modal-backdrop" onClick={closeDatabase}>
      <div
        className="modal database-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="database-title"
        data-testid="database-dialog"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="modal-header">
          <h2 id="database-title">
            Studies in <span title={database.path}>{baseName(database.path)}</span>
          </h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={closeDatabase}>
            <CloseIcon />
          </button>
        </div>
        <p className="muted database-path">{database.path}</p>
        {database.studies.length === 0 ? (
          <p className="chart-note">This database holds no study yet.</p>
        ) : (
          <table className="data-table database-studies">
            <thead>
              <tr>
                <th scope="col">Study</th>
                <th scope="col" className="num">
                  Trials
                </th>
                <th scope="col" className="num">
                  Best
                </th>
                <th scope="col">Started</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {database.studies.map((study) => {
                const ref = study.resumable && focusable ? firstRef : undefined
                if (ref) focusable = false
                return (
                  <tr key={study.name} data-testid="stored-study" data-study={study.name}>
                    <th scope="row">
                      {study.name}
                      <span className="fact-detail">
                        {' '}
                        {study.directions.map((d) => (d === 'maximize' ? '↑' : '↓')).join(' ')}
                      </span>
                    </th>
                    <td className="num">{study.nTrials}</td>
                    <td className="num">{study.bestValue === null ? '—' : formatScore(study.bestValue)}</td>
                    <td>{study.startedAt ? formatOpenedAt(study.startedAt) : '—'}</td>
                    <td>
                      {study.resumable ? (
                        <button
                          ref={ref}
                          type="button"
                          className="button button-primary"
                          onClick={() => void openStoredStudy(database.path, study.name)}
                          data-testid="open-stored-study"
                          title={study.configFile ? `Config: ${study.configFile}` : undefined}
                        >
                          Open
                        </button>
                      ) : (
                        <span className="muted" title="The study keeps no Histune config (made by Optuna or another tool)">
                          not a Histune study
                        </span>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
        <p className="help-foot">
          Opening a study shows its trials and charts; <strong>Continue</strong> then adds trials to it.
        </p>
      </div>
    </div>
  )
}
