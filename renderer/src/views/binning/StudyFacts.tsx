import type { StudySetup } from '../../../../preload/api'
import { objectiveLabel } from './labels'

export function StudyFacts({ setup }: { setup: StudySetup }) {
  const nFine = setup.channels.reduce((n, c) => n + c.signal.length, 0)
  return (
    <section aria-label="Study">
      <dl className="facts">
        <div className="fact">
          <dt>Study</dt>
          <dd data-testid="study-name">{setup.name}</dd>
        </div>
        <div className="fact">
          <dt>{setup.objectiveNames.length > 1 ? 'Objectives' : 'Objective'}</dt>
          <dd>
            {setup.objectiveNames.map((name, i) => (
              <span key={name} className="objective-fact">
                {i > 0 && ', '}
                {objectiveLabel(name)}
                <span className="fact-detail"> {setup.directions[i] === 'minimize' ? '↓ min' : '↑ max'}</span>
              </span>
            ))}
          </dd>
        </div>
        <div className="fact">
          <dt>Channels</dt>
          <dd>
            {setup.channels.length}
            <span className="fact-detail"> · {nFine} fine bins</span>
          </dd>
        </div>
        <div className="fact">
          <dt>Search space</dt>
          <dd className="fact-small">
            {setup.space.length === 0
              ? '—'
              : setup.space.map((p) => (
                  <code key={p.name} className="space-param" title={`${p.type} in [${p.low}, ${p.high}]${p.log ? ', log' : ''}`}>
                    {p.name} ∈ [{p.low}, {p.high}]
                  </code>
                ))}
          </dd>
        </div>
        <div className="fact">
          <dt>Constraints</dt>
          <dd className="fact-small">
            {setup.constraintNames.length === 0 ? 'none' : setup.constraintNames.map((c) => <code key={c} className="space-param">{c}</code>)}
          </dd>
        </div>
      </dl>
    </section>
  )
}
