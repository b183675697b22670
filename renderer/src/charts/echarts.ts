/** echarts, tree-shaken to what the histograms use (the custom series draws error bars). Canvas: CSP-safe. */
import * as echarts from 'echarts/core'
import {
  BarChart,
  CustomChart,
  ScatterChart,
  type BarSeriesOption,
  type CustomSeriesOption,
  type ScatterSeriesOption,
} from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, ScatterChart, CustomChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export type HistogramOption = echarts.ComposeOption<
  | BarSeriesOption
  | ScatterSeriesOption
  | CustomSeriesOption
  | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

export { echarts }
