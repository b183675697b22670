/** echarts options of the binning studio: fine histogram, per-bin significance, trial history, Pareto front. */
import type { CustomSeriesRenderItem } from 'echarts'
import type { BaselineSummary, BinContent, Direction, FineChannel, TrialRecord } from '../../../preload/api'
import { formatNumber } from '../format'
import type { ResolvedTheme } from '../store/studio'
import { bestSoFar, isBetter, objectiveValue } from '../store/trials'
import type { StudyChartOption } from './echarts'
import { CHART_COLORS } from './histogramOption'
import { SAMPLE_PALETTE } from './palette'

/**
 * Plot margins in pixels, fixed (no `containLabel`) so that the edge handles drawn over the
 * preview map x to pixels exactly as the charts do, and the two preview charts line up.
 */
export const PREVIEW_MARGIN = { left: 64, right: 20, top: 34, bottom: 34 } as const
export const SIGNIFICANCE_MARGIN = { left: 64, right: 20, top: 12, bottom: 30 } as const

export const SIGNAL_COLOR = SAMPLE_PALETTE[0]
export const BACKGROUND_COLOR = SAMPLE_PALETTE[1]
const VIOLATION_COLOR: Record<ResolvedTheme, string> = { light: '#c8372d', dark: '#f08a7e' }
export const ACCENT: Record<ResolvedTheme, string> = { light: '#2f6fbd', dark: '#5a9be0' }
export const INFEASIBLE: Record<ResolvedTheme, string> = { light: '#a2a9b1', dark: '#5d656e' }

/** Pixel x of a value on a plot of `width` pixels with these margins: the handles' mapping. */
export function xToPixel(x: number, range: readonly [number, number], width: number, margin = PREVIEW_MARGIN): number {
  const plot = Math.max(width - margin.left - margin.right, 1)
  return margin.left + ((x - range[0]) / (range[1] - range[0])) * plot
}

