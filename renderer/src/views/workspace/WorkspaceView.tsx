import { useMemo } from 'react'
import type { WorkspaceSummary } from '../../../../preload/api'
import { sampleColors } from '../../charts/palette'
import { useStudio } from '../../store/context'
import { ChannelPanel } from './ChannelPanel'
import { ChannelsTable } from './ChannelsTable'
import { MeasurementCard } from './MeasurementCard'
import { ModifiersSummary } from './ModifiersSummary'
import { ParametersTable } from './ParametersTable'

export function WorkspaceView({ summary }: { summary: WorkspaceSummary }) {
  const selectedChannel = useStudio((s) => s.selectedChannel)
  const selectChannel = useStudio((s) => s.selectChannel)
  const colors = useMemo(() => sampleColors(summary), [summary])
  const channel = summary.channels.find((c) => c.name === selectedChannel) ?? summary.channels[0]

  return (
    <div className="workspace" data-testid="workspace-summary">
      <MeasurementCard summary={summary} />
      <div className="workspace-grid">
        {channel && (
          <ChannelPanel
            channels={summary.channels}
            channel={channel}
            colors={colors}
            onSelect={selectChannel}
          />
        )}
        <div className="workspace-side">
          <ChannelsTable channels={summary.channels} selected={channel?.name ?? null} onSelect={selectChannel} />
          <ModifiersSummary modifiers={summary.modifiers} />
        </div>
      </div>
      <ParametersTable parameters={summary.parameters} poi={summary.poi} />
    </div>
  )
}
