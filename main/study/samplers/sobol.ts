import type { RandomState } from '../rng.js'
import { SOBOL_DIRECTIONS } from './sobol-directions.js'

const BITS = 30

/**
 * Sobol' low-discrepancy sequence (Bratley–Fox construction, Gray-code order, as scipy's `Sobol`).
 * With `scramble`, a random lower-triangular linear matrix scramble plus a digital shift is applied
 * (Matoušek's LMS + shift): the points stay a (t, s)-sequence but are randomised.
 */
export class SobolSequence {
  readonly dim: number
  private readonly v: Uint32Array[]
  private readonly shift: Uint32Array

  constructor(dim: number, options: { scramble?: boolean; rng?: RandomState } = {}) {
    if (dim < 1 || dim > SOBOL_DIRECTIONS.length) {
      throw new Error(`Sobol' sequences are supported for 1 to ${SOBOL_DIRECTIONS.length} dimensions, got ${dim}`)
    }
    this.dim = dim
    this.v = []
    for (let d = 0; d < dim; d++) this.v.push(directionVectors(d))
    this.shift = new Uint32Array(dim)
    if (options.scramble === true) {
      const rng = options.rng
      if (rng === undefined) throw new Error('A random state is required to scramble')
      for (let d = 0; d < dim; d++) {
        this.v[d] = linearScramble(this.v[d]!, rng)
        this.shift[d] = rng.nextUint32() >>> (32 - BITS)
      }
    }
  }

  /** The point with index `n` (0-based), in [0, 1)^dim. */
  point(n: number): number[] {
    // Gray code of n selects which direction vectors are XORed together.
    const gray = n ^ Math.floor(n / 2)
    const out = new Array<number>(this.dim)
    for (let d = 0; d < this.dim; d++) {
      let x = this.shift[d]!
      const v = this.v[d]!
      for (let bit = 0, g = gray; g > 0; bit++, g = Math.floor(g / 2)) if (g % 2 === 1) x ^= v[bit]!
      out[d] = (x >>> 0) / 2 ** BITS
    }
    return out
  }
}

function directionVectors(d: number): Uint32Array {
  const v = new Uint32Array(BITS)
  if (d === 0) {
    for (let i = 0; i < BITS; i++) v[i] = 1 << (BITS - 1 - i)
    return v
  }
  const [poly, m] = SOBOL_DIRECTIONS[d]!
  const s = Math.floor(Math.log2(poly))
  for (let j = 0; j < s; j++) v[j] = m[j]! << (BITS - 1 - j)
  for (let j = s; j < BITS; j++) {
    let x = v[j - s]! ^ (v[j - s]! >>> s)
    for (let k = 1; k < s; k++) if (((poly >>> (s - k)) & 1) === 1) x ^= v[j - k]!
    v[j] = x
  }
  return v
}

/** Multiplies each direction vector by a random unit lower-triangular bit matrix. */
function linearScramble(v: Uint32Array, rng: RandomState): Uint32Array {
  const rows = new Uint32Array(BITS) // rows[i]: bit mask of row i (MSB-first positions)
  for (let i = 0; i < BITS; i++) {
    const below = i === 0 ? 0 : rng.nextUint32() >>> (32 - i)
    rows[i] = (below << (BITS - i)) | (1 << (BITS - 1 - i))
  }
  const out = new Uint32Array(BITS)
  for (let j = 0; j < BITS; j++) {
    let y = 0
    for (let i = 0; i < BITS; i++) {
      if (parity(rows[i]! & v[j]!) === 1) y |= 1 << (BITS - 1 - i)
    }
    out[j] = y >>> 0
  }
  return out
}

function parity(x: number): number {
  x ^= x >>> 16
  x ^= x >>> 8
  x ^= x >>> 4
  x ^= x >>> 2
  x ^= x >>> 1
  return x & 1
}
