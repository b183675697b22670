import { describe, expect, it } from 'vitest'

import { parseStudyConfig, type ShapesModelConfig } from '../../../main/binning/config'
import { compileExpression } from '../../../main/binning/expression'
import { integrate } from '../../../main/binning/quadrature'
import { CellIntegrals, countEvents, densityYields, ShapesModel } from '../../../main/binning/shapes'

const SIGNAL = '50 * exp(-(x - 0.5)^2 / (2 * 0.08^2))'
const BACKGROUND = '200 * exp(-2 * x)'

function tutorial(integrate: boolean, extra = ''): ShapesModelConfig {
  const config = parseStudyConfig(`
model:
  kind: shapes
  range: [0, 1]
  integrate: ${integrate}
  samples:
    - {name: signal, density: "${SIGNAL}", modifiers: [{name: mu, type: normfactor, data: null}]}
    - name: background
      density: ${BACKGROUND}
      modifiers:
        - {name: bkg_norm, type: normsys, data: {hi: 1.05, lo: 0.95}}
${extra}
binning: {n_bins: {low: 3, high: 40}}
`)
  return config.model as ShapesModelConfig
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b)

describe('yields of analytic densities', () => {
  // Reference values computed by hand (Python math): ∫ 200 e^(−2x) over [0, ½] = 100 (1 − e^(−1)), …
  it('integrates the tutorial densities to 1e-12', () => {
    const background = compileExpression(BACKGROUND)
    const signal = compileExpression(SIGNAL)
    const [b1, b2] = densityYields(background, [0, 0.5, 1], true)
    expect(relative(b1, 63.212055882855765)).toBeLessThan(1e-13)
    expect(relative(b2, 23.254415793482963)).toBeLessThan(1e-13)
    // 50·0.08·√(π/2)·(erf(0.1/(0.08√2)) − erf(−0.1/(0.08√2)))
    expect(relative(densityYields(signal, [0.4, 0.6], true)[0], 7.90791541947036)).toBeLessThan(1e-13)
    // The whole Gaussian: 50·0.08·√(2π) to the precision of its far tails.
    expect(relative(integrate(signal, -1, 2), 50 * 0.08 * Math.sqrt(2 * Math.PI))).toBeLessThan(1e-13)
  })

  it('takes the tutorial literally: density at the bin centre times the width', () => {
    const background = compileExpression(BACKGROUND)
    const signal = compileExpression(SIGNAL)
    // 200·e^(−2·0.25)·0.5 and 200·e^(−2·0.75)·0.5
    const [b1, b2] = densityYields(background, [0, 0.5, 1], false)
    expect(relative(b1, 60.653065971263345)).toBeLessThan(1e-15)
    expect(relative(b2, 22.313016014842983)).toBeLessThan(1e-15)
    expect(densityYields(signal, [0.4, 0.6], false)[0]).toBeCloseTo(10, 12)
    expect(relative(densityYields(signal, [0.2, 0.4], false)[0], 0.43936933623407404)).toBeLessThan(1e-14)
  })

  it('integrates exactly what the rule integrates exactly, and handles cancelling integrands', () => {
    expect(integrate((x) => x ** 7 - 3 * x, 0, 2)).toBeCloseTo(2 ** 8 / 8 - 6, 12)
    expect(Math.abs(integrate((x) => x, -1, 1))).toBeLessThan(1e-15)
    expect(integrate(() => 0, 0, 1)).toBe(0)
    // A kink: ∫|x − 0.3| over [0, 1] = (0.09 + 0.49)/2.
    expect(integrate((x) => Math.abs(x - 0.3), 0, 1)).toBeCloseTo(0.29, 12)
    // Across the kink of max(x, 0.61) the 20-point rule and its halves agree by coincidence once;
    // the integral must not stop there: 0.61·(0.61 − 0.4933) + (0.7699² − 0.61²)/2.
    const exact = 0.61 * (0.61 - 0.4933) + (0.7699 ** 2 - 0.61 ** 2) / 2
    expect(Math.abs(integrate((x) => Math.max(x, 0.61), 0.4933, 0.7699) - exact)).toBeLessThanOrEqual(1e-13 * exact)
  })

  it('integrates bins from cached cell integrals as accurately as adaptively, tails and kinks included', () => {
    const signal = compileExpression(SIGNAL)
    const background = compileExpression(BACKGROUND)
    const kinked = compileExpression('abs(x - 0.3) + max(x, 0.61)')
    let seed = 1
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    // The reference splits at the kinks: an adaptive integral across a kink near an end of the
    // interval sees it late, while the cells isolate the kink.
    const reference = (density: (x: number) => number, a: number, b: number): number => {
      const cuts = [a, ...[0.3, 0.61].filter((k) => k > a && k < b), b]
      let sum = 0
      for (let i = 0; i + 1 < cuts.length; i++) sum += integrate(density, cuts[i], cuts[i + 1])
      return sum
    }
    for (const density of [signal, background, kinked]) {
      const cells = new CellIntegrals(density, 0, 1)
      const bins: [number, number][] = [[0, 1], [0, 1e-9], [0.999, 1], [0.3 - 1e-7, 0.3 + 1e-7], [0.61, 0.62], [0.25, 0.25]]
      for (let i = 0; i < 200; i++) {
        const a = random()
        bins.push([a, a + (1 - a) * random() ** 3])
      }
      for (const [a, b] of bins) {
        const exact = reference(density, a, b)
        expect(Math.abs(cells.between(a, b) - exact)).toBeLessThanOrEqual(1e-13 * Math.abs(exact))
      }
      // Outside the grid's range: adaptive integration.
      expect(cells.between(-0.5, 0.5)).toBe(integrate(density, -0.5, 0.5))
    }
    // Signal bins in the far tail keep their relative accuracy (no differences of running totals).
    const tail = new CellIntegrals(signal, 0, 1).between(0.98, 0.99)
    expect(relative(tail, integrate(signal, 0.98, 0.99))).toBeLessThan(1e-13)
    expect(tail).toBeGreaterThan(0)
  })

  it('counts events per bin, the last bin closed', () => {
    expect(countEvents([0, 0.1, 0.5, 0.99, 1, 1.2, -0.1], [0, 0.5, 1])).toEqual([2, 3])
  })
})

