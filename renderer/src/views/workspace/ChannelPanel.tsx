import { useId } from 'react'
import type { ChannelSummary } from '../../../../preload/api'
import { HistogramChart } from './HistogramChart'
import { SamplesTable } from './SamplesTable'

function ChannelSelector({
  channels,
  selected,
  onSelect,
}: {
  channels: readonly ChannelSummary[]
  selected: string
  onSelect: (name: string) => void
}) {
  const id = useId()
  return (
    <div className="channel-selector">
      <label htmlFor={id}>Channel</label>
      <select id={id} value={selected} onChange={(e) => onSelect(e.currentTarget.value)}>
        {channels.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  )
}

export function ChannelPanel({
  channels,
  channel,
  colors,
  onSelect,
}: {
  channels: readonly ChannelSummary[]
  channel: ChannelSummary
  colors: ReadonlyMap<string, string>
  onSelect: (name: string) => void
}) {
  return (
    <section className="panel channel-panel" aria-labelledby="channel-title">
      <div className="panel-header">
        <h2 id="channel-title" className="panel-title">
          {channels.length > 1 ? 'Yields by sample' : `Yields by sample · ${channel.name}`}
        </h2>
        {channels.length > 1 && (
          <ChannelSelector channels={channels} selected={channel.name} onSelect={onSelect} />
        )}
      </div>
      <HistogramChart channel={channel} colors={colors} />
      <p className="chart-note">
        Bins are labelled by index (pyhf workspaces carry no bin edges). Observed: √n error bars.
      </p>
      <SamplesTable channel={channel} colors={colors} />
    </section>
  )
}
