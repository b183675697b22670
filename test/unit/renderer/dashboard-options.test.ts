import { describe, expect, it } from 'vitest'
import type { ParameterSpec } from '../../../preload/api'
import { contourGrid, contourOption, importanceOption, parallelOption, parallelRows } from '../../../renderer/src/charts/dashboardOptions'
import { echarts } from '../../../renderer/src/charts/echarts'
import { chartSvg } from '../../../renderer/src/charts/exportChart'
import { baselineMarkers, historyOption, sliceOption } from '../../../renderer/src/charts/studyOptions'
import { filterTrials, parseTrialFilter } from '../../../renderer/src/store/trials'
import { ROW_HEIGHT, visibleRange } from '../../../renderer/src/views/binning/TrialsTable'
import { trialRecord } from './fixtures'

const nBins: ParameterSpec = { name: 'n_bins', type: 'int', low: 3, high: 6 }
const lo: ParameterSpec = { name: 'lo', type: 'float', low: 0, high: 0.4 }

const trials = [
  trialRecord(0, 1.0, { params: { n_bins: 3, lo: 0.05 } }),
  trialRecord(1, 2.0, { params: { n_bins: 3, lo: 0.06 } }),
  trialRecord(2, 1.5, { params: { n_bins: 6, lo: 0.39 } }),
  trialRecord(3, 9.0, { params: { n_bins: 4, lo: 0.2 }, feasible: false }),
  trialRecord(4, null, { params: { n_bins: 5, lo: 0.3 } }),
]

describe('dashboard charts', () => {
  it('bins trials over two parameters, keeping the best feasible value per cell', () => {
    const grid = contourGrid(trials, nBins, lo, 'maximize', 4)
    // n_bins is an integer with 4 values: one cell each; lo has 4 equal cells of 0.1.
    expect(grid.cells).toHaveLength(2)
    const first = grid.cells.find((c) => c.x0 === 2.5)!
    expect(first).toMatchObject({ x1: 3.5, y0: 0, y1: 0.1, value: 2.0, count: 2 })
    expect(grid.cells.find((c) => c.x0 === 5.5)).toMatchObject({ y0: 0.30000000000000004, value: 1.5, count: 1 })
    expect(grid.points.map((p) => p[3])).toEqual([0, 1, 2])
    expect(grid.range).toEqual([1.0, 2.0])
    expect(contourGrid(trials, nBins, lo, 'minimize', 4).cells.find((c) => c.x0 === 2.5)!.value).toBe(1.0)
  })

  it('draws a contour without its tiles and value scale for a first, quick redraw', () => {
    type Contour = { visualMap: unknown; series: { data: ArrayLike<unknown> }[] }
    const grid = contourGrid(trials, nBins, lo, 'maximize', 4)
    const whole = contourOption(grid, nBins, lo, 'Z0', 'light') as Contour
    const quick = contourOption(grid, nBins, lo, 'Z0', 'light', false) as Contour
    expect(whole.series[0]!.data).toHaveLength(2)
    expect(whole.visualMap).toMatchObject({ dimension: 4 })
    expect(quick.series[0]!.data).toHaveLength(0)
    expect(quick.visualMap).toEqual([])
    expect(quick.series[1]!.data).toEqual(whole.series[1]!.data)
  })

  it('draws parallel coordinates of complete trials, infeasible ones apart', () => {
    const { rows, infeasible } = parallelRows(trials, [nBins, lo])
    expect(rows).toEqual([
      [3, 0.05, 1.0, 0],
      [3, 0.06, 2.0, 1],
      [6, 0.39, 1.5, 2],
    ])
    expect(infeasible).toEqual([[4, 0.2, 9.0, 3]])
    const option = parallelOption(trials, [nBins, lo], 'Z0', 'light') as { parallelAxis: { name: string }[] }
    expect(option.parallelAxis.map((a) => a.name)).toEqual(['n_bins', 'lo', 'Z0'])
  })

  it('puts the most important parameter on top of the importance bars', () => {
    const option = importanceOption(
      [
        { name: 'n_bins', importance: 0.7 },
        { name: 'lo', importance: 0.3 },
      ],
      'dark',
    ) as { yAxis: { data: string[] }; series: { data: number[] }[] }
    // echarts draws the first category at the bottom.
    expect(option.yAxis.data).toEqual(['lo', 'n_bins'])
    expect(option.series[0]!.data).toEqual([0.3, 0.7])
  })

  it('exports a chart as an SVG document drawn by the SVG renderer', () => {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 480, height: 320 })
    chart.setOption(contourOption(contourGrid(trials, nBins, lo, 'maximize', 4), nBins, lo, 'Z0', 'light'))
    const svg = chartSvg(chart, '#ffffff')
    chart.dispose()
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('width="480"')
    expect(svg).toContain('n_bins')
    // Two tiles and three points besides axes: more than a blank document.
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(5)
  })

  it('draws the streamed charts from flat typed arrays (no per-point arrays for echarts to clone)', () => {
    for (const option of [
      historyOption(trials, 'Z0', 'maximize', { dp_optimum: { value: 1.8, edges: {} } }, 'light'),
      sliceOption(trials, 'lo', 'Z0', false, 'dark'),
    ]) {
      const series = (option as { series: { data: unknown }[] }).series
      expect(series[0]!.data).toBeInstanceOf(Float64Array)
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 260 })
      chart.setOption(option)
      const svg = chartSvg(chart, '#ffffff')
      chart.dispose()
      expect(svg).toContain('Z0')
    }
  })
})

