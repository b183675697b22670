import type { RefObject } from 'react'
import type { echarts } from '../../charts/echarts'
import { chartPng, chartSvg } from '../../charts/exportChart'
import { downloadText, downloadUrl } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { ImageIcon } from '../icons'

const SURFACE = { light: '#ffffff', dark: '#181b1e' } as const

/**
 * Save a chart as a 2× PNG or as SVG, on the panel's background. `decorate` may draw extras for
 * the export and return their undo. Test ids: `png-<stem>` and `svg-<stem>`.
 */
export function ChartExportButtons({
  chartRef,
  stem,
  label,
  decorate,
}: {
  chartRef: RefObject<echarts.ECharts | null>
  stem: string
  label: string
  decorate?: (chart: echarts.ECharts) => () => void
}) {
  const theme = useResolvedTheme()
  const save = (format: 'png' | 'svg') => {
    const chart = chartRef.current
    if (!chart) return
    const undo = decorate?.(chart)
    try {
      if (format === 'png') downloadUrl(chartPng(chart, SURFACE[theme]), `${stem}.png`)
      else downloadText(chartSvg(chart, SURFACE[theme]), `${stem}.svg`, 'image/svg+xml')
    } finally {
      undo?.()
    }
  }
  return (
    <span className="chart-export" role="group" aria-label={`Save ${label}`}>
      <button
        type="button"
        className="icon-button"
        aria-label={`Save ${label} as PNG`}
        title={`Save ${label} as PNG`}
        data-testid={`png-${stem}`}
        onClick={() => save('png')}
      >
        <ImageIcon />
      </button>
      <button
        type="button"
        className="icon-button chart-export-svg"
        aria-label={`Save ${label} as SVG`}
        title={`Save ${label} as SVG (vector)`}
        data-testid={`svg-${stem}`}
        onClick={() => save('svg')}
      >
        SVG
      </button>
    </span>
  )
}
