import { useId, useState } from 'react'
import type { ParameterSummary } from '../../../../preload/api'
import { formatBounds, formatVector } from '../../format'

const CONSTRAINT_LABEL = { normal: 'Gaussian', poisson: 'Poisson' } as const

export function ParametersTable({
  parameters,
  poi,
}: {
  parameters: readonly ParameterSummary[]
  poi: string
}) {
  const [filter, setFilter] = useState('')
  const filterId = useId()
  const needle = filter.trim().toLowerCase()
  const shown = needle
    ? parameters.filter(
        (p) => p.name.toLowerCase().includes(needle) || p.modifierType.includes(needle),
      )
    : parameters

  return (
    <section className="panel" aria-labelledby="parameters-title">
      <div className="panel-header">
        <h2 id="parameters-title" className="panel-title">
          Parameters
        </h2>
        {parameters.length > 8 && (
          <>
            <label htmlFor={filterId} className="visually-hidden">
              Filter parameters
            </label>
            <input
              id={filterId}
              type="search"
              className="search"
              placeholder="Filter by name or type"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
            />
          </>
        )}
      </div>
      <div className="table-scroll">
        <table className="data-table" data-testid="parameters-table" aria-labelledby="parameters-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col" className="num">n</th>
              <th scope="col" className="num">Initial</th>
              <th scope="col" className="num">Bounds</th>
              <th scope="col">Fixed</th>
              <th scope="col">Constraint</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.name} className={p.name === poi ? 'poi-row' : undefined}>
                <th scope="row">
                  <code>{p.name}</code>
                  {p.name === poi && <span className="badge">POI</span>}
                </th>
                <td>{p.modifierType}</td>
                <td className="num">{p.n}</td>
                <td className="num" title={p.inits.join(', ')}>
                  {formatVector(p.inits)}
                </td>
                <td className="num" title={p.bounds.map((b) => `[${b[0]}, ${b[1]}]`).join(' ')}>
                  {formatBounds(p.bounds)}
                </td>
                <td>{p.fixed ? 'fixed' : <span className="muted">free</span>}</td>
                <td>{p.constraint ? CONSTRAINT_LABEL[p.constraint] : <span className="muted">—</span>}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No parameter matches “{filter}”.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  )
}
