// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { PREVIEW_MARGIN, xToPixel } from '../../../renderer/src/charts/studyOptions'
import { StudioProvider, useStudio } from '../../../renderer/src/store/context'
import { createStudioStore } from '../../../renderer/src/store/studio'
import { EdgeHandles } from '../../../renderer/src/views/binning/EdgeHandles'
import { FakeHistuneApi, tutorialSetup } from './fixtures'

afterEach(cleanup)

// jsdom has no layout: the handles get the plot width the chart would have.
const WIDTH = 884

function Handles() {
  const setup = useStudio((s) => s.setup)
  const edges = useStudio((s) => s.previewEdges.SR ?? [])
  const channel = setup?.channels[0]
  if (!channel) return null
  return <EdgeHandles channel={channel} observable="x" edges={edges} width={WIDTH} bins={[]} overlay={[0, 0.5, 1]} />
}

async function renderHandles(grid = false) {
  const api = new FakeHistuneApi()
  api.setup = tutorialSetup({ grid })
  const store = createStudioStore(api, 'serve', { scheduleFrame: (callback) => callback() })
  await store.getState().loadStudyConfigText('study: {}', 'study.yaml')
  render(
    <StudioProvider store={store}>
      <Handles />
    </StudioProvider>,
  )
  return { store, handles: () => screen.getAllByRole('slider') }
}

describe('edge handles', () => {
  it('places one slider per edge at the chart’s pixel position', async () => {
    const { handles } = await renderHandles()
    expect(handles()).toHaveLength(5)
    expect(handles()[2]!.style.left).toBe(`${xToPixel(0.5, [0, 1], WIDTH)}px`)
    expect(handles()[0]!.style.left).toBe(`${PREVIEW_MARGIN.left}px`)
    expect(handles()[2]!.getAttribute('aria-valuenow')).toBe('0.5')
    expect(screen.getAllByTestId('baseline-edge')).toHaveLength(3)
  })

  it('moves an edge by dragging it with the pointer', async () => {
    const { store, handles } = await renderHandles()
    const handle = handles()[1]!
    fireEvent.pointerDown(handle, { button: 0, pointerId: 1, clientX: xToPixel(0.25, [0, 1], WIDTH) })
    expect(store.getState().selectedEdge).toEqual({ channel: 'SR', index: 1 })
    fireEvent.pointerMove(handle, { pointerId: 1, clientX: xToPixel(0.4, [0, 1], WIDTH) })
    expect(store.getState().previewEdges.SR?.[1]).toBeCloseTo(0.4, 6)
    fireEvent.pointerUp(handle, { pointerId: 1 })
    fireEvent.pointerMove(handle, { pointerId: 1, clientX: xToPixel(0.1, [0, 1], WIDTH) })
    expect(store.getState().previewEdges.SR?.[1]).toBeCloseTo(0.4, 6)
  })

  it('nudges with the arrow keys along the grid and removes with Delete', async () => {
    const { store, handles } = await renderHandles(true)
    act(() => handles()[1]!.focus())
    fireEvent.keyDown(handles()[1]!, { key: 'ArrowRight' })
    expect(store.getState().previewEdges.SR).toEqual([0, 0.3, 0.5, 0.75, 1])
    fireEvent.keyDown(handles()[1]!, { key: 'ArrowLeft' })
    fireEvent.keyDown(handles()[1]!, { key: 'ArrowLeft' })
    expect(store.getState().previewEdges.SR).toEqual([0, 0.2, 0.5, 0.75, 1])
    fireEvent.keyDown(handles()[1]!, { key: 'Delete' })
    expect(store.getState().previewEdges.SR).toEqual([0, 0.5, 0.75, 1])
    expect(handles()).toHaveLength(4)
  })
})
