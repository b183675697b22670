import { describe, expect, it } from 'vitest'

import { HistuneError } from '../../../main/errors'
import { type PyhfWorkspace, rebinWorkspace } from '../../../main/binning/rebin-workspace'

function workspace(): PyhfWorkspace {
  return {
    channels: [
      {
        name: 'SR',
        samples: [
          {
            name: 'signal',
            data: [1, 2, 3, 4],
            modifiers: [
              { name: 'mu', type: 'normfactor', data: null },
              { name: 'lumi', type: 'lumi', data: null },
              { name: 'staterror_SR', type: 'staterror', data: [0.3, 0.4, 1, 2] },
            ],
          },
          {
            name: 'background',
            data: [10, 20, 30, 40],
            modifiers: [
              { name: 'bkg_norm', type: 'normsys', data: { hi: 1.1, lo: 0.9 } },
              { name: 'bkg_shape', type: 'histosys', data: { hi_data: [11, 21, 33, 44], lo_data: [9, 19, 27, 36] } },
              { name: 'bkg_unc', type: 'shapesys', data: [3, 4, 5, 12] },
              { name: 'free_shape', type: 'shapefactor', data: null },
            ],
          },
        ],
      },
      { name: 'CR', samples: [{ name: 'background', data: [100, 200], modifiers: [] }] },
    ],
    observations: [
      { name: 'SR', data: [12, 21, 35, 41] },
      { name: 'CR', data: [99, 201] },
    ],
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [] } }],
    version: '1.0.0',
  }
}

describe('rebinWorkspace', () => {
  it('sums yields, data and histosys templates and adds uncertainties in quadrature', () => {
    const out = rebinWorkspace(workspace(), { SR: [0, 1, 4] })
    const [signal, background] = out.channels[0].samples
    expect(signal.data).toEqual([1, 9])
    expect(signal.modifiers[2].data).toEqual([0.3, Math.sqrt(0.16 + 1 + 4)])
    expect(background.data).toEqual([10, 90])
    expect(background.modifiers[0].data).toEqual({ hi: 1.1, lo: 0.9 })
    expect(background.modifiers[1].data).toEqual({ hi_data: [11, 98], lo_data: [9, 82] })
    // 4² + 5² + 12² = 185
    expect(background.modifiers[2].data).toEqual([3, Math.sqrt(185)])
    expect(background.modifiers[3]).toEqual({ name: 'free_shape', type: 'shapefactor', data: null })
    expect(out.observations![0].data).toEqual([12, 97])
  })

  it('leaves other channels, measurements and the input untouched', () => {
    const input = workspace()
    const before = JSON.stringify(input)
    const out = rebinWorkspace(input, { SR: [0, 2, 4] })
    expect(JSON.stringify(input)).toBe(before)
    expect(out.channels[1]).toEqual(input.channels[1])
    expect(out.observations![1]).toEqual(input.observations![1])
    expect(out.measurements).toEqual(input.measurements)
    expect(out.version).toBe('1.0.0')
    expect(out.channels[0].samples[0].data).toEqual([3, 7])
  })

  it('merging everything gives the totals; the identity merge changes nothing', () => {
    const total = rebinWorkspace(workspace(), { SR: [0, 4], CR: [0, 2] })
    expect(total.channels[0].samples[1].data).toEqual([100])
    expect(total.channels[1].samples[0].data).toEqual([300])
    expect(total.observations![1].data).toEqual([300])
    expect(rebinWorkspace(workspace(), { SR: [0, 1, 2, 3, 4] })).toEqual(workspace())
  })

  it('names the channel or the JSON path of what it cannot rebin', () => {
    expect(() => rebinWorkspace(workspace(), { VR: [0, 1] })).toThrow(/no channel "VR"/)
    expect(() => rebinWorkspace(workspace(), { SR: [0, 2, 5] })).toThrow(/has 4 bins/)
    const bad = workspace()
    bad.channels[0].samples[1].modifiers[2].data = [1, 2]
    try {
      rebinWorkspace(bad, { SR: [0, 2, 4] })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(HistuneError)
      expect((error as HistuneError).path).toBe('/channels/0/samples/1/modifiers/2/data')
    }
    const unknown = workspace()
    unknown.channels[0].samples[0].modifiers.push({ name: 'x', type: 'mystery', data: [1, 2, 3, 4] })
    expect(() => rebinWorkspace(unknown, { SR: [0, 2, 4] })).toThrow(/mystery/)
  })
})
