/**
 * Kernel-density smoothing of MC templates (`model.smoothing: keys | kde`), so that a binning search
 * scored on them cannot place edges on MC fluctuations. The events are first histogrammed on a grid
 * of cells much narrower than any kernel (one tenth of the round step of the range, 1 GeV for a
 * 20–1260 GeV range); each cell's weight is spread over the cells by a Gaussian kernel — one
 * Silverman bandwidth (kde) or RooKeysPdf's adaptive one per cell (keys) — reflected at both ends
 * of the range and normalised, so each cell's weight — and so the total yield — is conserved
 * exactly. A bin's smoothed content is the integral of the smoothed density over it.
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
 * Spreads weights on uniform `cells`, each cell's weight by a Gaussian of standard deviation
 * `bandwidth` (observable units; one for all cells or one per cell) centred on the cell, reflected
 * at the ends and normalised: the output has the same total. A bandwidth far below the cell width
 * returns the weights unchanged. The kernels are built once and reused for every template smoothed.
 */
export class GaussianSmoother {
  private readonly n: number
  private readonly width: number
  private readonly kernels = new Map<number, Float64Array>()
  private readonly foldedKernels = new Map<Float64Array, Float64Array>()

  constructor(
    readonly cells: readonly number[],
    private readonly bandwidth: number | readonly number[],
  ) {
    const n = cells.length - 1
    if (typeof bandwidth !== 'number' && bandwidth.length !== n) throw new RangeError(`${n} cells need ${n} bandwidths, got ${bandwidth.length}`)
    for (const h of typeof bandwidth === 'number' ? [bandwidth] : bandwidth) {
      if (!(h > 0) || !Number.isFinite(h)) throw new RangeError(`the bandwidth must be a positive number, got ${h}`)
    }
    this.n = n
    this.width = (cells[n] - cells[0]) / n
  }

  /** Kernel mass per cell offset d (cell centre to cell centre), out to 6 standard deviations, normalised. */
  private kernel(bandwidth: number): Float64Array {
    let kernel = this.kernels.get(bandwidth)
    if (kernel !== undefined) return kernel
    const h = bandwidth / this.width
    // A kernel wider than 32 reflection periods is flat across the range long before 6σ.
    const reach = Math.min(Math.ceil(6 * h) + 1, 64 * this.n)
    kernel = new Float64Array(2 * reach + 1)
    let below = normalCdf((-reach - 0.5) / h)
    let total = 0
    for (let d = -reach; d <= reach; d++) {
      const next = normalCdf((d + 0.5) / h)
      kernel[d + reach] = next - below
      total += next - below
      below = next
    }
    for (let j = 0; j < kernel.length; j++) kernel[j] /= total
    this.kernels.set(bandwidth, kernel)
    return kernel
  }

  /**
   * A kernel longer than 2n cells as its sum over the reflection period 2n: entry r holds the mass
   * of every offset d ≡ r − reach (mod 2n), so that a cell spreads over 2n offsets, not 2·reach + 1.
   */
  private folded(kernel: Float64Array): Float64Array {
    let folded = this.foldedKernels.get(kernel)
    if (folded !== undefined) return folded
    const period = 2 * this.n
    folded = new Float64Array(period)
    for (let j = 0; j < kernel.length; j++) folded[j % period] += kernel[j]
    this.foldedKernels.set(kernel, folded)
    return folded
  }

  smooth(sumw: readonly number[]): number[] {
    const n = this.n
    if (sumw.length !== n) throw new RangeError(`${n + 1} cell edges need ${n} cell contents, got ${sumw.length}`)
    const out = new Array<number>(n).fill(0)
    for (let i = 0; i < n; i++) {
      const w = sumw[i]
      if (w === 0) continue
      const kernel = this.kernel(typeof this.bandwidth === 'number' ? this.bandwidth : this.bandwidth[i])
      const reach = (kernel.length - 1) / 2
      if (kernel.length > 2 * n) {
        // Offset d = j − reach lands on reflect(i + d); folded[r] gathers every j ≡ r (mod 2n).
        const folded = this.folded(kernel)
        for (let r = 0; r < 2 * n; r++) out[reflect(i + r - reach, n)] += w * folded[r]
        continue
      }
      // Offsets that stay inside the cells need no reflection.
      const lo = Math.max(-reach, -i)
      const hi = Math.min(reach, n - 1 - i)
      for (let d = -reach; d < lo; d++) out[reflect(i + d, n)] += w * kernel[d + reach]
      for (let d = lo; d <= hi; d++) out[i + d] += w * kernel[d + reach]
      for (let d = hi + 1; d <= reach; d++) out[reflect(i + d, n)] += w * kernel[d + reach]
    }
    return out
  }
}