export function pixelToX(px: number, range: readonly [number, number], width: number, margin = PREVIEW_MARGIN): number {
  const plot = Math.max(width - margin.left - margin.right, 1)
  return range[0] + ((px - margin.left) / plot) * (range[1] - range[0])
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The pixel rectangle of a custom-series item [lo, hi, y0, y1] given in data coordinates. */
export function dataRect(api: Parameters<CustomSeriesRenderItem>[1]): { x: number; y: number; width: number; height: number } {
  const topLeft = api.coord([api.value(0), api.value(3)])
  const bottomRight = api.coord([api.value(1), api.value(2)])
  const [x, y] = [topLeft[0] as number, topLeft[1] as number]
  return { x, y, width: (bottomRight[0] as number) - x, height: (bottomRight[1] as number) - y }
}

/** Rectangles [lo, hi, y0, y1] in data coordinates. */
function rectangles(fill: string, stroke: string | null): CustomSeriesRenderItem {
  return (_params, api) => {
    return {
      type: 'rect',
      shape: dataRect(api),
      style: stroke === null ? { fill } : { fill, stroke, lineWidth: 0.6 },
    }
  }
}

export function axisStyle(theme: ResolvedTheme) {
  const c = CHART_COLORS[theme]
  return {
    nameTextStyle: { color: c.mutedText },
    axisLine: { show: true, lineStyle: { color: c.axis } },
    axisTick: { lineStyle: { color: c.axis } },
    axisLabel: { color: c.mutedText, hideOverlap: true },
    splitLine: { lineStyle: { color: c.gridLine } },
  }
}

/** Feasible and infeasible trial markers (and any further entries) above a trial chart. */
function trialLegend(theme: ResolvedTheme, extra: string[] = []) {
  return {
    top: 4,
    left: 'center',
    textStyle: { color: CHART_COLORS[theme].text },
    itemWidth: 14,
    itemHeight: 10,
    data: [{ name: 'Feasible', icon: 'circle' }, { name: 'Infeasible', icon: 'emptyCircle' }, ...extra],
  }
}

export function tooltipBase(theme: ResolvedTheme) {
  const c = CHART_COLORS[theme]
  return { backgroundColor: c.tooltipBackground, borderColor: c.tooltipBorder, textStyle: { color: c.text } }
}

export function tipRow(color: string, name: string, value: string): string {
  return (
    `<div class="chart-tip-row"><span class="chart-tip-swatch" style="background:${escapeHtml(color)}"></span>` +
    `<span class="chart-tip-name">${escapeHtml(name)}</span><span class="chart-tip-value">${value}</span></div>`
  )
}

/** Background, with signal stacked on it, at the fine binning; data (when known) as points. */
export function fineHistogramOption(channel: FineChannel, observable: string, theme: ResolvedTheme): StudyChartOption {
  const c = CHART_COLORS[theme]
  const n = channel.edges.length - 1
  const background: [number, number, number, number][] = []
  const signal: [number, number, number, number][] = []
  for (let i = 0; i < n; i++) {
    const lo = channel.edges[i] as number
    const hi = channel.edges[i + 1] as number
    const b = channel.background[i] ?? 0
    const s = channel.signal[i] ?? 0
    background.push([lo, hi, 0, b])
    signal.push([lo, hi, b, b + s])
  }
  const data = channel.data
    ? channel.data.map((d, i) => [((channel.edges[i] as number) + (channel.edges[i + 1] as number)) / 2, d])
    : null
  // Outlines only while the fine bins are wide enough to read; hundreds of them would stripe the plot.
  const fineEdge = n <= 60 ? c.barEdge : null

  const tooltipFormatter = (params: unknown): string => {
    const index = (params as { dataIndex?: number }).dataIndex ?? 0
    const lo = channel.edges[index] as number
    const hi = channel.edges[index + 1] as number
    const rows = [
      tipRow(SIGNAL_COLOR, 'Signal', formatNumber(channel.signal[index] ?? 0)),
      tipRow(BACKGROUND_COLOR, 'Background', formatNumber(channel.background[index] ?? 0)),
    ]
    if (channel.data) rows.push(tipRow(c.observed, 'Data', formatNumber(channel.data[index] ?? 0)))
    return (
      `<div class="chart-tip"><div class="chart-tip-title">${escapeHtml(channel.name)} · ${escapeHtml(observable)} ∈ [${formatNumber(lo)}, ${formatNumber(hi)})</div>` +
      rows.join('') +
      '</div>'
    )
  }

  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { ...PREVIEW_MARGIN, containLabel: false },
    legend: {
      top: 4,
      right: PREVIEW_MARGIN.right,
      textStyle: { color: c.text },
      itemWidth: 14,
      itemHeight: 10,
      data: ['Signal', 'Background', ...(data ? [{ name: 'Data', icon: 'circle' }] : [])],
    },
    tooltip: { trigger: 'item', ...tooltipBase(theme), formatter: tooltipFormatter },
    xAxis: {
      type: 'value',
      min: channel.range[0],
      max: channel.range[1],
      ...axisStyle(theme),
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: 'Events / fine bin',
      ...axisStyle(theme),
      nameTextStyle: { color: c.mutedText, align: 'left' },
      axisLabel: { color: c.mutedText, formatter: (v: number) => formatNumber(v) },
    },
    series: [
      {
        type: 'custom',
        name: 'Background',
        data: background,
        encode: { x: [0, 1], y: [2, 3] },
        renderItem: rectangles(BACKGROUND_COLOR, fineEdge),
        itemStyle: { color: BACKGROUND_COLOR },
      },
      {
        type: 'custom',
        name: 'Signal',
        data: signal,
        encode: { x: [0, 1], y: [2, 3] },
        renderItem: rectangles(SIGNAL_COLOR, fineEdge),
        itemStyle: { color: SIGNAL_COLOR },
      },
      ...(data
        ? [
            {
              type: 'scatter' as const,
              name: 'Data',
              data,
              symbolSize: 5,
              itemStyle: { color: c.observed },
              z: 10,
            },
          ]
        : []),
    ],
  }
}

export type SignificanceMeasure = 's/sqrt(b)' | 's/b'

