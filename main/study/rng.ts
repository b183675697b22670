import { randomBytes } from 'node:crypto'

/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). The same seed gives the
 * same stream on every platform, which is what makes seeded studies reproducible run to run.
 */
export class RandomState {
  private s = new Uint32Array(4)
  private spareNormal: number | null = null

  constructor(seed?: number) {
    const base = seed ?? randomBytes(4).readUInt32LE(0)
    let x = (Math.floor(Math.abs(base)) >>> 0) ^ (Math.floor(Math.abs(base) / 2 ** 32) >>> 0)
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      this.s[i] = (z ^ (z >>> 16)) >>> 0
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1
  }

  nextUint32(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0
    const t = (s[1]! << 9) >>> 0
    s[2]! ^= s[0]!
    s[3]! ^= s[1]!
    s[1]! ^= s[2]!
    s[0]! ^= s[3]!
    s[2]! ^= t
    s[3] = rotl(s[3]!, 11)
    return result
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5
    const lo = this.nextUint32() >>> 6
    return (hi * 67108864 + lo) / 9007199254740992
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.random()
  }

  /** Integer in [0, n). */
  integer(n: number): number {
    return Math.min(n - 1, Math.floor(this.random() * n))
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal
      this.spareNormal = null
      return v
    }
    let u = 0
    while (u === 0) u = this.random()
    const v = this.random()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spareNormal = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /** Index drawn with probability proportional to `weights`. */
  choice(weights: ArrayLike<number>): number {
    let total = 0
    for (let i = 0; i < weights.length; i++) total += weights[i]!
    let u = this.random() * total
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!
      if (u < 0) return i
    }
    return weights.length - 1
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(i + 1)
      const tmp = items[i]!
      items[i] = items[j]!
      items[j] = tmp
    }
    return items
  }

  /** A new generator whose seed is drawn from this one (for independent sub-streams). */
  spawn(): RandomState {
    return new RandomState(this.nextUint32())
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
