import { useEffect, useMemo, useState } from 'react'
import type { WorkspaceSummary } from '../../../../preload/api'
import { sampleColors } from '../../charts/palette'
import { useStudio } from '../../store/context'
import { ChannelPanel } from './ChannelPanel'
import { ChannelsTable } from './ChannelsTable'
import { MeasurementCard } from './MeasurementCard'
import { ModifiersSummary } from './ModifiersSummary'
import { ParametersTable } from './ParametersTable'
import { WorkspaceEditor } from './WorkspaceEditor'

type WorkspaceMode = 'overview' | 'editor'

const MODES: { mode: WorkspaceMode; label: string }[] = [
  { mode: 'overview', label: 'Overview' },
  { mode: 'editor', label: 'Edit' },
]

function ModeSwitch({ mode, onChange }: { mode: WorkspaceMode; onChange: (mode: WorkspaceMode) => void }) {
  return (
    <div className="workspace-modes" role="tablist" aria-label="Workspace">
      {MODES.map((m) => (
        <button
          key={m.mode}
          type="button"
          role="tab"
          id={`workspace-mode-${m.mode}`}
          aria-selected={mode === m.mode}
          aria-controls="workspace-mode-panel"
          className="workspace-mode"
          onClick={() => onChange(m.mode)}
        >
          {m.label}
        </button>
      ))}
    </div>
  )
}

function Overview({ summary }: { summary: WorkspaceSummary }) {
  const selectedChannel = useStudio((s) => s.selectedChannel)
  const selectChannel = useStudio((s) => s.selectChannel)
  const colors = useMemo(() => sampleColors(summary), [summary])
  const channel = summary.channels.find((c) => c.name === selectedChannel) ?? summary.channels[0]
  return (
    <>
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
    </>
  )
}

export function WorkspaceView({ summary }: { summary: WorkspaceSummary }) {
  const [mode, setMode] = useState<WorkspaceMode>('overview')
  const patchsetDropped = useStudio((s) => s.droppedPatchset !== null)
  useEffect(() => {
    if (patchsetDropped) setMode('editor')
  }, [patchsetDropped])
  return (
    <div className="workspace" data-testid="workspace-summary">
      <MeasurementCard summary={summary} />
      <ModeSwitch mode={mode} onChange={setMode} />
      <div id="workspace-mode-panel" role="tabpanel" aria-labelledby={`workspace-mode-${mode}`} className="workspace-mode-panel">
        {mode === 'overview' ? <Overview summary={summary} /> : <WorkspaceEditor />}
      </div>
    </div>
  )
}