export function binSignificance(bin: BinContent, measure: SignificanceMeasure): number {
  if (bin.background <= 0) return 0
  return measure === 's/b' ? bin.signal / bin.background : bin.signal / Math.sqrt(bin.background)
}

/** One bar per coarse bin with s/√b (or s/b); bins that break a constraint in the danger colour. */
export function significanceOption(
  bins: readonly BinContent[],
  range: readonly [number, number],
  measure: SignificanceMeasure,
  theme: ResolvedTheme,
): StudyChartOption {
  const c = CHART_COLORS[theme]
  const rows = bins.map((bin) => [bin.lo, bin.hi, 0, binSignificance(bin, measure)])
  const ok = rows.filter((_, i) => (bins[i]?.violations.length ?? 0) === 0)
  const broken = rows.filter((_, i) => (bins[i]?.violations.length ?? 0) > 0)
  const binOf = (row: unknown): BinContent | undefined => {
    const lo = (row as number[])[0]
    return bins.find((b) => b.lo === lo)
  }
  const tooltipFormatter = (params: unknown): string => {
    const bin = binOf((params as { data?: unknown }).data)
    if (!bin) return ''
    const rows = [
      tipRow(SIGNAL_COLOR, 'Signal', formatNumber(bin.signal)),
      tipRow(BACKGROUND_COLOR, 'Background', formatNumber(bin.background)),
      tipRow(ACCENT[theme], measure === 's/b' ? 's/b' : 's/√b', formatNumber(binSignificance(bin, measure))),
    ]
    if (bin.mcRelError !== null) rows.push(tipRow(c.axis, 'MC rel. error', `${(bin.mcRelError * 100).toFixed(1)} %`))
    const violations = bin.violations.length
      ? `<div class="chart-tip-violation">Violates ${bin.violations.map(escapeHtml).join(', ')}</div>`
      : ''
    return (
      `<div class="chart-tip"><div class="chart-tip-title">[${formatNumber(bin.lo)}, ${formatNumber(bin.hi)})</div>` +
      rows.join('') +
      violations +
      '</div>'
    )
  }
  const series = (name: string, data: number[][], color: string) => ({
    type: 'custom' as const,
    name,
    data,
    encode: { x: [0, 1], y: [2, 3] },
    renderItem: rectangles(color, c.barEdge),
    itemStyle: { color },
  })
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { ...SIGNIFICANCE_MARGIN, containLabel: false },
    tooltip: { trigger: 'item', ...tooltipBase(theme), formatter: tooltipFormatter },
    xAxis: { type: 'value', min: range[0], max: range[1], ...axisStyle(theme), splitLine: { show: false } },
    yAxis: {
      type: 'value',
      name: measure === 's/b' ? 's/b' : 's/√b',
      nameLocation: 'middle',
      nameGap: 44,
      ...axisStyle(theme),
      axisLabel: { color: c.mutedText, formatter: (v: number) => formatNumber(v) },
    },
    series: [series('Bins', ok, ACCENT[theme]), series('Constraint violated', broken, VIOLATION_COLOR[theme])],
  }
}

const LARGE_THRESHOLD = 200

/**
 * Points as one flat typed array (x0, y0, x1, y1, …): echarts deep-copies every array it is given
 * on each `setOption`, but takes typed arrays as they are, so a redraw of thousands of trials does
 * not first clone thousands of little arrays.
 */
function flatPoints(points: readonly HistoryPoint[]): Float64Array {
  const flat = new Float64Array(points.length * 2)
  points.forEach((p, i) => {
    flat[2 * i] = p.number
    flat[2 * i + 1] = p.value
  })
  return flat
}

/** The first two columns of each row, flat and typed (see `flatPoints`); tooltips look the rest up by index. */
/** The dimensions of a flat typed array of points (echarts needs them named for typed data). */
export const XY = ['x', 'y']

export function flatXY(rows: readonly (readonly number[])[]): Float64Array {
  const flat = new Float64Array(rows.length * 2)
  rows.forEach((row, i) => {
    flat[2 * i] = row[0] as number
    flat[2 * i + 1] = row[1] as number
  })
  return flat
}

