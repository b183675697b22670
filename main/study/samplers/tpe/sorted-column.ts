import type { FrozenTrial } from '../../frozen-trial.js'
import type { Allocator } from './arena.js'

/** Ascending order of a subset of observations: the sorted values and each member's position in them. */
export interface SubsetOrder {
  sorted: Float64Array
  /** ranks[i] = position of the subset's i-th observation in `sorted` (ties in subset order). */
  ranks: Uint32Array
}

/**
 * One numerical param's values (in TPE's transformed space) over a study's trials, kept in
 * ascending (value, trial number) order as trials arrive. A trial's value never changes once set,
 * so each ask only inserts the new ones, and the neighbour bandwidths of any subset of trials
 * (the good or the bad set) come from one linear walk instead of a sort.
 */
export class SortedColumn {
  private values = new Float64Array(64)
  private numbers = new Int32Array(64)
  private size = 0
  /** seen[trial number] = 1 once that trial's value is in the column. */
  private seen = new Uint8Array(64)

  constructor(
    readonly name: string,
    private readonly log: boolean,
  ) {}

  /** Inserts the values of the trials not seen yet that have this param. */
  sync(trials: readonly FrozenTrial[]): void {
    for (const t of trials) {
      if (t.number < this.seen.length && this.seen[t.number] === 1) continue
      const v = t.params[this.name]
      if (typeof v !== 'number') continue
      this.insert(this.log ? Math.log(v) : v, t.number)
    }
  }

  private insert(value: number, number: number): void {
    if (number >= this.seen.length) this.seen = grow(this.seen, number + 1)
    this.seen[number] = 1
    if (this.size === this.values.length) {
      this.values = grow(this.values, this.size + 1)
      this.numbers = grow(this.numbers, this.size + 1)
    }
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const v = this.values[mid]!
      if (v < value || (v === value && this.numbers[mid]! < number)) lo = mid + 1
      else hi = mid
    }
    this.values.copyWithin(lo + 1, lo, this.size)
    this.numbers.copyWithin(lo + 1, lo, this.size)
    this.values[lo] = value
    this.numbers[lo] = number
    this.size++
  }

  /**
   * The order of a subset, given `member[trial number]` = the trial's index in the subset (−1 if
   * not in it). The subset is listed by trial number, so ties keep the subset's order (a stable sort).
   */
  order(member: Int32Array, subsetSize: number, alloc: Allocator): SubsetOrder {
    const sorted = alloc.f64(subsetSize)
    const ranks = alloc.u32(subsetSize)
    let j = 0
    for (let p = 0; p < this.size; p++) {
      const num = this.numbers[p]!
      const i = num < member.length ? member[num]! : -1
      if (i < 0) continue
      sorted[j] = this.values[p]!
      ranks[i] = j++
    }
    if (j !== subsetSize) throw new Error(`Sorted column ${this.name} holds ${j} of the ${subsetSize} observations asked for`)
    return { sorted, ranks }
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, min: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, 2 * a.length))
  b.set(a)
  return b
}
