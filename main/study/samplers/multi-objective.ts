import type { FrozenTrial, StudyDirection } from '../frozen-trial.js'

/** Objective values turned into losses (all minimised). */
export function lossVector(trial: FrozenTrial, directions: readonly StudyDirection[]): number[] {
  return directions.map((d, i) => (d === 'maximize' ? -trial.values![i]! : trial.values![i]!))
}

export function dominatesLoss(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false
    if (a[i]! < b[i]!) strictly = true
  }
  return strictly
}

/** Non-domination rank of each point (0 = Pareto front), by repeated front peeling. */
export function nonDominationRanks(losses: readonly (readonly number[])[]): number[] {
  const n = losses.length
  const ranks = new Array<number>(n).fill(-1)
  const dominatedBy = new Array<number>(n).fill(0)
  const dominating: number[][] = Array.from({ length: n }, () => [])
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominatesLoss(losses[i]!, losses[j]!)) {
        dominating[i]!.push(j)
        dominatedBy[j]!++
      } else if (dominatesLoss(losses[j]!, losses[i]!)) {
        dominating[j]!.push(i)
        dominatedBy[i]!++
      }
    }
  }
  let front = ranks.map((_, i) => i).filter((i) => dominatedBy[i] === 0)
  let rank = 0
  while (front.length > 0) {
    const next: number[] = []
    for (const i of front) {
      ranks[i] = rank
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j)
    }
    front = next
    rank++
  }
  return ranks
}

/** Hypervolume dominated by `points` (minimisation) up to `reference`, by slicing the last objective. */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, i) => v < reference[i]!))
  if (inside.length === 0) return 0
  const d = reference.length
  if (d === 1) return reference[0]! - Math.min(...inside.map((p) => p[0]!))
  if (d === 2) {
    const sorted = [...inside].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
    let hv = 0
    let bestY = reference[1]!
    for (const p of sorted) {
      if (p[1]! < bestY) {
        hv += (reference[0]! - p[0]!) * (bestY - p[1]!)
        bestY = p[1]!
      }
    }
    return hv
  }
  const sorted = [...inside].sort((a, b) => a[d - 1]! - b[d - 1]!)
  let hv = 0
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![d - 1]! : reference[d - 1]!
    const depth = top - sorted[i]![d - 1]!
    if (depth <= 0) continue
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1))
    hv += depth * hypervolume(slice, reference.slice(0, d - 1))
  }
  return hv
}

/** Greedy hypervolume subset selection: `k` indices of `points` that (1 − 1/e)-approximately maximise HV. */
export function selectByHypervolume(points: readonly (readonly number[])[], k: number, reference: readonly number[]): number[] {
  const chosen: number[] = []
  const remaining = new Set(points.map((_, i) => i))
  let current = 0
  while (chosen.length < k && remaining.size > 0) {
    let best = -1
    let bestGain = -Infinity
    for (const i of remaining) {
      const gain = hypervolume([...chosen.map((c) => points[c]!), points[i]!], reference) - current
      if (gain > bestGain) {
        bestGain = gain
        best = i
      }
    }
    chosen.push(best)
    remaining.delete(best)
    current += bestGain
  }
  return chosen
}

/** Crowding distance within one front (NSGA-II); boundary points get +∞. */
export function crowdingDistances(losses: readonly (readonly number[])[]): number[] {
  const n = losses.length
  const dist = new Array<number>(n).fill(0)
  if (n === 0) return dist
  const m = losses[0]!.length
  for (let j = 0; j < m; j++) {
    const order = losses.map((_, i) => i).sort((a, b) => losses[a]![j]! - losses[b]![j]!)
    const lo = losses[order[0]!]![j]!
    const hi = losses[order[n - 1]!]![j]!
    dist[order[0]!] = Infinity
    dist[order[n - 1]!] = Infinity
    if (hi === lo || !Number.isFinite(hi - lo)) continue
    for (let r = 1; r < n - 1; r++) {
      dist[order[r]!]! += (losses[order[r + 1]!]![j]! - losses[order[r - 1]!]![j]!) / (hi - lo)
    }
  }
  return dist
}
