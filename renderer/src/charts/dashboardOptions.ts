/** echarts options of the study dashboard: parameter importances, a two-parameter contour, parallel coordinates. */
import type { CustomSeriesRenderItem } from 'echarts'
import type { Direction, ParameterImportance, ParameterSpec, TrialRecord } from '../../../preload/api'
import { formatNumber } from '../format'
import type { ResolvedTheme } from '../store/studio'
import { isBetter, objectiveValue } from '../store/trials'
import type { DashboardChartOption } from './echarts'
import { CHART_COLORS } from './histogramOption'
import { ACCENT, axisStyle, dataRect, escapeHtml, flatXY, INFEASIBLE, XY, numericParam, tipRow, tooltipBase } from './studyOptions'

/** Perceptually even, colour-blind-safe ramp (viridis stops) for objective values. */
export const VALUE_RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const

/** Horizontal bars, most important on top, labelled with the share in per cent. */
export function importanceOption(importances: readonly ParameterImportance[], theme: ResolvedTheme): DashboardChartOption {
  const c = CHART_COLORS[theme]
  // echarts draws the first category at the bottom: reverse so that the most important is on top.
  const rows = [...importances].reverse()
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 8, right: 48, top: 8, bottom: 22, containLabel: true },
    tooltip: {
      trigger: 'item',
      ...tooltipBase(theme),
      formatter: (params: unknown) => {
        const p = params as { name?: string; value?: number }
        return (
          `<div class="chart-tip"><div class="chart-tip-title">${escapeHtml(p.name ?? '')}</div>` +
          tipRow(ACCENT[theme], 'Importance (PED-ANOVA)', `${((p.value ?? 0) * 100).toFixed(1)} %`) +
          '</div>'
        )
      },
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: 1,
      name: 'Share of importance',
      nameLocation: 'middle',
      nameGap: 22,
      ...axisStyle(theme),
      axisLabel: { color: c.mutedText, formatter: (v: number) => `${Math.round(v * 100)} %` },
    },
    yAxis: { type: 'category', data: rows.map((r) => r.name), ...axisStyle(theme), splitLine: { show: false } },
    series: [
      {
        type: 'bar',
        name: 'Importance',
        data: rows.map((r) => r.importance),
        barMaxWidth: 22,
        itemStyle: { color: ACCENT[theme], borderRadius: [0, 3, 3, 0] },
        label: {
          show: true,
          position: 'right',
          color: c.mutedText,
          formatter: (p: { value?: unknown }) => `${((p.value as number) * 100).toFixed(1)} %`,
        },
      },
    ],
  }
}

export interface ContourCell {
  /** Cell bounds in the two parameters. */
  x0: number
  x1: number
  y0: number
  y1: number
  /** Best objective value of the complete, feasible trials in the cell. */
  value: number
  count: number
}

export interface ContourGrid {
  cells: ContourCell[]
  /** The trials drawn as points: [x, y, value, number]. */
  points: [number, number, number, number][]
  range: [number, number] | null
}

/** Cell edges over a parameter's search range: equal steps, in log space for log parameters. */
function axisEdges(spec: ParameterSpec, n: number): number[] {
  const f = spec.log ? Math.log : (x: number) => x
  const g = spec.log ? Math.exp : (x: number) => x
  const lo = f(spec.low)
  const hi = f(spec.high)
  if (spec.type === 'int' && !spec.log && spec.high - spec.low + 1 <= n) {
    // One cell per integer value.
    return Array.from({ length: spec.high - spec.low + 2 }, (_, i) => spec.low - 0.5 + i)
  }
  return Array.from({ length: n + 1 }, (_, i) => g(lo + ((hi - lo) * i) / n))
}

function cellIndex(edges: readonly number[], x: number): number {
  // Edges are few (≤ 41): a linear scan is as fast as a search.
  for (let i = 0; i < edges.length - 1; i++) if (x < (edges[i + 1] as number)) return i
  return edges.length - 2
}

/**
 * The best value per cell of a grid over two parameters: a contour of the landscape the
 * sampler has seen, without interpolating where no trial went.
 */
