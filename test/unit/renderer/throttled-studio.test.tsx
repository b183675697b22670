// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { useThrottledStudio } from '../../../renderer/src/hooks/useThrottledStudio'
import { StudioProvider } from '../../../renderer/src/store/context'
import { createStudioStore } from '../../../renderer/src/store/studio'
import { FakeHistuneApi, trialRecord } from './fixtures'

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

const selectCount = (s: { trialLog: { list: unknown[] } }) => s.trialLog.list.length

function Count({ id, interval }: { id: string; interval: number }) {
  const n = useThrottledStudio(selectCount, interval)
  return <span data-testid={id}>{n}</span>
}

describe('throttled store views', () => {
  it('land together in one animation frame, however many are due', async () => {
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback))
    const store = createStudioStore(new FakeHistuneApi(), 'serve')
    render(
      <StudioProvider store={store}>
        <Count id="a" interval={0} />
        <Count id="b" interval={0} />
        <Count id="c" interval={0} />
      </StudioProvider>,
    )
    act(() => {
      store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(0, 1), trialRecord(1, 2)] })
      store.getState().handleEvent({ type: 'trials', studyName: 'tutorial', trials: [trialRecord(2, 3)] })
    })
    await act(() => new Promise((resolve) => setTimeout(resolve, 5)))
    // Nothing is drawn between frames, and the three views asked for a single frame.
    expect(['a', 'b', 'c'].map((id) => screen.getByTestId(id).textContent)).toEqual(['0', '0', '0'])
    expect(frames).toHaveLength(1)
    act(() => frames.shift()!(performance.now()))
    expect(['a', 'b', 'c'].map((id) => screen.getByTestId(id).textContent)).toEqual(['3', '3', '3'])
  })
})
