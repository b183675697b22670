import { useEffect, useId, useMemo, useState, type MouseEvent } from 'react'
import type { BinContent, StudySetup } from '../../../../preload/api'
import { useEChart } from '../../charts/useEChart'
import {
  PREVIEW_MARGIN,
  fineHistogramOption,
  pixelToX,
  significanceOption,
  type SignificanceMeasure,
} from '../../charts/studyOptions'
import { fileStem } from '../../download'
import { formatNumber } from '../../format'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { useStudio } from '../../store/context'
import { ChartExportButtons } from './ChartExportButtons'
import { EdgeHandles } from './EdgeHandles'

const NO_BINS: readonly BinContent[] = []

/** The setup does not name the binned variable; axes and labels call it this. */
const OBSERVABLE = 'observable'

function ViolationsNote({ bins }: { bins: readonly BinContent[] }) {
  const broken = bins.flatMap((bin, i) => (bin.violations.length ? [{ bin, i }] : []))
  if (broken.length === 0) return null
  const byConstraint = new Map<string, number[]>()
  for (const { bin, i } of broken) {
    for (const name of bin.violations) byConstraint.set(name, [...(byConstraint.get(name) ?? []), i + 1])
  }
  return (
    <ul className="violations-note" data-testid="violations-note">
      {[...byConstraint].map(([name, binNumbers]) => (
        <li key={name}>
          <code>{name}</code> broken in bin{binNumbers.length > 1 ? 's' : ''} {binNumbers.join(', ')}
        </li>
      ))}
    </ul>
  )
}

