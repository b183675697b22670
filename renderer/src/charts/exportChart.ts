/** Chart images for saving: a 2× PNG from the canvas, or the same option redrawn by the SVG renderer. */
import { echarts } from './echarts'

/**
 * The chart as an SVG document: its current option drawn once more by echarts' SVG renderer in
 * server-side mode (no DOM, nothing on screen), at the chart's size, on `background`.
 */
export function chartSvg(chart: echarts.ECharts, background: string): string {
  const svgChart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: chart.getWidth(), height: chart.getHeight() })
  try {
    const option = chart.getOption() as Record<string, unknown>
    // Tooltips and progressive drawing mean nothing in a file: every element is drawn at once.
    svgChart.setOption({ ...option, backgroundColor: background, animation: false, tooltip: [] })
    return svgChart.renderToSVGString()
  } finally {
    svgChart.dispose()
  }
}

export function chartPng(chart: echarts.ECharts, background: string): string {
  return chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background })
}