export function contourGrid(
  trials: readonly TrialRecord[],
  xSpec: ParameterSpec,
  ySpec: ParameterSpec,
  direction: Direction,
  nCells?: number,
): ContourGrid {
  // Cells as fine as the trials fill them: about 1.5 per axis per √trials, 6 to 20.
  if (nCells === undefined) {
    const n = trials.filter((t) => t.state === 'COMPLETE' && t.feasible).length
    nCells = Math.min(20, Math.max(6, Math.round(Math.sqrt(n) * 1.5)))
  }
  const xEdges = axisEdges(xSpec, nCells)
  const yEdges = axisEdges(ySpec, nCells)
  const best = new Map<number, ContourCell>()
  const points: [number, number, number, number][] = []
  let lo = Infinity
  let hi = -Infinity
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE' || !trial.feasible) continue
    const x = numericParam(trial.params[xSpec.name])
    const y = numericParam(trial.params[ySpec.name])
    const value = objectiveValue(trial)
    if (x === null || y === null || value === null) continue
    points.push([x, y, value, trial.number])
    lo = Math.min(lo, value)
    hi = Math.max(hi, value)
    const i = cellIndex(xEdges, x)
    const j = cellIndex(yEdges, y)
    const key = i * 1000 + j
    const cell = best.get(key)
    if (cell === undefined) {
      best.set(key, { x0: xEdges[i]!, x1: xEdges[i + 1]!, y0: yEdges[j]!, y1: yEdges[j + 1]!, value, count: 1 })
    } else {
      cell.count++
      if (isBetter(value, cell.value, direction)) cell.value = value
    }
  }
  return { cells: [...best.values()], points, range: points.length > 0 ? [lo, hi] : null }
}

const cellRect: CustomSeriesRenderItem = (_params, api) => {
  return {
    type: 'rect',
    shape: dataRect(api),
    style: { fill: api.visual('color') as string, opacity: 0.85 },
  }
}

/**
 * Best value per cell as coloured tiles, every trial as a point, the value scale beside. Without
 * `cells`, the axes and points only (a chart's first redraw: the tiles and scale follow a frame later).
 */
export function contourOption(
  grid: ContourGrid,
  xSpec: ParameterSpec,
  ySpec: ParameterSpec,
  objectiveName: string,
  theme: ResolvedTheme,
  cells = true,
): DashboardChartOption {
  const c = CHART_COLORS[theme]
  const [lo, hi] = grid.range ?? [0, 1]
  const axis = (spec: ParameterSpec) => ({
    type: spec.log ? ('log' as const) : ('value' as const),
    name: spec.name,
    nameLocation: 'middle' as const,
    nameGap: 26,
    min: spec.type === 'int' && !spec.log ? spec.low - 0.5 : spec.low,
    max: spec.type === 'int' && !spec.log ? spec.high + 0.5 : spec.high,
    ...axisStyle(theme),
    splitLine: { show: false },
    axisLabel: { color: c.mutedText, hideOverlap: true, formatter: (v: number) => formatNumber(v) },
  })
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    grid: { left: 56, right: 88, top: 16, bottom: 44 },
    tooltip: {
      trigger: 'item',
      ...tooltipBase(theme),
      formatter: (params: unknown) => {
        const p = params as { seriesName?: string; value?: number[]; dataIndex?: number }
        if (p.seriesName === 'Trials') {
          const v = grid.points[p.dataIndex ?? 0] ?? []
          return (
            `<div class="chart-tip"><div class="chart-tip-title">Trial ${v[3]}</div>` +
            tipRow(c.axis, escapeHtml(xSpec.name), formatNumber(v[0] ?? 0)) +
            tipRow(c.axis, escapeHtml(ySpec.name), formatNumber(v[1] ?? 0)) +
            tipRow(ACCENT[theme], escapeHtml(objectiveName), formatNumber(v[2] ?? 0)) +
            '</div>'
          )
        }
        const v = p.value ?? []
        return (
          `<div class="chart-tip"><div class="chart-tip-title">${escapeHtml(xSpec.name)} ∈ [${formatNumber(v[0] ?? 0)}, ${formatNumber(v[1] ?? 0)}) · ` +
          `${escapeHtml(ySpec.name)} ∈ [${formatNumber(v[2] ?? 0)}, ${formatNumber(v[3] ?? 0)})</div>` +
          tipRow(ACCENT[theme], `best ${escapeHtml(objectiveName)}`, formatNumber(v[4] ?? 0)) +
          tipRow(c.axis, 'trials', String(v[5] ?? 0)) +
          '</div>'
        )
      },
    },
    visualMap: cells ? {
      type: 'continuous',
      min: lo,
      max: hi === lo ? lo + 1 : hi,
      dimension: 4,
      seriesIndex: 0,
      right: 4,
      top: 'middle',
      itemHeight: 160,
      calculable: false,
      precision: 2,
      text: [`${objectiveName} ${formatNumber(hi)}`, formatNumber(lo)],
      textStyle: { color: c.mutedText },
      inRange: { color: [...VALUE_RAMP] },
    } : [],
    xAxis: axis(xSpec),
    yAxis: axis(ySpec),
    series: [
      {
        type: 'custom',
        name: 'Best per cell',
        data: cells ? grid.cells.map((cell) => [cell.x0, cell.x1, cell.y0, cell.y1, cell.value, cell.count]) : [],
        encode: { x: [0, 1], y: [2, 3] },
        renderItem: cellRect,
      },
      {
        type: 'scatter',
        name: 'Trials',
        data: flatXY(grid.points),
        dimensions: XY,
        symbolSize: 4,
        itemStyle: { color: c.text, opacity: 0.55 },
        large: true,
        largeThreshold: 400,
        z: 5,
      },
    ],
  }
}