export interface HistoryPoint {
  number: number
  value: number
  feasible: boolean
}

export function historyPoints(trials: readonly TrialRecord[], objective = 0): HistoryPoint[] {
  const points: HistoryPoint[] = []
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE') continue
    const value = objectiveValue(trial, objective)
    if (value !== null) points.push({ number: trial.number, value, feasible: trial.feasible })
  }
  return points
}

const BASELINE_METHODS: Record<string, string> = {
  equal_width: 'equal width',
  flat_signal: 'flat signal',
  flat_background: 'flat background',
  dp_optimum: 'DP optimum',
  transfo_d: 'TransfoD',
}

export interface BaselineMarker {
  /** The baseline's own name, e.g. `dp_optimum_40`. */
  name: string
  method: string
  value: number
  /** What the line says: the method and, for the best baseline, that it is. */
  label: string
}

/**
 * The best baseline of each method (`dp_optimum_3`, `dp_optimum_10`, … are one method), best
 * first; baselines that failed or have no finite value are left out.
 */
export function baselineMarkers(
  baselines: Readonly<Record<string, BaselineSummary>> | null,
  direction: Direction,
): BaselineMarker[] {
  const best = new Map<string, { name: string; value: number }>()
  for (const [name, b] of Object.entries(baselines ?? {})) {
    if (b.error !== undefined || !Number.isFinite(b.value)) continue
    const method = name.replace(/(_\d+)+$/, '')
    const current = best.get(method)
    if (current === undefined || isBetter(b.value, current.value, direction)) best.set(method, { name, value: b.value })
  }
  const sorted = [...best.entries()].sort(([, a], [, b]) => (isBetter(a.value, b.value, direction) ? -1 : isBetter(b.value, a.value, direction) ? 1 : 0))
  return sorted.map(([method, { name, value }], i) => {
    const shown = BASELINE_METHODS[method] ?? method.replace(/_/g, ' ')
    const detail = name === method ? '' : ` (${name.slice(method.length + 1).replace(/_/g, ',')})`
    return { name, method, value, label: `${i === 0 ? 'best baseline: ' : ''}${shown}${detail}` }
  })
}

