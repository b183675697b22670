import type { CustomSeriesRenderItem } from 'echarts'
import type { RootBranchSummary } from '../../../../preload/api'
import type { HistogramOption } from '../../charts/echarts'
import { CHART_COLORS } from '../../charts/histogramOption'
import { SAMPLE_PALETTE } from '../../charts/palette'
import { formatNumber } from '../../format'
import type { ResolvedTheme } from '../../store/studio'

const FILL = SAMPLE_PALETTE[0]

/** [lo, hi, Σw, Σw − √Σw², Σw + √Σw²] per bin: a bar from edge to edge with its MC error. */
export function branchBins(summary: RootBranchSummary): [number, number, number, number, number][] {
  const { edges, sumw, sumw2 } = summary.histogram
  return sumw.map((w, i) => {
    const error = Math.sqrt(Math.max(sumw2[i] ?? 0, 0))
    return [edges[i] as number, edges[i + 1] as number, w, w - error, w + error]
  })
}

function binBar(fill: string, edge: string): CustomSeriesRenderItem {
  return (_params, api) => {
    const [x0, y0] = api.coord([api.value(0), 0])
    const [x1, y1] = api.coord([api.value(1), api.value(2)])
    return {
      type: 'rect',
      shape: { x: x0, y: Math.min(y0, y1), width: Math.max(x1 - x0, 0.5), height: Math.abs(y0 - y1) },
      style: { fill, stroke: edge, lineWidth: 0.5 },
    }
  }
}

function errorBar(color: string): CustomSeriesRenderItem {
  return (_params, api) => {
    const x = ((api.value(0) as number) + (api.value(1) as number)) / 2
    const [cx, low] = api.coord([x, api.value(3)])
    const [, high] = api.coord([x, api.value(4)])
    return { type: 'line', shape: { x1: cx, y1: low, x2: cx, y2: high }, style: { stroke: color, lineWidth: 1.2 } }
  }
}

/** One branch's weighted histogram on a value axis, bars from edge to edge, with √Σw² error bars. */
export function branchHistogramOption(summary: RootBranchSummary, theme: ResolvedTheme): HistogramOption {
  const c = CHART_COLORS[theme]
  const bins = branchBins(summary)
  const weighted = summary.request.weight !== undefined && summary.request.weight !== ''
  const edges = summary.histogram.edges
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 18, top: 30, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      backgroundColor: c.tooltipBackground,
      borderColor: c.tooltipBorder,
      textStyle: { color: c.text },
      formatter: (params: unknown) => {
        const i = (params as { dataIndex?: number }).dataIndex ?? 0
        const [lo, hi, w] = bins[i] ?? [0, 0, 0]
        const entries = summary.histogram.entries[i] ?? 0
        const last = i === bins.length - 1 ? ']' : ')'
        return (
          `<div class="chart-tip"><div class="chart-tip-title">[${formatNumber(lo)}, ${formatNumber(hi)}${last}</div>` +
          `<div class="chart-tip-row"><span class="chart-tip-name">${weighted ? 'Σw' : 'Entries'}</span><span class="chart-tip-value">${formatNumber(w)}</span></div>` +
          (weighted ? `<div class="chart-tip-row"><span class="chart-tip-name">Entries</span><span class="chart-tip-value">${formatNumber(entries)}</span></div>` : '') +
          '</div>'
        )
      },
    },
    xAxis: {
      type: 'value',
      min: edges[0],
      max: edges[edges.length - 1],
      name: summary.request.observable,
      nameLocation: 'middle',
      nameGap: 26,
      nameTextStyle: { color: c.mutedText },
      axisLine: { lineStyle: { color: c.axis } },
      axisLabel: { color: c.mutedText, formatter: (v: number) => formatNumber(v) },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: weighted ? 'Σ weights per bin' : 'Entries per bin',
      nameTextStyle: { color: c.mutedText, align: 'left' },
      axisLine: { show: true, lineStyle: { color: c.axis } },
      axisLabel: { color: c.mutedText, formatter: (v: number) => formatNumber(v) },
      splitLine: { lineStyle: { color: c.gridLine } },
    },
    series: [
      {
        type: 'custom',
        name: summary.request.observable,
        data: bins,
        encode: { x: [0, 1], y: 2 },
        renderItem: binBar(FILL, c.barEdge),
        itemStyle: { color: FILL },
      },
      {
        type: 'custom',
        name: 'MC error',
        data: bins,
        encode: { x: [0, 1], y: [3, 4] },
        renderItem: errorBar(c.observed),
        silent: true,
        z: 9,
      },
    ],
  }
}
