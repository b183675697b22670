/**
 * Where TPE's estimators get their typed arrays. Each ask builds two estimators over every trial
 * and drops them; allocating their ~100 arrays one by one (each a zeroed, separately tracked
 * backing store) cost as much as the arithmetic, so a sampler hands out views of one reusable
 * buffer instead and rewinds it before the next ask.
 */
export interface Allocator {
  /** A Float64Array of length n whose contents are unspecified (callers that need zeros fill it). */
  f64(n: number): Float64Array
  /** A Uint32Array of length n whose contents are unspecified. */
  u32(n: number): Uint32Array
  /** An Int32Array of length n whose contents are unspecified. */
  i32(n: number): Int32Array
  /** A Uint8Array of length n whose contents are unspecified. */
  u8(n: number): Uint8Array
}

/** Fresh zeroed arrays (for estimators that outlive the call that built them). */
export const heapAllocator: Allocator = {
  f64: (n) => new Float64Array(n),
  u32: (n) => new Uint32Array(n),
  i32: (n) => new Int32Array(n),
  u8: (n) => new Uint8Array(n),
}

/** A bump allocator over growing buffers; `rewind()` makes every view handed out since reusable. */
export class Arena implements Allocator {
  private f64Buffer = new Float64Array(1 << 14)
  private f64Used = 0
  private u32Buffer = new Uint32Array(1 << 14)
  private u32Used = 0

  f64(n: number): Float64Array {
    if (this.f64Used + n > this.f64Buffer.length) {
      // Views already handed out keep the old buffer alive until they are dropped.
      this.f64Buffer = new Float64Array(Math.max(2 * this.f64Buffer.length, 2 * n))
      this.f64Used = 0
    }
    const view = this.f64Buffer.subarray(this.f64Used, this.f64Used + n)
    this.f64Used += n
    return view
  }

  u32(n: number): Uint32Array {
    if (this.u32Used + n > this.u32Buffer.length) {
      this.u32Buffer = new Uint32Array(Math.max(2 * this.u32Buffer.length, 2 * n))
      this.u32Used = 0
    }
    const view = this.u32Buffer.subarray(this.u32Used, this.u32Used + n)
    this.u32Used += n
    return view
  }

  i32(n: number): Int32Array {
    const u = this.u32(n)
    return new Int32Array(u.buffer, u.byteOffset, n)
  }

  u8(n: number): Uint8Array {
    const u = this.u32((n + 3) >>> 2)
    return new Uint8Array(u.buffer, u.byteOffset, n)
  }

  rewind(): void {
    this.f64Used = 0
    this.u32Used = 0
  }
}