/** Each trial's value by number (feasible filled, infeasible hollow), the best-so-far step line, baselines. */
export function historyOption(
  trials: readonly TrialRecord[],
  objectiveName: string,
  direction: Direction,
  baselines: Readonly<Record<string, BaselineSummary>> | null,
  theme: ResolvedTheme,
): StudyChartOption {
  const c = CHART_COLORS[theme]
  const points = historyPoints(trials)
  const feasible = flatPoints(points.filter((p) => p.feasible))
  const infeasible = flatPoints(points.filter((p) => !p.feasible))
  const best = bestSoFar(trials, direction)
  const lastNumber = points.reduce((m, p) => Math.max(m, p.number), 0)
  const lastBest = best[best.length - 1]
  if (lastBest && lastBest[0] < lastNumber) best.push([lastNumber, lastBest[1]])
  // One dashed line per baseline method (TransfoD, flat signal, the DP optimum, …) at its best
  // value, labelled; the labels take turns along the line so that close values stay readable.
  const positions = ['insideEndTop', 'insideMiddleTop', 'insideStartTop', 'insideEndBottom', 'insideMiddleBottom', 'insideStartBottom'] as const
  const baselineLines = baselineMarkers(baselines, direction).map((marker, i) => ({
    name: marker.name,
    yAxis: marker.value,
    label: {
      show: true,
      formatter: marker.label,
      position: positions[i % positions.length],
      color: c.mutedText,
      fontSize: 10.5,
    },
    emphasis: { label: { show: true, formatter: `${marker.name}: ${formatNumber(marker.value)}` } },
  }))
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 16, top: 36, bottom: 22, containLabel: true },
    legend: trialLegend(theme, ['Best so far']),
    tooltip: {
      trigger: 'item',
      ...tooltipBase(theme),
      formatter: (params: unknown) => {
        const p = params as { seriesName?: string; value?: unknown; color?: unknown }
        const [number, value] = (p.value as number[] | undefined) ?? [0, 0]
        const color = typeof p.color === 'string' ? p.color : c.axis
        return (
          `<div class="chart-tip"><div class="chart-tip-title">Trial ${number}</div>` +
          tipRow(color, `${objectiveName} · ${p.seriesName ?? ''}`, formatNumber(value as number)) +
          '</div>'
        )
      },
    },
    xAxis: {
      type: 'value',
      name: 'Trial',
      nameLocation: 'middle',
      nameGap: 22,
      min: 0,
      ...axisStyle(theme),
      splitLine: { show: false },
    },
    yAxis: { type: 'value', name: objectiveName, scale: true, ...axisStyle(theme) },
    series: [
      // Large mode draws all points as one path instead of an element per point: a redraw of
      // thousands of trials stays a few milliseconds.
      {
        id: 'feasible',
        type: 'scatter',
        name: 'Feasible',
        data: feasible,
        dimensions: XY,
        symbolSize: 6,
        itemStyle: { color: ACCENT[theme], opacity: 0.75 },
        large: true,
        largeThreshold: LARGE_THRESHOLD,
      },
      {
        id: 'infeasible',
        type: 'scatter',
        name: 'Infeasible',
        data: infeasible,
        dimensions: XY,
        symbol: 'emptyCircle',
        symbolSize: 6,
        itemStyle: { color: INFEASIBLE[theme] },
        large: true,
        largeThreshold: LARGE_THRESHOLD,
      },
      {
        id: 'best',
        type: 'line',
        name: 'Best so far',
        data: best,
        step: 'end',
        symbol: 'none',
        lineStyle: { color: SAMPLE_PALETTE[1], width: 2 },
        itemStyle: { color: SAMPLE_PALETTE[1] },
        z: 5,
        markLine: {
          symbol: 'none',
          lineStyle: { type: 'dashed', color: c.axis, width: 1 },
          tooltip: { show: false },
          data: baselineLines,
        },
      },
    ],
  }
}

/**
 * Indices (ascending) of the non-dominated points of two objectives. One sort and a sweep, best
 * first objective first: a point is on the front when its second objective beats every point with
 * a better first objective and is the best of those with an equal one (equal points both stay).
 */
export function paretoFront(points: readonly [number, number][], directions: readonly [Direction, Direction]): number[] {
  const [d0, d1] = directions
  const order = points.map((_, i) => i)
  const first = (i: number) => (points[i] as [number, number])[0]
  const second = (i: number) => (points[i] as [number, number])[1]
  order.sort((a, b) => (isBetter(first(a), first(b), d0) ? -1 : isBetter(first(b), first(a), d0) ? 1 : isBetter(second(a), second(b), d1) ? -1 : isBetter(second(b), second(a), d1) ? 1 : 0))
  const front: number[] = []
  /** Best second objective of the points with a strictly better first objective than the current group's. */
  let bestBefore: number | null = null
  for (let start = 0; start < order.length; ) {
    let end = start
    while (end < order.length && first(order[end] as number) === first(order[start] as number)) end++
    // Sorted within the group too: its first point has the group's best second objective.
    const groupBest = second(order[start] as number)
    for (let k = start; k < end; k++) {
      const i = order[k] as number
      if (second(i) === groupBest && (bestBefore === null || isBetter(second(i), bestBefore, d1))) front.push(i)
    }
    if (bestBefore === null || isBetter(groupBest, bestBefore, d1)) bestBefore = groupBest
    start = end
  }
  return front.sort((a, b) => a - b)
}

