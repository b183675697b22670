import type { ChannelSummary } from '../../../../preload/api'
import { formatNumber, sum } from '../../format'

export function ChannelsTable({
  channels,
  selected,
  onSelect,
}: {
  channels: readonly ChannelSummary[]
  selected: string | null
  onSelect: (name: string) => void
}) {
  return (
    <section className="panel" aria-labelledby="channels-title">
      <h2 id="channels-title" className="panel-title">
        Channels
      </h2>
      <table className="data-table" data-testid="channels-table" aria-labelledby="channels-title">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col" className="num">Bins</th>
            <th scope="col" className="num">Samples</th>
            <th scope="col" className="num">Expected</th>
            <th scope="col" className="num">Observed</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((channel) => {
            const isSelected = channel.name === selected
            return (
              <tr key={channel.name} className={isSelected ? 'selected' : undefined}>
                <th scope="row">
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => onSelect(channel.name)}
                    aria-current={isSelected ? 'true' : undefined}
                    aria-label={`Show channel ${channel.name}`}
                  >
                    {channel.name}
                  </button>
                </th>
                <td className="num">{channel.nBins}</td>
                <td className="num">{channel.samples.length}</td>
                <td className="num">{formatNumber(sum(channel.samples.map((s) => s.total)))}</td>
                <td className="num">{formatNumber(sum(channel.observed))}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </section>
  )
}
