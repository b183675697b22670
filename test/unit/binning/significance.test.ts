import { describe, expect, it } from 'vitest'

import { asimovZ, asimovZWithUncertainty, combinedZ } from '../../../main/binning/significance'

describe('Asimov significance', () => {
  it('matches the reference values of Cowan et al.', () => {
    expect(asimovZ(5, 10)).toBeCloseTo(1.471, 3)
    expect(asimovZ(10, 1)).toBeCloseTo(5.7231, 4)
    expect(asimovZ(1, 100)).toBeCloseTo(0.09983, 5)
    expect(asimovZ(50, 100)).toBeCloseTo(4.6518, 4)
  })

  it('tends to s/sqrt(b) for s << b', () => {
    expect(asimovZ(1e-3, 1e4) / (1e-3 / 100)).toBeCloseTo(1, 6)
  })

  it('with background uncertainty matches the reference values and the σ_b → 0 limit', () => {
    expect(asimovZWithUncertainty(50, 100, 7)).toBeCloseTo(3.7195, 4)
    expect(asimovZWithUncertainty(5, 10, 2)).toBeCloseTo(1.2171, 4)
    expect(asimovZWithUncertainty(5, 10, 0.001)).toBeCloseTo(1.471, 3)
    expect(asimovZWithUncertainty(5, 10, 0)).toBe(asimovZ(5, 10))
    // s << b: about s / sqrt(b + σ²)
    expect(asimovZWithUncertainty(0.1, 1e4, 50) / (0.1 / Math.sqrt(1e4 + 2500))).toBeCloseTo(1, 4)
  })

  it('is zero without signal and unbounded without background', () => {
    expect(asimovZ(0, 10)).toBe(0)
    expect(asimovZ(-1, 10)).toBe(0)
    expect(asimovZ(1, 0)).toBe(Infinity)
    expect(asimovZWithUncertainty(0, 10, 1)).toBe(0)
  })

  it('combines bins in quadrature', () => {
    expect(combinedZ([3, 4])).toBe(5)
  })
})
