import type { FrozenTrial } from '../../frozen-trial.js'
import type { Allocator } from './arena.js'

/** Ascending order of a subset of observations: the sorted values and each member's position in them. */
export interface SubsetOrder {
  sorted: Float64Array
  /** ranks[i] = position of the subset's i-th observation in `sorted` (ties in subset order). */
  ranks: Uint32Array
  /** The column the order was read from, the column slot of each sorted value and its member's index (the inverse of `ranks`). */
  column?: SortedColumn
  slots?: Uint32Array
  members?: Uint32Array
}

/**
 * What the Parzen estimators last worked out for the kernel centred on each slot of a column, so
 * that a kernel with the same bandwidth next time (most are clipped to the same minimum) is not
 * worked out again: its bandwidth, the log of it, its log mass within the bounds (0 if interior to
 * them); and, for the bandwidth `tailSigma`, its exact log mass and the log mass of the normal
 * beyond its lower bound (or above its upper one if that is nearer), which sampling needs. Valid
 * for the bounds it was made for; a bandwidth of NaN marks an empty entry.
 */
export interface KernelMemo {
  sigma: Float64Array
  logSigma: Float64Array
  logNorm: Float64Array
  interior: Uint8Array
  tailSigma: Float64Array
  logMass: Float64Array
  logTail: Float64Array
}

const newMemo = (n: number): KernelMemo => ({
  sigma: new Float64Array(n).fill(NaN),
  logSigma: new Float64Array(n),
  logNorm: new Float64Array(n),
  interior: new Uint8Array(n),
  tailSigma: new Float64Array(n).fill(NaN),
  logMass: new Float64Array(n),
  logTail: new Float64Array(n),
})

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
  private memo: KernelMemo = newMemo(64)
  private memoBounds: [number, number] = [NaN, NaN]

  constructor(
    readonly name: string,
    private readonly log: boolean,
  ) {}

  /**
   * Inserts the values of the trials not seen yet that have this param. Returns whether a trial
   * without it may still gain it (one RUNNING or WAITING); if not, syncing the same trials again
   * changes nothing, as a finished trial's params never change.
   */
  sync(trials: readonly FrozenTrial[]): boolean {
    let open = false
    for (const t of trials) {
      if (t.number < this.seen.length && this.seen[t.number] === 1) continue
      const v = t.params[this.name]
      if (typeof v !== 'number') {
        open ||= t.state === 'RUNNING' || t.state === 'WAITING'
        continue
      }
      this.insert(this.log ? Math.log(v) : v, t.number)
    }
    return open
  }

  /** The kernel memo for kernels truncated to [low, high] (emptied when the bounds change). */
  kernelMemo(low: number, high: number): KernelMemo {
    if (low !== this.memoBounds[0] || high !== this.memoBounds[1]) {
      this.memo.sigma.fill(NaN)
      this.memo.tailSigma.fill(NaN)
      this.memoBounds = [low, high]
    }
    return this.memo
  }

  private insert(value: number, number: number): void {
    if (number >= this.seen.length) this.seen = grow(this.seen, number + 1)
    this.seen[number] = 1
    if (this.size === this.values.length) {
      this.values = grow(this.values, this.size + 1)
      this.numbers = grow(this.numbers, this.size + 1)
      const memo = newMemo(this.values.length)
      for (const key of Object.keys(memo) as (keyof KernelMemo)[]) memo[key].set(this.memo[key])
      this.memo = memo
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
    for (const a of Object.values(this.memo)) a.copyWithin(lo + 1, lo, this.size)
    this.values[lo] = value
    this.numbers[lo] = number
    this.memo.sigma[lo] = NaN
    this.memo.tailSigma[lo] = NaN
    this.size++
  }

  /**
   * The order of a subset, given `member[trial number]` = the trial's index in the subset (−1 if
   * not in it). The subset is listed by trial number, so ties keep the subset's order (a stable sort).
   */
  order(member: Int32Array, subsetSize: number, alloc: Allocator): SubsetOrder {
    return this.orders([{ member, size: subsetSize }], alloc)[0]!
  }

  /** The orders of several subsets (as `order` gives each), in one walk of the column. */
  orders(subsets: readonly { member: Int32Array; size: number }[], alloc: Allocator): SubsetOrder[] {
    const out = subsets.map(({ size }): Required<SubsetOrder> & { filled: number } => ({
      sorted: alloc.f64(size),
      ranks: alloc.u32(size),
      column: this,
      slots: alloc.u32(size),
      members: alloc.u32(size),
      filled: 0,
    }))
    const { values, numbers } = this
    if (subsets.length === 2) {
      // TPE's good and bad sets, with everything in locals.
      const [a, b] = subsets as [{ member: Int32Array; size: number }, { member: Int32Array; size: number }]
      const [oa, ob] = out as [(typeof out)[0], (typeof out)[0]]
      let ja = 0
      let jb = 0
      for (let p = 0; p < this.size; p++) {
        const num = numbers[p]!
        const ia = num < a.member.length ? a.member[num]! : -1
        const ib = num < b.member.length ? b.member[num]! : -1
        if (ia >= 0 && ja < a.size) {
          oa.sorted[ja] = values[p]!
          oa.slots[ja] = p
          oa.members[ja] = ia
          oa.ranks[ia] = ja
        }
        if (ia >= 0) ja++
        if (ib >= 0 && jb < b.size) {
          ob.sorted[jb] = values[p]!
          ob.slots[jb] = p
          ob.members[jb] = ib
          ob.ranks[ib] = jb
        }
        if (ib >= 0) jb++
      }
      oa.filled = ja
      ob.filled = jb
    } else {
      for (let p = 0; p < this.size; p++) {
        const num = numbers[p]!
        for (let s = 0; s < subsets.length; s++) {
          const { member, size } = subsets[s]!
          const i = num < member.length ? member[num]! : -1
          if (i < 0) continue
          const o = out[s]!
          const j = o.filled++
          if (j >= size) continue
          o.sorted[j] = values[p]!
          o.slots[j] = p
          o.members[j] = i
          o.ranks[i] = j
        }
      }
    }
    return out.map(({ filled, ...order }, s) => {
      if (filled !== subsets[s]!.size) throw new Error(`Sorted column ${this.name} holds ${filled} of the ${subsets[s]!.size} observations asked for`)
      return order
    })
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, min: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, 2 * a.length))
  b.set(a)
  return b
}
