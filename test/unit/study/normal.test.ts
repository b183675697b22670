import { describe, expect, it } from 'vitest'
import { erfc, logNdtr, ndtri, ndtriExp, truncnormPpf } from '../../../main/study/samplers/tpe/normal.js'

// Reference values from scipy.special / scipy.stats.truncnorm.
describe('normal distribution helpers', () => {
  it.each([
    [-40, -804.6084420137539],
    [-10, -53.23128515051248],
    [-3, -6.60772622151035],
    [-3.2, -7.282975502903633],
    [-5.5, -17.779376352625263],
    [-9, -43.62814911333212],
    [-12, -75.41067300156881],
    [-0.5, -1.1759117615936188],
    [0, -0.6931471805599453],
    [1.3, -0.10181180266765506],
    [7, -1.2798125438866539e-12],
  ])('logNdtr(%d)', (x, expected) => {
    expect(logNdtr(x)).toBeCloseTo(expected, 10)
    expect(Math.abs(logNdtr(x) / expected - 1)).toBeLessThan(1e-9)
  })

  it.each([
    [1e-300, -37.0470962993612],
    [1e-10, -6.361340902404056],
    [0.01, -2.3263478740408408],
    [0.3, -0.5244005127080409],
    [0.9, 1.2815515655446004],
    [0.999999, 4.753424308817087],
  ])('ndtri(%d)', (p, expected) => {
    expect(ndtri(p)).toBeCloseTo(expected, 9)
    expect(ndtriExp(Math.log(p))).toBeCloseTo(expected, 9)
  })

  it.each([
    [0.3, -1, 2, -0.2424038178892269],
    [0.9, 3, 8, 3.642522275830556],
    [0.01, -20, -15, -15.302638042747521],
    [0.5, -Infinity, Infinity, 0],
    [0.7, 10, 12, 10.118538515603849],
  ])('truncnormPpf(%d, %d, %d)', (q, a, b, expected) => {
    expect(truncnormPpf(q, a, b)).toBeCloseTo(expected, 8)
  })

  it.each([
    [0.1, 0.8875370839817152],
    [2.5, 0.00040695201744495886],
    [6, 2.1519736712498913e-17],
    [2.1, 0.0029794666563329845],
    [3.0, 2.2090496998585445e-5],
    [4.5, 1.9661604415428878e-10],
    [7.0, 4.183825607779414e-23],
    [10.0, 2.0884875837625446e-45],
  ])('erfc(%d)', (x, expected) => {
    expect(Math.abs(erfc(x) / expected - 1)).toBeLessThan(1e-12)
  })

  it('takes erfc in 2 ≤ x < 8 from its Chebyshev series as accurately as from the converged continued fraction', () => {
    for (let i = 0; i <= 600; i++) {
      const x = 2 + (6 * i) / 600 + 1e-3 * Math.sin(i)
      let t = x
      for (let n = 2000; n >= 1; n--) t = x + n / 2 / t
      const reference = Math.exp(-x * x) / (Math.sqrt(Math.PI) * t)
      expect(Math.abs(erfc(x) / reference - 1)).toBeLessThan(1e-14)
    }
  })
})