/** `sumw` on uniform `cells` smoothed by a GaussianSmoother (one call). */
export function smoothCells(cells: readonly number[], sumw: readonly number[], bandwidth: number | readonly number[]): number[] {
  if (cells.length !== sumw.length + 1) throw new RangeError(`${sumw.length} cell contents need ${sumw.length + 1} edges, got ${cells.length}`)
  return new GaussianSmoother(cells, bandwidth).smooth(sumw)
}

/**
 * Silverman's rule of thumb on weighted events given as a histogram: 0.9 · min(σ, IQR / 1.34) ·
 * n_eff^(−1/5), with the Kish effective count n_eff = (Σw)² / Σw² and σ, IQR from the cell centres.
 */
export function silvermanBandwidth(cells: readonly number[], sumw: readonly number[], sumw2: readonly number[]): number {
  const n = sumw.length
  const { sigma, nEff } = moments(cells, sumw, sumw2)
  if (!Number.isFinite(nEff)) return NaN
  const s = sumw.reduce((a, w) => a + Math.max(0, w), 0)
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
  return 0.9 * spread * nEff ** -0.2
}

/** Weighted mean, standard deviation and Kish effective count of events histogrammed on `cells` (centres). */
function moments(cells: readonly number[], sumw: readonly number[], sumw2: readonly number[]): { mean: number; sigma: number; nEff: number } {
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
  if (!(s > 0) || !(s2 > 0)) return { mean: NaN, sigma: NaN, nEff: NaN }
  mean /= s
  let variance = 0
  for (let i = 0; i < n; i++) variance += Math.max(0, sumw[i]) * (0.5 * (cells[i] + cells[i + 1]) - mean) ** 2
  return { mean, sigma: Math.sqrt(variance / s), nEff: (s * s) / s2 }
}

/** keysBandwidths' grid: consecutive bandwidths differ by 1 %. */
const BANDWIDTH_STEP = 1.01

/** (4/3)^(1/5): the normal-reference bandwidth constant of a Gaussian kernel. */
const NORMAL_REFERENCE = (4 / 3) ** 0.2

/**
 * The adaptive bandwidth per cell of RooKeysPdf (K. Cranmer, "Kernel estimation in high-energy
 * physics", Comput. Phys. Commun. 136 (2001) 198): a pilot estimate f₀ with the fixed bandwidth
 * (4/3)^(1/5)·σ·n^(−1/5), then at x h(x) = ρ·(4/3)^(1/5)·√(σ / f₀(x))·n^(−1/5) — narrow kernels
 * where the events are dense, wide ones in sparse tails. σ is the events' weighted standard
 * deviation and n their Kish effective count (Σw)²/Σw²; f₀ is a probability density. Far from any
 * event (f₀ → 0) the bandwidth stops at the span of the range, where a reflected kernel is flat.
 * Empty: no events.
 */
export function keysBandwidths(cells: readonly number[], sumw: readonly number[], sumw2: readonly number[], rho = 1): number[] {
  const n = sumw.length
  const { sigma, nEff } = moments(cells, sumw, sumw2)
  if (!(sigma > 0)) return []
  const positive = sumw.map((w) => Math.max(0, w))
  const total = positive.reduce((a, w) => a + w, 0)
  const span = cells[n] - cells[0]
  const pilot = smoothCells(cells, positive, NORMAL_REFERENCE * sigma * nEff ** -0.2)
  return pilot.map((yieldInCell) => {
    const density = yieldInCell / ((total * span) / n)
    const h = rho * NORMAL_REFERENCE * Math.sqrt(sigma / density) * nEff ** -0.2
    // On a grid of 1 % steps, so that cells share kernels (a few hundred instead of one per cell).
    return Math.min(span, BANDWIDTH_STEP ** Math.round(Math.log(h) / Math.log(BANDWIDTH_STEP)))
  })
}
