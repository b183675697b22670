import type { ChannelSummary } from '../../../../preload/api'
import { formatNumber, sum } from '../../format'
import { ModifierChips } from './ModifierChips'

export function SamplesTable({
  channel,
  colors,
}: {
  channel: ChannelSummary
  colors: ReadonlyMap<string, string>
}) {
  const expected = sum(channel.samples.map((s) => s.total))
  return (
    <table className="data-table" data-testid="samples-table" aria-label={`Samples in channel ${channel.name}`}>
      <thead>
        <tr>
          <th scope="col">Sample</th>
          <th scope="col" className="num">Yield</th>
          <th scope="col" className="num">Share</th>
          <th scope="col">Modifiers</th>
        </tr>
      </thead>
      <tbody>
        {channel.samples.map((sample) => (
          <tr key={sample.name}>
            <th scope="row">
              <span className="sample-name">
                <span className="swatch" style={{ background: colors.get(sample.name) }} aria-hidden="true" />
                {sample.name}
              </span>
            </th>
            <td className="num">{formatNumber(sample.total)}</td>
            <td className="num muted">
              {expected > 0 ? `${((100 * sample.total) / expected).toFixed(1)} %` : '—'}
            </td>
            <td>
              <ModifierChips modifiers={sample.modifiers} />
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total expected</th>
          <td className="num">{formatNumber(expected)}</td>
          <td />
          <td />
        </tr>
        <tr>
          <th scope="row">Observed</th>
          <td className="num">{formatNumber(sum(channel.observed))}</td>
          <td />
          <td />
        </tr>
      </tfoot>
    </table>
  )
}
