import type { ModifierType, ModifierTypeCount } from '../../../../preload/api'

const DESCRIPTIONS: Record<ModifierType, string> = {
  normfactor: 'free normalisation',
  shapefactor: 'free per-bin normalisation',
  normsys: 'normalisation uncertainty, Gaussian-constrained',
  histosys: 'correlated shape uncertainty, Gaussian-constrained',
  lumi: 'luminosity, Gaussian-constrained',
  shapesys: 'uncorrelated shape uncertainty, Poisson-constrained',
  staterror: 'MC statistical uncertainty, Gaussian-constrained',
}

export function ModifiersSummary({ modifiers }: { modifiers: readonly ModifierTypeCount[] }) {
  return (
    <section className="panel" aria-labelledby="modifiers-title" data-testid="modifiers-summary">
      <h2 id="modifiers-title" className="panel-title">
        Modifiers
      </h2>
      {modifiers.length === 0 ? (
        <p className="muted">No modifiers: the likelihood has no nuisance parameters.</p>
      ) : (
        <ul className="modifier-types">
          {modifiers.map((group) => (
            <li key={group.type} className="modifier-type" data-modifier-type={group.type}>
              <div className="modifier-type-header">
                <code className="modifier-type-name">{group.type}</code>
                <span className="modifier-type-count" aria-label={`${group.count} entries`}>
                  {group.count}
                </span>
                <span className="modifier-type-description">{DESCRIPTIONS[group.type]}</span>
              </div>
              <ul className="chips">
                {group.names.map((name) => (
                  <li key={name} className="chip">
                    {name}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
