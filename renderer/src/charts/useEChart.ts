import { useEffect, useRef, useState, type RefObject } from 'react'
import { useElementSize } from '../hooks/useElementSize'
import { echarts } from './echarts'

export interface EChartHandle {
  containerRef: RefObject<HTMLDivElement | null>
  chartRef: RefObject<echarts.ECharts | null>
  /** The chart exists (the container has a size; never in jsdom, which has no layout). */
  ready: boolean
  /** The container is on screen (or near it): streaming charts skip redraws while it is not. */
  visible: boolean
  width: number
  height: number
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

  return { containerRef, chartRef, ready, visible, width, height }
}
