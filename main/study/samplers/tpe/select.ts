// Order statistics of losses without a full sort (TPE's split needs two per ask), placed exactly
// as Float64Array.prototype.sort places them, so that the split is the one a sort gives.

/** Whether a comes before b in a Float64Array's sort: ascending, −0 before +0, NaN last. */
export function sortsBefore(a: number, b: number): boolean {
  if (a < b) return true
  if (a > b || a !== a) return false
  if (b !== b) return true
  return a === 0 && b === 0 && 1 / a < 0 && 1 / b > 0
}

/**
 * The element a sort of `xs` would put at index k (0 ≤ k < length), found by selection (median-of-
 * three quickselect); `xs` is reordered so that the k before it are the ones a sort puts there.
 * A sort is the fallback when partitions stay lopsided.
 */
export function selectKth(xs: Float64Array, k: number): number {
  let lo = 0
  let hi = xs.length - 1
  for (let rounds = 0; lo < hi; rounds++) {
    if (rounds > 64) {
      xs.subarray(lo, hi + 1).sort()
      return xs[k]!
    }
    const a = xs[lo]!
    const b = xs[(lo + hi) >>> 1]!
    const c = xs[hi]!
    const pivot = sortsBefore(a, b) ? (sortsBefore(b, c) ? b : sortsBefore(a, c) ? c : a) : sortsBefore(a, c) ? a : sortsBefore(b, c) ? c : b
    // Three-way partition: [lo, lt) before the pivot, [lt, gt] equal to it (bit for bit), (gt, hi] after it.
    let lt = lo
    let gt = hi
    let i = lo
    while (i <= gt) {
      const x = xs[i]!
      if (sortsBefore(x, pivot)) {
        xs[i] = xs[lt]!
        xs[lt++] = x
        i++
      } else if (sortsBefore(pivot, x)) {
        xs[i] = xs[gt]!
        xs[gt--] = x
      } else i++
    }
    if (k < lt) hi = lt - 1
    else if (k > gt) lo = gt + 1
    else return pivot
  }
  return xs[k]!
}

/** The element a sort of `xs` would put last. */
export function largest(xs: Float64Array): number {
  let m = xs[0]!
  for (let i = 1; i < xs.length; i++) if (sortsBefore(m, xs[i]!)) m = xs[i]!
  return m
}