/** Two objectives: every feasible trial, and the Pareto front joined as a step line. */
export function paretoOption(
  trials: readonly TrialRecord[],
  objectiveNames: readonly [string, string],
  directions: readonly [Direction, Direction],
  theme: ResolvedTheme,
): StudyChartOption {
  const c = CHART_COLORS[theme]
  const points = trials
    .filter((t) => t.state === 'COMPLETE' && t.feasible && objectiveValue(t, 0) !== null && objectiveValue(t, 1) !== null)
    .map((t) => [objectiveValue(t, 0) as number, objectiveValue(t, 1) as number] as [number, number])
  const front = paretoFront(points, directions)
    .map((i) => points[i] as [number, number])
    .sort((a, b) => a[0] - b[0])
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 4, left: 'center', textStyle: { color: c.text }, data: ['Trials', 'Pareto front'] },
    tooltip: { trigger: 'item', ...tooltipBase(theme) },
    xAxis: { type: 'value', name: objectiveNames[0], nameLocation: 'middle', nameGap: 24, scale: true, ...axisStyle(theme) },
    yAxis: { type: 'value', name: objectiveNames[1], scale: true, ...axisStyle(theme) },
    series: [
      { type: 'scatter', name: 'Trials', data: points, symbolSize: 6, itemStyle: { color: INFEASIBLE[theme] } },
      {
        type: 'line',
        name: 'Pareto front',
        data: front,
        step: 'end',
        symbolSize: 7,
        lineStyle: { color: ACCENT[theme], width: 2 },
        itemStyle: { color: ACCENT[theme] },
      },
    ],
  }
}

/** Value of one parameter as a number, when it is one (booleans as 0/1). */
export function numericParam(value: TrialRecord['params'][string] | undefined): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'boolean') return value ? 1 : 0
  return null
}

/** Slice plot: each complete trial's objective against one parameter, feasible and infeasible apart. */
export function sliceOption(
  trials: readonly TrialRecord[],
  param: string,
  objectiveName: string,
  log: boolean,
  theme: ResolvedTheme,
): StudyChartOption {
  const c = CHART_COLORS[theme]
  const feasible: [number, number, number][] = []
  const infeasible: [number, number, number][] = []
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE') continue
    const x = numericParam(trial.params[param])
    const y = objectiveValue(trial)
    if (x === null || y === null || (log && x <= 0)) continue
    ;(trial.feasible ? feasible : infeasible).push([x, y, trial.number])
  }
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 16, top: 36, bottom: 22, containLabel: true },
    legend: trialLegend(theme),
    tooltip: {
      trigger: 'item',
      ...tooltipBase(theme),
      formatter: (params: unknown) => {
        const p = params as { seriesId?: string; dataIndex?: number; color?: unknown }
        const rows = p.seriesId === 'infeasible' ? infeasible : feasible
        const [x, y, number] = rows[p.dataIndex ?? 0] ?? [0, 0, 0]
        return (
          `<div class="chart-tip"><div class="chart-tip-title">Trial ${number}</div>` +
          tipRow(typeof p.color === 'string' ? p.color : c.axis, escapeHtml(param), formatNumber(x as number)) +
          tipRow(typeof p.color === 'string' ? p.color : c.axis, escapeHtml(objectiveName), formatNumber(y as number)) +
          '</div>'
        )
      },
    },
    xAxis: {
      type: log ? 'log' : 'value',
      name: param,
      nameLocation: 'middle',
      nameGap: 22,
      scale: true,
      ...axisStyle(theme),
      splitLine: { show: false },
    },
    yAxis: { type: 'value', name: objectiveName, scale: true, ...axisStyle(theme) },
    series: [
      {
        id: 'feasible',
        type: 'scatter',
        name: 'Feasible',
        data: flatXY(feasible),
        dimensions: XY,
        symbolSize: 6,
        itemStyle: { color: ACCENT[theme], opacity: 0.7 },
        large: true,
        largeThreshold: LARGE_THRESHOLD,
      },
      {
        id: 'infeasible',
        type: 'scatter',
        name: 'Infeasible',
        data: flatXY(infeasible),
        dimensions: XY,
        symbol: 'emptyCircle',
        symbolSize: 6,
        itemStyle: { color: INFEASIBLE[theme] },
        large: true,
        largeThreshold: LARGE_THRESHOLD,
      },
    ],
  }
}
