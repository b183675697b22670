import { useEffect, useRef } from 'react'
import type { ChannelSummary } from '../../../../preload/api'
import { echarts } from '../../charts/echarts'
import { histogramOption } from '../../charts/histogramOption'
import { useElementSize } from '../../hooks/useElementSize'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'

/** The chart is created only once its container has a size (never in jsdom, which has no layout). */
export function HistogramChart({
  channel,
  colors,
}: {
  channel: ChannelSummary
  colors: ReadonlyMap<string, string>
}) {
  const theme = useResolvedTheme()
  const containerRef = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)
  const { width, height } = useElementSize(containerRef)
  const hasSize = width > 0 && height > 0

  useEffect(() => {
    const container = containerRef.current
    if (!hasSize || !container) return
    const chart = echarts.init(container, null, { renderer: 'canvas' })
    chartRef.current = chart
    return () => {
      chart.dispose()
      chartRef.current = null
    }
  }, [hasSize])

  useEffect(() => {
    chartRef.current?.setOption(histogramOption(channel, colors, theme), { notMerge: true })
  }, [hasSize, channel, colors, theme])

  useEffect(() => {
    chartRef.current?.resize()
  }, [width, height])

  return (
    <div
      ref={containerRef}
      className="histogram"
      data-testid="histogram"
      role="img"
      aria-label={`Stacked expected yields of ${channel.samples.length} samples and observed data in channel ${channel.name}, ${channel.nBins} bins`}
    />
  )
}
