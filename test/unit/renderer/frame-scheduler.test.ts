import { describe, expect, it } from 'vitest'
import { createFrameScheduler } from '../../../renderer/src/charts/frameScheduler'
import { FIRST_GROWTH, GROWTH_PER_REDRAW, grownCount } from '../../../renderer/src/charts/useEChart'

/** A scheduler on a fake clock: `frame()` runs the requested frame; jobs advance the clock by their cost. */
function fakeFrames(budgetMs = 12) {
  let clock = 0
  const frames: (() => void)[] = []
  const scheduler = createFrameScheduler({ budgetMs, now: () => clock, requestFrame: (callback) => frames.push(callback) })
  const ran: string[] = []
  const job = (name: string, costMs: number) => () => {
    ran.push(name)
    clock += costMs
  }
  const frame = () => {
    const callback = frames.shift()
    if (!callback) throw new Error('no frame was requested')
    callback()
  }
  return { scheduler, frames, ran, job, frame }
}

describe('chart frame scheduler', () => {
  it('runs one chart per frame until it knows what each costs, then only what fits the budget', () => {
    const { scheduler, frames, ran, job, frame } = fakeFrames()
    const [history, contour, pareto] = [{}, {}, {}]
    scheduler.schedule(history, 'history', job('history', 30))
    scheduler.schedule(contour, 'contour', job('contour', 2))
    scheduler.schedule(pareto, 'pareto', job('pareto', 3))
    expect(frames).toHaveLength(1)
    frame()
    expect(ran).toEqual(['history'])
    frame()
    expect(ran).toEqual(['history', 'contour'])
    frame()
    expect(ran).toEqual(['history', 'contour', 'pareto'])
    expect(frames).toHaveLength(0)

    // Now the two cheap ones share a frame; the heavy one is never paired with another.
    scheduler.schedule(contour, 'contour', job('contour', 2))
    scheduler.schedule(pareto, 'pareto', job('pareto', 3))
    scheduler.schedule(history, 'history', job('history', 30))
    ran.length = 0
    frame()
    expect(ran).toEqual(['contour', 'pareto'])
    frame()
    expect(ran).toEqual(['contour', 'pareto', 'history'])
    expect(scheduler.pending).toBe(0)
  })

  it('keeps only the latest redraw of a chart, in its place in the queue', () => {
    const { scheduler, ran, job, frame } = fakeFrames()
    const [a, b] = [{}, {}]
    scheduler.schedule(a, 'a', job('a1', 1))
    scheduler.schedule(b, 'b', job('b', 1))
    scheduler.schedule(a, 'a', job('a2', 1))
    expect(scheduler.pending).toBe(2)
    frame()
    frame()
    expect(ran).toEqual(['a2', 'b'])
  })

  it('drops a cancelled chart and goes on after a redraw that throws', () => {
    const { scheduler, frames, ran, job, frame } = fakeFrames()
    const [broken, gone, fine] = [{}, {}, {}]
    scheduler.schedule(broken, 'broken', () => {
      throw new Error('bad option')
    })
    scheduler.schedule(gone, 'gone', job('gone', 1))
    scheduler.schedule(fine, 'fine', job('fine', 1))
    scheduler.cancel(gone)
    expect(() => frame()).toThrow('bad option')
    expect(frames).toHaveLength(1)
    frame()
    expect(ran).toEqual(['fine'])
    expect(scheduler.pending).toBe(0)
  })

  it('runs a redraw that queues its own next step in a later frame once it is known to be heavy', () => {
    const { scheduler, frames, ran, job, frame } = fakeFrames()
    const [history, importance] = [{}, {}]
    let steps = 0
    const step = () => {
      steps++
      job(`history ${steps}`, 20)()
      if (steps < 3) scheduler.schedule(history, 'history', step)
    }
    scheduler.schedule(history, 'history', step)
    scheduler.schedule(importance, 'importance', job('importance', 1))
    frame()
    expect(ran).toEqual(['history 1'])
    frame()
    expect(ran).toEqual(['history 1', 'importance'])
    frame()
    frame()
    expect(ran).toEqual(['history 1', 'importance', 'history 2', 'history 3'])
    expect(frames).toHaveLength(0)
  })
})

describe('growing chart redraws', () => {
  it('draws few trials first, then at most twice as many, and never more than a step beyond', () => {
    const counts: number[] = []
    let drawn = 0
    while (drawn < 2000) {
      drawn = grownCount(drawn, 2000)
      counts.push(drawn)
    }
    expect(counts).toEqual([FIRST_GROWTH, 200, 400, 800, 800 + GROWTH_PER_REDRAW, 1800, 2000])
    // Streamed batches are drawn whole; a new, shorter study is drawn whole at once.
    expect(grownCount(2000, 2040)).toBe(2040)
    expect(grownCount(2000, 30)).toBe(30)
    expect(grownCount(0, 0)).toBe(0)
  })
})