describe('the shapes model', () => {
  it('builds the tutorial workspace with observed data = signal + background', () => {
    const model = new ShapesModel(tutorial(true))
    const edges = [0, 0.25, 0.5, 0.75, 1]
    const ws = model.workspace({ SR: edges })
    const [signal, background] = ws.channels[0].samples
    expect(ws.channels[0].name).toBe('SR')
    expect(signal.modifiers).toEqual([{ name: 'mu', type: 'normfactor', data: null }])
    expect(background.modifiers).toEqual([{ name: 'bkg_norm', type: 'normsys', data: { hi: 1.05, lo: 0.95 } }])
    expect(ws.observations![0].data).toEqual(signal.data.map((s, i) => s + background.data[i]))
    expect(relative(background.data.reduce((a, b) => a + b, 0), 100 * (1 - Math.exp(-2)))).toBeLessThan(1e-13)
    expect(ws.measurements).toEqual([{ name: 'measurement', config: { poi: 'mu', parameters: [] } }])
  })

  it('splits signal (the POI normfactor) from background for constraints and baselines', () => {
    const model = new ShapesModel(tutorial(false))
    const [bin] = model.binYields({ SR: [0, 0.5] }).SR
    expect(bin.background).toBeCloseTo(200 * Math.exp(-0.5) * 0.5, 12)
    expect(bin.signal).toBeCloseTo(50 * Math.exp(-(0.25 ** 2) / (2 * 0.08 ** 2)) * 0.5, 12)
    const fine = model.fineHistograms('SR', [0, 0.5, 1])
    expect(fine.background.sumw2).toEqual([0, 0])
    expect(() => model.fineHistograms('CR', [0, 1])).toThrow(/no channel/)
  })

  it('fills histosys templates from densities and counts given events as data', () => {
    const config = tutorial(true, '  data: {events: [0.1, 0.2, 0.6]}')
    config.channels[0].samples[1].modifiers.push({ name: 'slope', type: 'histosys', data: { hi_density: '220 * exp(-2 * x)', lo_density: '180*exp(-2*x)' } })
    const ws = new ShapesModel(config).workspace({ SR: [0, 0.5, 1] })
    const histosys = ws.channels[0].samples[1].modifiers[1]
    expect(histosys.type).toBe('histosys')
    const data = histosys.data as { hi_data: number[]; lo_data: number[] }
    expect(relative(data.hi_data[0], 1.1 * 63.212055882855765)).toBeLessThan(1e-13)
    expect(relative(data.lo_data[1], 0.9 * 23.254415793482963)).toBeLessThan(1e-13)
    expect(ws.observations![0].data).toEqual([2, 1])
  })
})

describe('the shapes model with a control region', () => {
  const text = `
model:
  kind: shapes
  channels:
    - name: SR
      range: [0, 1]
      samples:
        - {name: signal, density: "${SIGNAL}", modifiers: [{name: mu, type: normfactor}]}
        - {name: background, density: ${BACKGROUND}, modifiers: [{name: bkg_norm, type: normsys, data: {hi: 1.05, lo: 0.95}}]}
    - name: CR
      observable: m
      range: [1, 3]
      samples:
        - {name: background, density: 500 * exp(-m), modifiers: [{name: bkg_norm, type: normsys, data: {hi: 1.05, lo: 0.95}}]}
binning:
  n_bins: {low: 3, high: 10}
  channels:
    CR: {n_bins: {low: 1, high: 2}}
`

  it('builds one pyhf channel per config channel, with the channel observable', () => {
    const config = parseStudyConfig(text).model as ShapesModelConfig
    const ws = new ShapesModel(config).workspace({ SR: [0, 0.5, 1], CR: [1, 3] })
    expect(ws.channels.map((c) => c.name)).toEqual(['SR', 'CR'])
    expect(ws.observations!.map((o) => o.name)).toEqual(['SR', 'CR'])
    expect(relative(ws.channels[1].samples[0].data[0], 500 * (Math.exp(-1) - Math.exp(-3)))).toBeLessThan(1e-13)
    expect(ws.observations![1].data).toEqual(ws.channels[1].samples[0].data)
  })

  it('the control region constrains the background normalisation: Z0 rises', async () => {
    const { createBinningObjective } = await import('../../../main/binning/objective')
    const both = await createBinningObjective(parseStudyConfig(text))
    // lo and hi are not searched: each channel's bins span its whole range.
    expect(both.space.map((p) => p.name)).toEqual(['SR.n_bins', 'CR.n_bins'])
    const trial = await both.evaluate({ 'SR.n_bins': 4, 'CR.n_bins': 1 })
    expect(trial.edges).toEqual({ SR: [0, 0.25, 0.5, 0.75, 1], CR: [1, 3] })
    const alone = await createBinningObjective(parseStudyConfig(text.replace(/    - name: CR[\s\S]*?binning:/, 'binning:').replace(/  channels:\n    CR: .*\n/, '')))
    const srOnly = await alone.evaluateEdges({ SR: trial.edges.SR })
    expect(trial.values[0]).toBeGreaterThan(srOnly.values[0] * 1.01)
  })
})
