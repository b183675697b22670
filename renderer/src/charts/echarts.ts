/** echarts, tree-shaken to what the histograms use (the custom series draws error bars). Canvas: CSP-safe. */
import * as echarts from 'echarts/core'
import {
  BarChart,
  CustomChart,
  LineChart,
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
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([
  BarChart,
  ScatterChart,
  LineChart,
  CustomChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
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

export { echarts }
