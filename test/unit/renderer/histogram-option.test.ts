import { describe, expect, it } from 'vitest'
import {
  CHART_COLORS,
  OBSERVED_SERIES_NAME,
  histogramOption,
  poissonIntervals,
} from '../../../renderer/src/charts/histogramOption'
import { SAMPLE_PALETTE, sampleColors } from '../../../renderer/src/charts/palette'
import { twoChannelSummary } from './fixtures'

type Series = { type: string; name: string; stack?: string; data: number[]; itemStyle: { color: string } }

function seriesOf(option: ReturnType<typeof histogramOption>): Series[] {
  return option.series as Series[]
}

describe('histogram option', () => {
  const summary = twoChannelSummary()
  const colors = sampleColors(summary)
  const [sr, cr] = summary.channels

  it('stacks one bar series per sample and draws the observed data as markers', () => {
    const series = seriesOf(histogramOption(sr!, colors, 'light'))
    expect(series.map((s) => [s.type, s.name, s.stack])).toEqual([
      ['bar', 'signal', 'expected'],
      ['bar', 'ttbar', 'expected'],
      ['custom', OBSERVED_SERIES_NAME, undefined],
      ['scatter', OBSERVED_SERIES_NAME, undefined],
    ])
    expect(series[0]?.data).toEqual([5, 10, 3.2])
    expect(series[3]?.data).toEqual([53, 52, 24])
    expect(series[3]?.itemStyle.color).toBe('#000000')
    expect((histogramOption(sr!, colors, 'light').xAxis as { data: string[] }).data).toEqual(['0', '1', '2'])
  })

  it('gives a sample the same colour in every channel', () => {
    expect(colors.get('signal')).toBe(SAMPLE_PALETTE[0])
    expect(colors.get('ttbar')).toBe(SAMPLE_PALETTE[1])
    const ttbarSR = seriesOf(histogramOption(sr!, colors, 'light'))[1]
    const ttbarCR = seriesOf(histogramOption(cr!, colors, 'dark'))[0]
    expect(ttbarCR?.itemStyle.color).toBe(ttbarSR?.itemStyle.color)
  })

  it('keeps observed markers visible on the dark background', () => {
    const observed = seriesOf(histogramOption(cr!, colors, 'dark'))[2]
    expect(observed?.itemStyle.color).toBe(CHART_COLORS.dark.observed)
    expect(CHART_COLORS.dark.observed).not.toBe(CHART_COLORS.dark.tooltipBackground)
  })

  it('draws √n error bars on the observed counts', () => {
    expect(poissonIntervals([16, 0], 3)).toEqual([
      [0, 12, 20],
      [1, 0, 0],
      [2, 0, 0],
    ])
    const errorBars = seriesOf(histogramOption(sr!, colors, 'light'))[2]
    expect(errorBars?.data).toEqual(poissonIntervals(sr!.observed, sr!.nBins))
    expect(errorBars?.itemStyle.color).toBe('#000000')
  })

  it('escapes sample names in the tooltip HTML', () => {
    const channel = { ...sr!, name: '<img src=x onerror=alert(1)>' }
    const option = histogramOption(channel, colors, 'light')
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    const html = formatter([
      { seriesType: 'bar', seriesName: 'signal', value: 5, color: '#3f90da', dataIndex: 0 },
      { seriesType: 'custom', seriesName: OBSERVED_SERIES_NAME, value: [0, 45.7, 60.3], dataIndex: 0 },
    ])
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;img')
    expect(html).toContain('Total expected')
    expect(html).toContain('55.3')
    expect(html).not.toContain(OBSERVED_SERIES_NAME)
  })
})