/** Rows of the parallel-coordinates plot: each complete trial's parameters, then its value; feasible ones only. */
export function parallelRows(trials: readonly TrialRecord[], space: readonly ParameterSpec[]): { rows: number[][]; infeasible: number[][] } {
  const rows: number[][] = []
  const infeasible: number[][] = []
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE') continue
    const value = objectiveValue(trial)
    if (value === null) continue
    const row: number[] = []
    let ok = true
    for (const spec of space) {
      const x = numericParam(trial.params[spec.name])
      if (x === null) {
        ok = false
        break
      }
      row.push(x)
    }
    if (!ok) continue
    row.push(value, trial.number)
    ;(trial.feasible ? rows : infeasible).push(row)
  }
  return { rows, infeasible }
}

/**
 * Each trial's line is an element of its own: above a few hundred, echarts draws them a few
 * hundred per frame instead of all in one long task. (Its 'mod' chunks, a sample across all trials
 * each, would fill in more evenly but lose the value colours of echarts 6's visual map.)
 */
const PARALLEL_PROGRESSIVE = { progressive: 300, progressiveThreshold: 600 } as const

/** One axis per parameter and one for the objective; each trial a line coloured by its value. */
export function parallelOption(
  trials: readonly TrialRecord[],
  space: readonly ParameterSpec[],
  objectiveName: string,
  theme: ResolvedTheme,
): DashboardChartOption {
  const c = CHART_COLORS[theme]
  const { rows, infeasible } = parallelRows(trials, space)
  let lo = Infinity
  let hi = -Infinity
  for (const row of rows) {
    const v = row[space.length] as number
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1]
  const axisCommon = {
    nameLocation: 'start' as const,
    nameTextStyle: { color: c.text, fontSize: 11 },
    axisLine: { lineStyle: { color: c.axis } },
    axisTick: { lineStyle: { color: c.axis } },
    axisLabel: { color: c.mutedText, formatter: (v: number) => formatNumber(v) },
  }
  return {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: c.text },
    parallel: { left: 48, right: 150, top: 20, bottom: 36, parallelAxisDefault: { type: 'value', scale: true } },
    parallelAxis: [
      ...space.map((spec, dim) => ({
        dim,
        name: spec.name,
        type: spec.log ? ('log' as const) : ('value' as const),
        min: spec.low,
        max: spec.high,
        ...axisCommon,
      })),
      { dim: space.length, name: objectiveName, type: 'value' as const, scale: true, ...axisCommon },
    ],
    visualMap: {
      type: 'continuous',
      min: lo,
      max: hi === lo ? lo + 1 : hi,
      dimension: space.length,
      seriesIndex: 0,
      right: 8,
      top: 'middle',
      itemHeight: 160,
      calculable: false,
      precision: 2,
      text: [`${objectiveName} ${formatNumber(hi)}`, formatNumber(lo)],
      textStyle: { color: c.mutedText },
      inRange: { color: [...VALUE_RAMP] },
    },
    tooltip: { show: false, ...tooltipBase(theme) },
    series: [
      {
        type: 'parallel',
        name: 'Feasible',
        data: rows,
        lineStyle: { width: 1, opacity: rows.length > 500 ? 0.25 : 0.55 },
        ...PARALLEL_PROGRESSIVE,
        smooth: false,
      },
      {
        type: 'parallel',
        name: 'Infeasible',
        data: infeasible,
        lineStyle: { width: 1, opacity: 0.2, color: INFEASIBLE[theme] },
        ...PARALLEL_PROGRESSIVE,
      },
    ],
  }
}
