import type { ChannelSummary } from '../../../preload/api'
import type { ResolvedTheme } from '../store/studio'
import { formatNumber } from '../format'
import type { CustomSeriesRenderItem } from 'echarts'
import type { HistogramOption } from './echarts'

interface ChartColors {
  text: string
  mutedText: string
  axis: string
  gridLine: string
  observed: string
  tooltipBackground: string
  tooltipBorder: string
  barEdge: string
}

/** Mirrors the CSS variables of each theme (canvas cannot read them). */
export const CHART_COLORS: Record<ResolvedTheme, ChartColors> = {
  light: {
    text: '#1d2127',
    mutedText: '#5b6470',
    axis: '#8a929c',
    gridLine: '#e6e8eb',
    observed: '#000000',
    tooltipBackground: '#ffffff',
    tooltipBorder: '#d5d9de',
    barEdge: '#ffffff',
  },
  dark: {
    text: '#e6e8eb',
    mutedText: '#9aa3ad',
    axis: '#6b737d',
    gridLine: '#2b3036',
    observed: '#f4f5f6',
    tooltipBackground: '#1c2024',
    tooltipBorder: '#3a4047',
    barEdge: '#15181b',
  },
}

export const OBSERVED_SERIES_NAME = 'Observed'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

interface TooltipItem {
  seriesType?: string
  seriesName?: string
  value?: unknown
  color?: unknown
  dataIndex?: number
}

/** [bin, n − √n, n + √n]: the usual symmetric Poisson error bar on observed counts. */
export function poissonIntervals(observed: readonly number[], nBins: number): [number, number, number][] {
  return Array.from({ length: nBins }, (_, i) => {
    const n = observed[i] ?? 0
    const error = Math.sqrt(Math.max(n, 0))
    return [i, n - error, n + error]
  })
}

function errorBar(color: string): CustomSeriesRenderItem {
  return (_params, api) => {
    const low = api.coord([api.value(0), api.value(1)])
    const high = api.coord([api.value(0), api.value(2)])
    return {
      type: 'line',
      shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] },
      style: { stroke: color, lineWidth: 1.3 },
    }
  }
}

/** Stacked expected yields per sample, observed counts as markers with √n error bars; bins labelled by index. */
export function histogramOption(
  channel: ChannelSummary,
  colors: ReadonlyMap<string, string>,
  theme: ResolvedTheme,
): HistogramOption {
  const c = CHART_COLORS[theme]
  const bins = Array.from({ length: channel.nBins }, (_, i) => String(i))
  const expected = bins.map((_, i) => channel.samples.reduce((t, s) => t + (s.yields[i] ?? 0), 0))

  const tooltipFormatter = (params: unknown): string => {
    const items = ((Array.isArray(params) ? params : [params]) as TooltipItem[]).filter(
      (item) => item.seriesType !== 'custom',
    )
    const bin = items[0]?.dataIndex ?? 0
    const rows = items.map((item) => {
      const value = typeof item.value === 'number' ? formatNumber(item.value) : '—'
      const swatch = typeof item.color === 'string' ? item.color : c.observed
      return (
        `<div class="chart-tip-row"><span class="chart-tip-swatch" style="background:${escapeHtml(swatch)}"></span>` +
        `<span class="chart-tip-name">${escapeHtml(item.seriesName ?? '')}</span>` +
        `<span class="chart-tip-value">${value}</span></div>`
      )
    })
    return (
      `<div class="chart-tip"><div class="chart-tip-title">${escapeHtml(channel.name)} · bin ${bin}</div>` +
      rows.join('') +
      `<div class="chart-tip-row chart-tip-total"><span class="chart-tip-swatch"></span>` +
      `<span class="chart-tip-name">Total expected</span>` +
      `<span class="chart-tip-value">${formatNumber(expected[bin] ?? 0)}</span></div></div>`
    )
  }

  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
    legend: {
      top: 4,
      left: 'center',
      type: 'plain',
      textStyle: { color: c.text },
      itemWidth: 14,
      itemHeight: 10,
      data: [
        ...channel.samples.map((s) => s.name),
        { name: OBSERVED_SERIES_NAME, icon: 'circle' },
      ],
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: c.tooltipBackground,
      borderColor: c.tooltipBorder,
      textStyle: { color: c.text },
      formatter: tooltipFormatter,
    },
    xAxis: {
      type: 'category',
      data: bins,
      name: 'Bin',
      nameLocation: 'middle',
      nameGap: 26,
      nameTextStyle: { color: c.mutedText },
      axisLine: { lineStyle: { color: c.axis } },
      axisTick: { alignWithLabel: false, lineStyle: { color: c.axis } },
      axisLabel: { color: c.mutedText },
    },
    yAxis: {
      type: 'value',
      name: 'Events',
      nameTextStyle: { color: c.mutedText, align: 'left' },
      axisLine: { show: true, lineStyle: { color: c.axis } },
      axisLabel: { color: c.mutedText },
      splitLine: { lineStyle: { color: c.gridLine } },
    },
    series: [
      ...channel.samples.map(
        (sample) =>
          ({
            type: 'bar',
            name: sample.name,
            stack: 'expected',
            data: bins.map((_, i) => sample.yields[i] ?? 0),
            barCategoryGap: '0%',
            itemStyle: {
              color: colors.get(sample.name) ?? '#999999',
              borderColor: c.barEdge,
              borderWidth: 0.5,
            },
            emphasis: { focus: 'series' },
          }) as const,
      ),
      {
        type: 'custom',
        name: OBSERVED_SERIES_NAME,
        data: poissonIntervals(channel.observed, channel.nBins),
        encode: { x: 0, y: [1, 2] },
        renderItem: errorBar(c.observed),
        // The legend takes the colour of the first series named "Observed".
        itemStyle: { color: c.observed },
        silent: true,
        z: 9,
      },
      {
        type: 'scatter',
        name: OBSERVED_SERIES_NAME,
        data: bins.map((_, i) => channel.observed[i] ?? 0),
        symbol: 'circle',
        symbolSize: 7,
        z: 10,
        itemStyle: { color: c.observed },
      },
    ],
  }
}
