import { describe, expect, it } from 'vitest'

import { anchorBinnings } from '../../../main/binning/anchors'
import { tutorialFineHistograms } from './fixture'

describe('anchor binnings on the tutorial ntuples', () => {
  const { signal, background } = tutorialFineHistograms()
  const constraints = { minBackground: 1, maxRelativeMcError: 0.2 }
  const anchors = anchorBinnings(signal, background, 4, { constraints })
  const byMethod = Object.fromEntries(anchors.map((a) => [a.method, a]))

  it('lists every method with the reference study’s figures', () => {
    expect(anchors.map((a) => a.label)).toEqual([
      'equal width 4',
      'flat signal 4',
      'flat background 4',
      'TransfoD(2,2)',
      'TransfoF(2,2)',
      'optimal 4',
    ])
    expect(byMethod['TransfoD'].edges).toEqual([0, 350, 470, 550, 1400])
    expect(byMethod['TransfoD'].z).toBeCloseTo(3.625, 3)
    expect(byMethod['optimal'].z).toBeCloseTo(3.894, 3)
    // Equal width leaves 0.74 background events in its top bin, with a 50% MC error.
    expect(byMethod['equal-width'].bins[3].background).toBeCloseTo(0.74, 2)
    expect(byMethod['equal-width'].valid).toBe(false)
    expect(byMethod['equal-width'].bins[3].violations).toEqual(['minBackground', 'maxRelativeMcError'])
  })

  it('the optimum is valid and beats every other valid anchor with as many bins', () => {
    expect(byMethod['optimal'].valid).toBe(true)
    const rivals = anchors.filter((a) => a.valid && a.method !== 'optimal' && a.bins.length === 4)
    expect(rivals.map((a) => a.method)).toEqual(['flat-signal', 'flat-background', 'TransfoD'])
    for (const a of rivals) expect(byMethod['optimal'].z).toBeGreaterThan(a.z)
    // TransfoF sets its own bin count (here through its 10% MC-error requirement).
    expect(byMethod['TransfoF'].bins.length).toBeGreaterThan(4)
  })
})
