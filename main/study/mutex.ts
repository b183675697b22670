/** A FIFO lock, so that async callers sharing one connection never interleave a transaction. */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve()

  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => (release = resolve))
    await previous
    try {
      return await fn()
    } finally {
      release()
    }
  }
}
