/**
 * Pure operations on one channel's bin edges (sorted, strictly increasing, inside the channel's
 * range). With a grid (a workspace's own fine bins) every edge sits on a grid point.
 */

/** Smallest gap kept between neighbouring edges without a grid, as a fraction of the range. */
const MIN_GAP_FRACTION = 1e-4

export interface EdgeDomain {
  range: readonly [number, number]
  grid: readonly number[] | null
}

/** The grid point nearest to x (binary search: grids of thousands of fine bins are dragged over). */
export function snapToGrid(x: number, grid: readonly number[]): number {
  if (grid.length === 0) return x
  let lo = 0
  let hi = grid.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((grid[mid] as number) <= x) lo = mid
    else hi = mid
  }
  const below = grid[lo] as number
  const above = grid[hi] as number
  return Math.abs(x - below) <= Math.abs(above - x) ? below : above
}

function clampToRange(x: number, domain: EdgeDomain): number {
  return Math.min(Math.max(x, domain.range[0]), domain.range[1])
}

function place(x: number, domain: EdgeDomain): number {
  const inside = clampToRange(x, domain)
  return domain.grid ? snapToGrid(inside, domain.grid) : inside
}

function minGap(domain: EdgeDomain): number {
  return (domain.range[1] - domain.range[0]) * MIN_GAP_FRACTION
}

/** Grid points strictly between two values, or the open interval (with a gap) without a grid. */
function boundsBetween(
  below: number,
  above: number,
  domain: EdgeDomain,
): { lo: number; hi: number } | null {
  if (domain.grid) {
    const inside = domain.grid.filter((g) => g > below && g < above)
    if (inside.length === 0) return null
    return { lo: inside[0] as number, hi: inside[inside.length - 1] as number }
  }
  const gap = minGap(domain)
  if (above - below <= 2 * gap) return null
  return { lo: below + gap, hi: above - gap }
}

/**
 * Move edge `index` towards x, kept between its neighbours (it never crosses them) and inside the
 * range; snapped to the grid when there is one. Returns the same array when nothing changes.
 */
export function moveEdge(edges: readonly number[], index: number, x: number, domain: EdgeDomain): readonly number[] {
  if (index < 0 || index >= edges.length) return edges
  const below = index > 0 ? (edges[index - 1] as number) : -Infinity
  const above = index < edges.length - 1 ? (edges[index + 1] as number) : Infinity
  let target = place(x, domain)
  if (target <= below || target >= above) {
    const bounds = boundsBetween(
      Math.max(below, domain.range[0] - 1),
      Math.min(above, domain.range[1] + 1),
      domain,
    )
    if (!bounds) return edges
    target = Math.min(Math.max(target, bounds.lo), bounds.hi)
    if (target <= below || target >= above) return edges
  }
  if (target === edges[index]) return edges
  const next = edges.slice()
  next[index] = target
  return next
}

/** Add an edge at x (snapped); the same array when it falls on an existing edge. */
export function addEdge(edges: readonly number[], x: number, domain: EdgeDomain): readonly number[] {
  const target = place(x, domain)
  const gap = domain.grid ? 0 : minGap(domain)
  if (edges.some((e) => Math.abs(e - target) <= gap)) return edges
  const next = [...edges, target]
  next.sort((a, b) => a - b)
  return next
}

/** Remove edge `index`; a channel keeps at least one bin (two edges). */
export function removeEdge(edges: readonly number[], index: number): readonly number[] {
  if (edges.length <= 2 || index < 0 || index >= edges.length) return edges
  return edges.filter((_, i) => i !== index)
}

/** The step a keyboard arrow moves an edge: one grid cell, or 1/200 of the range. */
export function keyboardStep(edges: readonly number[], index: number, direction: 1 | -1, domain: EdgeDomain): number {
  const x = edges[index] as number
  if (domain.grid) {
    const grid = domain.grid
    const at = grid.indexOf(snapToGrid(x, grid))
    const neighbour = grid[at + direction]
    return neighbour === undefined ? x : neighbour
  }
  return x + (direction * (domain.range[1] - domain.range[0])) / 200
}

export function sameEdges(a: Readonly<Record<string, readonly number[]>>, b: Readonly<Record<string, readonly number[]>>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => {
    const x = a[k]
    const y = b[k]
    return x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i])
  })
}
