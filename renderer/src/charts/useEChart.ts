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
  /**
   * `draw` for a chart of the first `total` trials that grows a limited number of them a frame (see
   * `grownCount`): `redraw(chart, count)` draws the first `count`. A batch of thousands (a stored
   * study opened, a backlog of trials) then fills the chart over a few frames, each a short task,
   * instead of one long one (a chart's first redraws are the slowest: its code is not compiled
   * yet). Streamed batches, far smaller, are drawn whole.
   */
  drawGrowing: (name: string, total: number, redraw: GrowingRedraw) => void
}

/**
 * Draws the first `count` trials; returns false when it drew only part of the chart (a first
 * redraw left its slowest components for the next frame), to be called again then.
 */
export type GrowingRedraw = (chart: echarts.ECharts, count: number) => boolean | void

/** Most trials a streaming chart adds in one redraw (see `drawGrowing`). */
export const GROWTH_PER_REDRAW = 500
/** Most trials the first redraw of a chart draws: its code paths are not compiled yet. */
export const FIRST_GROWTH = 100

/**
 * Trials the next redraw shows: all of `total`, but no more than twice the `drawn` ones (at least
 * `FIRST_GROWTH`, at most `GROWTH_PER_REDRAW` more): a chart's first, slow redraws are of few
 * trials, the later ones of many but by then compiled code.
 */
export function grownCount(drawn: number, total: number): number {
  const step = Math.min(GROWTH_PER_REDRAW, Math.max(FIRST_GROWTH, drawn))
  return Math.min(total, Math.max(drawn, 0) + step)
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

  /** Trials drawn by the last `drawGrowing` redraw; a new chart has drawn none. */
  const drawnCount = useRef(0)
  useEffect(() => {
    if (!ready) drawnCount.current = 0
  }, [ready])
  const drawGrowing = useCallback((name: string, total: number, redraw: GrowingRedraw) => {
    const step = () => {
      const chart = chartRef.current
      if (!chart || chart.isDisposed()) return
      const count = grownCount(drawnCount.current, total)
      const whole = redraw(chart, count) !== false
      drawnCount.current = count
      // What is on screen, for tests and benchmarks (no React render for it).
      containerRef.current?.setAttribute('data-drawn', String(whole ? count : 0))
      // The rest in a coming frame (replaced, like any queued redraw, by a newer one).
      if (count < total || !whole) chartFrames.schedule(chartRef, name, step)
    }
    chartFrames.schedule(chartRef, name, step)
  }, [])

  return { containerRef, chartRef, ready, visible, width, height, draw, drawGrowing }
}
