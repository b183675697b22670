import type { ReactNode } from 'react'
import type { WorkspaceSummary } from '../../../../preload/api'

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  )
}

export function MeasurementCard({ summary }: { summary: WorkspaceSummary }) {
  const others = summary.measurements.filter((m) => m.name !== summary.measurement)
  const sampleNames = new Set(summary.samples.map((s) => s.name))
  return (
    <section className="measurement" aria-label="Measurement">
      <dl className="facts">
        <Fact label="Parameter of interest" testId="poi">
          <code className="poi">{summary.poi}</code>
        </Fact>
        <Fact label="Measurement" testId="measurement">
          {summary.measurement}
        </Fact>
        <Fact label="Channels">{summary.channels.length}</Fact>
        <Fact label="Bins">{summary.nBins}</Fact>
        <Fact label="Samples">{sampleNames.size}</Fact>
        <Fact label="Parameters">
          {summary.nParameters}
          {summary.parameters.length !== summary.nParameters && (
            <span className="fact-detail"> in {summary.parameters.length} sets</span>
          )}
        </Fact>
      </dl>
      {others.length > 0 && (
        <p className="other-measurements">
          Other measurements:{' '}
          {others.map((m, i) => (
            <span key={m.name}>
              {i > 0 && ', '}
              {m.name} (POI <code>{m.poi}</code>)
            </span>
          ))}
        </p>
      )}
    </section>
  )
}