/** One channel's fine histogram with its current edges as handles, and the per-bin s/√b below. */
export function BinningPreview({ setup }: { setup: StudySetup }) {
  const theme = useResolvedTheme()
  const channelName = useStudio((s) => s.binningChannel)
  const selectBinningChannel = useStudio((s) => s.selectBinningChannel)
  const previewEdges = useStudio((s) => s.previewEdges)
  const evaluation = useStudio((s) => s.evaluation)
  const addEdge = useStudio((s) => s.addEdge)
  const selectEdge = useStudio((s) => s.selectEdge)
  const baselines = useStudio((s) => s.baselines)
  const overlayBaseline = useStudio((s) => s.overlayBaseline)
  const [measure, setMeasure] = useState<SignificanceMeasure>('s/sqrt(b)')
  const channelSelectId = useId()
  const measureSelectId = useId()

  const channel = setup.channels.find((c) => c.name === channelName) ?? setup.channels[0]
  const observable = OBSERVABLE
  const histogram = useEChart()
  const significance = useEChart()

  const histogramOptionValue = useMemo(
    () => (channel ? fineHistogramOption(channel, observable, theme) : null),
    [channel, observable, theme],
  )
  useEffect(() => {
    if (histogram.ready && histogramOptionValue) {
      histogram.chartRef.current?.setOption(histogramOptionValue, { notMerge: true })
    }
  }, [histogram.ready, histogram.chartRef, histogramOptionValue])

  // Delete/Backspace removes the selected edge even when focus is not on its handle (after a double-click).
  const selectedEdge = useStudio((s) => s.selectedEdge)
  const removeEdge = useStudio((s) => s.removeEdge)
  useEffect(() => {
    if (!selectedEdge) return
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Delete' && event.key !== 'Backspace') return
      const target = event.target as HTMLElement | null
      if (target?.closest('input, select, textarea, [contenteditable="true"], [data-edge-index]')) return
      event.preventDefault()
      removeEdge(selectedEdge.channel, selectedEdge.index)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [selectedEdge, removeEdge])

  const bins = (channel && evaluation?.bins[channel.name]) || NO_BINS
  useEffect(() => {
    if (!significance.ready || !channel) return
    significance.chartRef.current?.setOption(significanceOption(bins, channel.range, measure, theme), { notMerge: true })
  }, [significance.ready, significance.chartRef, bins, channel, measure, theme])

  if (!channel) return null
  const edges = previewEdges[channel.name] ?? []
  const overlay = overlayBaseline ? (baselines?.[overlayBaseline]?.edges[channel.name] ?? null) : null

  const onDoubleClick = (event: MouseEvent<HTMLDivElement>) => {
    if ((event.target as HTMLElement).closest('[data-edge-index]')) return
    const rect = event.currentTarget.getBoundingClientRect()
    const px = event.clientX - rect.left
    const py = event.clientY - rect.top
    if (px < PREVIEW_MARGIN.left || px > rect.width - PREVIEW_MARGIN.right) return
    if (py < PREVIEW_MARGIN.top - 12 || py > rect.height - PREVIEW_MARGIN.bottom) return
    addEdge(channel.name, pixelToX(px, channel.range, histogram.width))
  }

  const stem = fileStem(setup.name)
  const drawEdges = (chart: NonNullable<typeof histogram.chartRef.current>) => {
    chart.setOption({
      series: [
        {
          id: 'export-edges',
          type: 'line',
          data: [],
          silent: true,
          markLine: {
            symbol: 'none',
            label: { show: false },
            lineStyle: { color: theme === 'dark' ? '#e6e8eb' : '#1d2127', type: 'solid', width: 1.5 },
            data: edges.map((x) => ({ xAxis: x })),
          },
        },
      ],
    })
    return () => {
      if (histogramOptionValue) chart.setOption(histogramOptionValue, { notMerge: true })
    }
  }

  return (
    <section className="panel preview-panel" aria-labelledby="preview-title">
      <div className="panel-header">
        <h2 id="preview-title" className="panel-title">
          Binning preview{setup.channels.length === 1 ? ` · ${channel.name}` : ''}
        </h2>
        <div className="panel-tools">
          {setup.channels.length > 1 && (
            <div className="channel-selector">
              <label htmlFor={channelSelectId}>Channel</label>
              <select id={channelSelectId} value={channel.name} onChange={(e) => selectBinningChannel(e.currentTarget.value)}>
                {setup.channels.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <span className="edge-count" data-testid="bin-count">
            {Math.max(edges.length - 1, 0)} bins
          </span>
          <ChartExportButtons
            chartRef={histogram.chartRef}
            stem={`${stem}-${channel.name}-binning`}
            label="the binning preview"
            decorate={drawEdges}
          />
        </div>
      </div>
      <div
        className="preview-stage"
        data-testid="binning-preview"
        data-channel={channel.name}
        data-edges={JSON.stringify(previewEdges)}
        onDoubleClick={onDoubleClick}
        onPointerDown={(event) => {
          if (!(event.target as HTMLElement).closest('[data-edge-index]')) selectEdge(null)
        }}
      >
        <div
          ref={histogram.containerRef}
          className="preview-chart"
          role="img"
          aria-label={`Signal and background of ${channel.name} in ${channel.signal.length} fine bins of ${observable}`}
        />
        <EdgeHandles
          channel={channel}
          observable={observable}
          edges={edges}
          width={histogram.width}
          bins={bins}
          overlay={overlay}
        />
      </div>
      <div className="significance-header">
        <label htmlFor={measureSelectId} className="muted">
          Per bin
        </label>
        <select id={measureSelectId} value={measure} onChange={(e) => setMeasure(e.currentTarget.value as SignificanceMeasure)}>
          <option value="s/sqrt(b)">s/√b</option>
          <option value="s/b">s/b</option>
        </select>
        <ChartExportButtons chartRef={significance.chartRef} stem={`${stem}-${channel.name}-significance`} label="the per-bin significance" />
      </div>
      <div
        ref={significance.containerRef}
        className="significance-chart"
        data-testid="significance-chart"
        role="img"
        aria-label={`${measure === 's/b' ? 's/b' : 's/√b'} in each of the ${bins.length} bins of ${channel.name}`}
      />
      <ViolationsNote bins={bins} />
      <p className="chart-note">
        Drag an edge · double-click to add one · select an edge and press Delete to remove it · ←/→ nudge
        {channel.grid ? ` · edges snap to the ${channel.grid.length - 1} fine bins` : ''} · range [
        {formatNumber(channel.range[0])}, {formatNumber(channel.range[1])}]
      </p>
    </section>
  )
}
