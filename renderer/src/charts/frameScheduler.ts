/**
 * Chart redraws spread over animation frames. A streamed batch of trials makes every dashboard
 * chart due at once; drawn together (each `setOption` builds and paints its canvas synchronously)
 * they make one main-thread task of 50–100 ms on a software canvas. Here each chart's redraw is a
 * job, queued once per chart (a newer redraw replaces a queued one in its place), and a frame runs
 * the next job, then more only while the frame's budget allows by what each took last time: at most
 * one heavy chart per frame, cheap ones together.
 *
 * The jobs run in a task of their own just after the frame is drawn, not in the frame's
 * animation-frame callbacks: those share one task with the frame's style, layout, paint and commit
 * (the raster of every canvas drawn since the last frame), which would add to the redraw's time.
 */
export type FrameJob = () => void

export interface FrameSchedulerOptions {
  /** Main-thread time one frame may spend on queued redraws, from the redraws' last durations. */
  budgetMs?: number
  requestFrame?: (callback: () => void) => void
  now?: () => number
}

export interface FrameScheduler {
  /** Queue `job` for `owner`, replacing a job it has queued (which keeps its place in the queue). */
  schedule(owner: object, name: string, job: FrameJob): void
  /** Drop `owner`'s queued job, if any (an unmounted chart). */
  cancel(owner: object): void
  /** Jobs waiting for a frame. */
  readonly pending: number
}

interface Queued {
  name: string
  job: FrameJob
}

/** A task right after the current one (a message, not a timer: timers may be clamped to 4 ms). */
function afterThisTask(callback: () => void): void {
  if (typeof MessageChannel !== 'function') {
    setTimeout(callback, 0)
    return
  }
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    channel.port1.close()
    callback()
  }
  channel.port2.postMessage(null)
}

/** Once per frame, in a task after the frame's own (see above). */
function defaultRequestFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => afterThisTask(callback))
  else setTimeout(callback, 16)
}

/** A User Timing entry per redraw, so that a profile (and the studio_stream bench) can attribute long tasks. */
function measure(name: string, start: number): void {
  try {
    performance.measure(`histune:${name}`, { start })
  } catch {
    // No User Timing with start options (old jsdom): the redraw is what matters.
  }
}

export function createFrameScheduler(options: FrameSchedulerOptions = {}): FrameScheduler {
  const budgetMs = options.budgetMs ?? 12
  const requestFrame = options.requestFrame ?? defaultRequestFrame
  const now = options.now ?? (() => performance.now())
  const queue = new Map<object, Queued>()
  /** What each owner's last redraw took; an owner not drawn yet counts as the whole budget. */
  const lastMs = new WeakMap<object, number>()
  let frameRequested = false

  const runFrame = () => {
    frameRequested = false
    const frameStart = now()
    let ran = 0
    try {
      for (const [owner, queued] of queue) {
        const expected = lastMs.get(owner) ?? budgetMs
        if (ran > 0 && now() - frameStart + expected > budgetMs) break
        queue.delete(owner)
        ran++
        const start = now()
        try {
          queued.job()
        } finally {
          lastMs.set(owner, now() - start)
          measure(queued.name, start)
        }
      }
    } finally {
      // A job that throws must not stall the others.
      if (queue.size > 0) request()
    }
  }

  const request = () => {
    if (frameRequested) return
    frameRequested = true
    requestFrame(runFrame)
  }

  return {
    schedule(owner, name, job) {
      const queued = queue.get(owner)
      if (queued) {
        queued.name = name
        queued.job = job
      } else {
        queue.set(owner, { name, job })
      }
      request()
    },
    cancel(owner) {
      queue.delete(owner)
    },
    get pending() {
      return queue.size
    },
  }
}

/** The studio's one scheduler: every streaming chart shares the frames. */
export const chartFrames = createFrameScheduler()
