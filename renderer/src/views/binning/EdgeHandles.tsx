import { useRef, type KeyboardEvent, type PointerEvent } from 'react'
import type { BinContent, FineChannel } from '../../../../preload/api'
import { PREVIEW_MARGIN, pixelToX, xToPixel } from '../../charts/studyOptions'
import { formatNumber } from '../../format'
import { keyboardStep } from '../../store/edges'
import { useStudio } from '../../store/context'

/**
 * The channel's bin edges as draggable handles over the preview (DOM, not canvas: they take focus,
 * keys and pointer capture), with the bins that break a constraint shaded and a baseline's edges
 * dashed. The handles use the charts' fixed margins to map x to pixels.
 */
export function EdgeHandles({
  channel,
  observable,
  edges,
  width,
  bins,
  overlay,
}: {
  channel: FineChannel
  observable: string
  edges: readonly number[]
  width: number
  bins: readonly BinContent[]
  overlay: readonly number[] | null
}) {
  const selectedEdge = useStudio((s) => s.selectedEdge)
  const selectEdge = useStudio((s) => s.selectEdge)
  const moveEdge = useStudio((s) => s.moveEdge)
  const removeEdge = useStudio((s) => s.removeEdge)
  const layerRef = useRef<HTMLDivElement>(null)
  const dragging = useRef<number | null>(null)
  const domain = { range: channel.range, grid: channel.grid }
  const toPixel = (x: number) => xToPixel(x, channel.range, width)

  const onPointerDown = (index: number) => (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return
    event.preventDefault()
    event.stopPropagation()
    event.currentTarget.focus()
    event.currentTarget.setPointerCapture?.(event.pointerId)
    dragging.current = index
    selectEdge({ channel: channel.name, index })
  }
  const onPointerMove = (index: number) => (event: PointerEvent<HTMLDivElement>) => {
    if (dragging.current !== index || !layerRef.current) return
    const left = layerRef.current.getBoundingClientRect().left
    moveEdge(channel.name, index, pixelToX(event.clientX - left, channel.range, width))
  }
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    dragging.current = null
    event.currentTarget.releasePointerCapture?.(event.pointerId)
  }
  const onKeyDown = (index: number) => (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      event.preventDefault()
      moveEdge(channel.name, index, keyboardStep(edges, index, event.key === 'ArrowRight' ? 1 : -1, domain))
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault()
      removeEdge(channel.name, index)
      // Keep the keyboard on a neighbouring edge.
      requestAnimationFrame(() => {
        const handles = layerRef.current?.querySelectorAll<HTMLElement>('[data-edge-index]')
        handles?.[Math.min(index, handles.length - 1)]?.focus()
      })
    } else if (event.key === 'Escape') {
      selectEdge(null)
      event.currentTarget.blur()
    }
  }

  if (width <= 0) return null
  const top = PREVIEW_MARGIN.top
  const bottom = PREVIEW_MARGIN.bottom
  const plotWidth = width - PREVIEW_MARGIN.left - PREVIEW_MARGIN.right
  const dense = edges.length > 1 && plotWidth / (edges.length - 1) < 22

  return (
    <div className={`edge-layer${dense ? ' is-dense' : ''}`} ref={layerRef}>
      {bins.map((bin, i) =>
        bin.violations.length > 0 ? (
          <div
            key={`violation-${i}`}
            className="bin-violation"
            data-testid="bin-violation"
            style={{ left: toPixel(bin.lo), width: Math.max(toPixel(bin.hi) - toPixel(bin.lo), 1), top, bottom }}
            title={`Bin ${i + 1} violates ${bin.violations.join(', ')}`}
          />
        ) : null,
      )}
      {overlay?.map((x, i) => (
        <div
          key={`baseline-${i}`}
          className="baseline-edge"
          data-testid="baseline-edge"
          style={{ left: toPixel(x), top, bottom }}
        />
      ))}
      {edges.map((x, index) => {
        const selected = selectedEdge?.channel === channel.name && selectedEdge.index === index
        return (
          <div
            key={index}
            className={`edge-handle${selected ? ' is-selected' : ''}`}
            style={{ left: toPixel(x), top: top - 10, bottom }}
            role="slider"
            tabIndex={0}
            aria-label={`Bin edge ${index + 1} of ${edges.length} in ${channel.name}`}
            aria-valuemin={channel.range[0]}
            aria-valuemax={channel.range[1]}
            aria-valuenow={x}
            aria-valuetext={`${observable} = ${formatNumber(x)}`}
            aria-orientation="horizontal"
            data-testid="edge-handle"
            data-edge-index={index}
            data-edge-value={x}
            title={`${observable} = ${formatNumber(x)} — drag, ←/→ to nudge, Delete to remove`}
            onPointerDown={onPointerDown(index)}
            onPointerMove={onPointerMove(index)}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
            onFocus={() => {
              if (!selected) selectEdge({ channel: channel.name, index })
            }}
            onKeyDown={onKeyDown(index)}
          >
            <span className="edge-knob" aria-hidden="true" />
            <span className="edge-line" aria-hidden="true" />
          </div>
        )
      })}
    </div>
  )
}
