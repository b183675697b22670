import type { RefObject } from 'react'
import type { echarts } from '../../charts/echarts'
import { downloadUrl } from '../../download'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { ImageIcon } from '../icons'

const SURFACE = { light: '#ffffff', dark: '#181b1e' } as const

/** Save a chart as a 2× PNG on the panel's background. `decorate` may draw extras for the export and undo them. */
export function ChartPngButton({
  chartRef,
  fileName,
  label,
  decorate,
}: {
  chartRef: RefObject<echarts.ECharts | null>
  fileName: string
  label: string
  decorate?: (chart: echarts.ECharts) => () => void
}) {
  const theme = useResolvedTheme()
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={`Save ${label} as PNG`}
      title={`Save ${label} as PNG`}
      data-testid={`png-${fileName.replace(/\.png$/, '')}`}
      onClick={() => {
        const chart = chartRef.current
        if (!chart) return
        const undo = decorate?.(chart)
        const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: SURFACE[theme] })
        undo?.()
        downloadUrl(url, fileName)
      }}
    >
      <ImageIcon />
    </button>
  )
}
