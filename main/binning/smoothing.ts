/**
 * Kernel-density smoothing of MC templates (`model.smoothing: kde`), so that a binning search scored
 * on them cannot place edges on MC fluctuations. The events are first histogrammed on a grid of
 * cells much narrower than any kernel (one tenth of the round step of the range, 1 GeV for a
 * 20–1260 GeV range); each cell's weight is spread over the cells by a Gaussian kernel, reflected
 * at both ends of the range and normalised, so each cell's weight — and so the total yield — is
 * conserved exactly. A bin's smoothed content is the integral of the smoothed density over it.
 */

/** The smoothed yield of one template, integrable over any bins inside its range. */
export class SmoothedTemplate {
  /** cumulative[i]: the smoothed yield below cell edge i. */
  private readonly cumulative: Float64Array

  constructor(
    /** Uniform cell edges. */
    readonly cells: readonly number[],
    /** Smoothed yield per cell. */
    readonly sumw: readonly number[],
    /** The kernel's standard deviation in observable units. */
    readonly bandwidth: number,
  ) {
    this.cumulative = new Float64Array(sumw.length + 1)
    for (let i = 0; i < sumw.length; i++) this.cumulative[i + 1] = this.cumulative[i] + sumw[i]
  }

  /** Yield below x (linear within a cell: the density is taken flat across it). */
  private below(x: number): number {
    const cells = this.cells
    const n = cells.length - 1
    if (x <= cells[0]) return 0
    if (x >= cells[n]) return this.cumulative[n]
    const u = ((x - cells[0]) / (cells[n] - cells[0])) * n
    const i = Math.min(n - 1, Math.floor(u))
    return this.cumulative[i] + (u - i) * this.sumw[i]
  }

  /** Smoothed yield per bin of `edges` (zero outside the range). */
  histogram(edges: readonly number[]): number[] {
    const out = new Array<number>(edges.length - 1)
    let previous = this.below(edges[0])
    for (let k = 1; k < edges.length; k++) {
      const next = this.below(edges[k])
      out[k - 1] = next - previous
      previous = next
    }
    return out
  }
}

/**
 * Uniform cells over `range` for the smoothing: one tenth of the power of ten nearest 1 % of the
 * span (so round fine edges fall on cell edges), at least 100 cells.
 */
export function smoothingCells(range: readonly [number, number]): number[] {
  const [lo, hi] = range
  const span = hi - lo
  const width = 10 ** (Math.round(Math.log10(span / 100)) - 1)
  const n = Math.max(100, Math.round(span / width))
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + (span * i) / n))
}

const SQRT1_2 = Math.SQRT1_2

/** The standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) * SQRT1_2
  const t = 1 / (1 + 0.5 * x)
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc
}

/** The cell index a virtual cell index maps to by reflection at both ends of n cells. */
function reflect(j: number, n: number): number {
  const period = 2 * n
  const m = ((j % period) + period) % period
  return m < n ? m : period - 1 - m
}

/**
 * `sumw` on uniform `cells`, each cell's weight spread by a Gaussian of standard deviation
 * `bandwidth` (observable units) centred on the cell, reflected at the ends and normalised: the
 * output has the same total. A bandwidth far below the cell width returns `sumw` unchanged.
 */
export function smoothCells(cells: readonly number[], sumw: readonly number[], bandwidth: number): number[] {
  const n = sumw.length
  if (cells.length !== n + 1) throw new RangeError(`${n} cell contents need ${n + 1} edges, got ${cells.length}`)
  if (!(bandwidth > 0) || !Number.isFinite(bandwidth)) throw new RangeError(`the bandwidth must be a positive number, got ${bandwidth}`)
  const width = (cells[n] - cells[0]) / n
  const h = bandwidth / width
  // Kernel mass per cell offset d (cell centre to cell centre), out to 6 standard deviations.
  const reach = Math.min(Math.ceil(6 * h) + 1, 4 * n)
  const kernel = new Float64Array(2 * reach + 1)
  let total = 0
  for (let d = -reach; d <= reach; d++) {
    const mass = normalCdf((d + 0.5) / h) - normalCdf((d - 0.5) / h)
    kernel[d + reach] = mass
    total += mass
  }
  const out = new Array<number>(n).fill(0)
  for (let i = 0; i < n; i++) {
    const w = sumw[i]
    if (w === 0) continue
    for (let d = -reach; d <= reach; d++) {
      const mass = kernel[d + reach]
      if (mass === 0) continue
      out[reflect(i + d, n)] += (w * mass) / total
    }
  }
  return out
}

/**
 * Silverman's rule of thumb on weighted events given as a histogram: 0.9 · min(σ, IQR / 1.34) ·
 * n_eff^(−1/5), with the Kish effective count n_eff = (Σw)² / Σw² and σ, IQR from the cell centres.
 */
export function silvermanBandwidth(cells: readonly number[], sumw: readonly number[], sumw2: readonly number[]): number {
  const n = sumw.length
  let s = 0
  let s2 = 0
  let mean = 0
  for (let i = 0; i < n; i++) {
    const w = Math.max(0, sumw[i])
    s += w
    s2 += sumw2[i]
    mean += w * 0.5 * (cells[i] + cells[i + 1])
  }
  if (!(s > 0) || !(s2 > 0)) return NaN
  mean /= s
  let variance = 0
  for (let i = 0; i < n; i++) variance += Math.max(0, sumw[i]) * (0.5 * (cells[i] + cells[i + 1]) - mean) ** 2
  const sigma = Math.sqrt(variance / s)
  const quantile = (q: number): number => {
    let below = 0
    for (let i = 0; i < n; i++) {
      const w = Math.max(0, sumw[i])
      if (below + w >= q * s) return cells[i] + ((q * s - below) / (w || 1)) * (cells[i + 1] - cells[i])
      below += w
    }
    return cells[n]
  }
  const iqr = quantile(0.75) - quantile(0.25)
  const spread = iqr > 0 ? Math.min(sigma, iqr / 1.34) : sigma
  return 0.9 * spread * ((s * s) / s2) ** -0.2
}