describe('baseline markers on the history', () => {
  it('draws the best baseline of each method, best first, and leaves out the failed ones', () => {
    const markers = baselineMarkers(
      {
        equal_width_10: { value: 1.93, edges: {} },
        equal_width_40: { value: 1.98, edges: {} },
        dp_optimum_10: { value: 1.976, edges: {} },
        dp_optimum_40: { value: 1.9814, edges: {} },
        transfo_d_2_2: { value: 1.91, edges: {} },
        flat_signal_3: { value: Number.NaN, edges: {}, error: 'no signal in range' },
      },
      'maximize',
    )
    expect(markers.map((m) => [m.name, m.label])).toEqual([
      ['dp_optimum_40', 'best baseline: DP optimum (40)'],
      ['equal_width_40', 'equal width (40)'],
      ['transfo_d_2_2', 'TransfoD (2,2)'],
    ])
    expect(baselineMarkers({ a_1: { value: 3, edges: {} }, a_2: { value: 2, edges: {} } }, 'minimize')[0]!.name).toBe('a_2')
  })
})

describe('trial filter and table window', () => {
  it('parses conditions and names what it cannot read', () => {
    expect(parseTrialFilter('n_bins>=4 and lo < 0.1', ['z0', 'bins', 'n_bins', 'lo'])).toEqual({
      ok: true,
      conditions: [
        { column: 'n_bins', op: '>=', value: 4 },
        { column: 'lo', op: '<', value: 0.1 },
      ],
    })
    expect(parseTrialFilter('number == 3', ['z0'])).toEqual({ ok: true, conditions: [{ column: '#', op: '=', value: 3 }] })
    expect(parseTrialFilter('n_bins ~ 4', ['n_bins'])).toEqual({ ok: false, message: 'cannot read “n_bins ~ 4”: write e.g. n_bins <= 10' })
    expect(parseTrialFilter('', ['z0'])).toEqual({ ok: true, conditions: [] })
  })

  it('filters by state and conditions; a trial without the column never matches', () => {
    const byNumber = (list: readonly { number: number }[]) => list.map((t) => t.number)
    expect(byNumber(filterTrials(trials, 'feasible', [], ['z0']))).toEqual([0, 1, 2])
    expect(byNumber(filterTrials(trials, 'infeasible', [], ['z0']))).toEqual([3])
    expect(byNumber(filterTrials(trials, 'failed', [], ['z0']))).toEqual([4])
    expect(byNumber(filterTrials(trials, 'all', [{ column: 'z0', op: '>', value: 1.2 }], ['z0']))).toEqual([1, 2, 3])
    expect(byNumber(filterTrials(trials, 'all', [{ column: 'bins', op: '=', value: 3 }], ['z0']))).toEqual([0, 1, 2, 3, 4])
    expect(filterTrials(trials, 'all', [], ['z0'])).toBe(trials)
  })

  it('draws the rows in view and a few beyond', () => {
    expect(visibleRange(0, 10 * ROW_HEIGHT, 2000)).toEqual([0, 18])
    expect(visibleRange(100 * ROW_HEIGHT, 10 * ROW_HEIGHT, 2000)).toEqual([92, 118])
    expect(visibleRange(1995 * ROW_HEIGHT, 10 * ROW_HEIGHT, 2000)).toEqual([1987, 2000])
    expect(visibleRange(0, 300, 0)).toEqual([0, 0])
  })
})
