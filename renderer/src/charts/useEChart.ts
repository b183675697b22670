import { useCallback, useEffect, useRef, useState, type RefObject } from 'react'
import { useElementSize } from '../hooks/useElementSize'
import { echarts } from './echarts'
import { chartFrames } from './frameScheduler'

export interface EChartHandle {
  containerRef: RefObject<HTMLDivElement | null>
  chartRef: RefObject<echarts.ECharts | null>
  /** The chart exists (the container has a size; never in jsdom, which has no layout). */
  ready: boolean
  /** The container is on screen (or near it): streaming charts skip redraws while it is not. */
  visible: boolean
  width: number
  height: number
  /**
   * Redraw in a coming animation frame, one heavy chart per frame (see frameScheduler): for the
   * streaming dashboard charts, whose redraws would otherwise all land in one long task. A newer
   * redraw replaces a queued one; none runs once the chart is gone.
   */
  draw: (name: string, redraw: (chart: echarts.ECharts) => void) => void
}

/** An echarts instance bound to a container, created once it has a size and resized with it. */
export function useEChart(): EChartHandle {
  const containerRef = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)
  const { width, height } = useElementSize(containerRef)
  const hasSize = width > 0 && height > 0
  const [ready, setReady] = useState(false)
  const [visible, setVisible] = useState(true)

  useEffect(() => {
    const container = containerRef.current
    if (!container || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1]
        if (entry) setVisible(entry.isIntersecting)
      },
      { rootMargin: '200px' },
    )
    observer.observe(container)
    return () => observer.disconnect()
  }, [])

  useEffect(() => {
    const container = containerRef.current
    if (!hasSize || !container) return
    const chart = echarts.init(container, null, { renderer: 'canvas' })
    chartRef.current = chart
    setReady(true)
    return () => {
      chart.dispose()
      chartRef.current = null
      setReady(false)
    }
  }, [hasSize])

  useEffect(() => {
    chartRef.current?.resize()
  }, [width, height])

  useEffect(() => () => chartFrames.cancel(chartRef), [])
  const draw = useCallback((name: string, redraw: (chart: echarts.ECharts) => void) => {
    chartFrames.schedule(chartRef, name, () => {
      const chart = chartRef.current
      if (chart && !chart.isDisposed()) redraw(chart)
    })
  }, [])

  return { containerRef, chartRef, ready, visible, width, height, draw }
}
