// Mann–Whitney U test, as scipy.stats.mannwhitneyu(x, y, alternative='less', method='asymptotic')
// computes it: U of x, mid-ranks for ties, the tie-corrected normal approximation with continuity
// correction. 'less' asks whether x tends to be smaller than y (better, when minimising).

/** Mid-ranks (1-based) of the values of `all`. */
function midRanks(all) {
  const order = all.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0])
  const ranks = new Array(all.length)
  const tieSizes = []
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++
    for (let k = i; k <= j; k++) ranks[order[k][1]] = (i + j) / 2 + 1
    tieSizes.push(j - i + 1)
    i = j + 1
  }
  return { ranks, tieSizes }
}

/** Standard normal survival function, for the p-value. */
function normalSf(z) {
  // erfc by its continued fraction / series is overkill here: Φ to ~1e-7 is plenty for a p-value.
  const t = 1 / (1 + 0.2316419 * Math.abs(z))
  const d = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI)
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
  return z >= 0 ? p : 1 - p
}

/** One-sided p-values that x is stochastically smaller ('less') and larger ('greater') than y. */
export function mannWhitney(x, y) {
  const n1 = x.length
  const n2 = y.length
  const { ranks, tieSizes } = midRanks([...x, ...y])
  const r1 = ranks.slice(0, n1).reduce((a, b) => a + b, 0)
  const u1 = r1 - (n1 * (n1 + 1)) / 2
  const mu = (n1 * n2) / 2
  const n = n1 + n2
  const tieTerm = tieSizes.reduce((a, t) => a + (t ** 3 - t), 0)
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))))
  const meanRank = (rs) => rs.reduce((a, b) => a + b, 0) / rs.length
  if (sigma === 0) return { u: u1, p_less: 1, p_greater: 1, mean_rank_x: meanRank(ranks.slice(0, n1)), mean_rank_y: meanRank(ranks.slice(n1)) }
  // 'less': small U of x; continuity correction +0.5 towards the mean.
  const pLess = 1 - normalSf((u1 + 0.5 - mu) / sigma)
  const pGreater = normalSf((u1 - 0.5 - mu) / sigma)
  return { u: u1, p_less: Math.min(1, pLess), p_greater: Math.min(1, pGreater), mean_rank_x: meanRank(ranks.slice(0, n1)), mean_rank_y: meanRank(ranks.slice(n1)) }
}
