/** echarts, tree-shaken to what the histograms use (the custom series draws error bars). Canvas: CSP-safe. */
import * as echarts from 'echarts/core'
import {
  BarChart,
  CustomChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  type BarSeriesOption,
  type CustomSeriesOption,
  type LineSeriesOption,
  type ScatterSeriesOption,
} from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'

echarts.use([
  BarChart,
  ScatterChart,
  LineChart,
  CustomChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  ParallelChart,
  ParallelComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
  // Exports only: a chart is redrawn into an SVG string (no DOM) when the user saves it as SVG.
  SVGRenderer,
])

export type HistogramOption = echarts.ComposeOption<
  | BarSeriesOption
  | ScatterSeriesOption
  | CustomSeriesOption
  | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

/** The binning studio's charts: the same, plus lines (best so far) and mark lines (baselines). */
export type StudyChartOption = echarts.ComposeOption<
  | BarSeriesOption
  | ScatterSeriesOption
  | CustomSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | MarkLineComponentOption
>

/**
 * The study dashboard's charts: importances, contour, parallel coordinates. echarts' composed type
 * rejects a parallel chart's own top-level keys, so these use the core option type.
 */
export type DashboardChartOption = echarts.EChartsCoreOption

export { echarts }
