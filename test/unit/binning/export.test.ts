import { describe, expect, it } from 'vitest'
import { binningExports, cabinetryBinning, trexfitterBinning } from '../../../main/binning/export'

describe('binning export', () => {
  it('writes TRExFitter and cabinetry syntax without float noise', () => {
    const edges = [200, 300.00000000000006, 400, 0.1 + 0.2, 600]
    expect(trexfitterBinning(edges)).toBe('Binning: 200,300,400,0.3,600')
    expect(cabinetryBinning(edges)).toBe('Binning: [200, 300, 400, 0.3, 600]')
  })

  it('covers every channel', () => {
    expect(binningExports({ SR: [0, 0.5, 1], CR: [1, 2] })).toEqual({
      trexfitter: { SR: 'Binning: 0,0.5,1', CR: 'Binning: 1,2' },
      cabinetry: { SR: 'Binning: [0, 0.5, 1]', CR: 'Binning: [1, 2]' },
    })
  })
})
