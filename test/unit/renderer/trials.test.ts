import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../preload/api'
import { paretoFront } from '../../../renderer/src/charts/studyOptions'
import {
  EMPTY_TRIAL_LOG,
  appendTrials,
  bestSoFar,
  bestTrial,
  isBetter,
  totalBins,
  trialsCsv,
} from '../../../renderer/src/store/trials'
import { sortTrials } from '../../../renderer/src/views/binning/TrialsTable'
import { trialRecord } from './fixtures'

describe('trial log', () => {
  it('appends a batch in one step and replaces a re-reported trial in place', () => {
    const first = appendTrials(EMPTY_TRIAL_LOG, [trialRecord(0, 1.2), trialRecord(1, null, { state: 'RUNNING' })])
    const second = appendTrials(first, [trialRecord(1, 1.5), trialRecord(2, 1.1)])
    expect(second.list.map((t) => [t.number, t.state])).toEqual([
      [0, 'COMPLETE'],
      [1, 'COMPLETE'],
      [2, 'COMPLETE'],
    ])
    expect(first.list).toHaveLength(2)
    expect(appendTrials(second, [])).toBe(second)
  })

  it('keeps the best complete feasible trial for the direction', () => {
    const batch = [
      trialRecord(0, 1.2),
      trialRecord(1, 2.5, { feasible: false }),
      trialRecord(2, 1.9),
      trialRecord(3, 0.4),
      trialRecord(4, null),
    ]
    expect(bestTrial(null, batch, 'maximize')?.number).toBe(2)
    expect(bestTrial(null, batch, 'minimize')?.number).toBe(3)
    expect(bestTrial(trialRecord(9, 3), batch, 'maximize')?.number).toBe(9)
  })

  it('draws the best so far by trial number even when trials finish out of order', () => {
    const trials = [trialRecord(3, 1.7), trialRecord(0, 1.2), trialRecord(2, 1.1), trialRecord(1, 1.5), trialRecord(4, 2, { feasible: false })]
    expect(bestSoFar(trials, 'maximize')).toEqual([
      [0, 1.2],
      [1, 1.5],
      [3, 1.7],
    ])
    expect(bestSoFar(trials, 'minimize')).toEqual([
      [0, 1.2],
      [2, 1.1],
    ])
  })

  it('sorts by value with the better value first and missing values last', () => {
    const trials = [trialRecord(0, 1.2), trialRecord(1, null), trialRecord(2, 1.9), trialRecord(3, 1.5)]
    expect(sortTrials(trials, 'value', false, 'maximize').map((t) => t.number)).toEqual([2, 3, 0, 1])
    expect(sortTrials(trials, 'value', true, 'maximize').map((t) => t.number)).toEqual([0, 3, 2, 1])
    expect(sortTrials(trials, 'value', false, 'minimize').map((t) => t.number)).toEqual([0, 3, 2, 1])
    expect(sortTrials(trials, 'number', true, 'maximize').map((t) => t.number)).toEqual([3, 2, 1, 0])
  })

  it('writes CSV with a column per objective and parameter, quoting the edges', () => {
    const csv = trialsCsv([trialRecord(1, 1.5), trialRecord(0, null, { failReason: 'fit failed, "nan"' })], ['z0'])
    const lines = csv.trim().split('\n')
    expect(lines[0]).toBe('number,state,z0,feasible,heldout_value,n_bins,param_n_bins,duration_ms,edges,fail_reason')
    expect(lines[1]).toBe('0,FAIL,,false,,3,4,12,"{""SR"":[0,0.3,0.7,1]}","fit failed, ""nan"""')
    expect(lines[2]).toBe('1,COMPLETE,1.5,true,,3,5,12,"{""SR"":[0,0.301,0.7,1]}",')
  })

  it('counts bins over all channels', () => {
    expect(totalBins({ SR: [0, 1, 2], CR: [0, 1] })).toBe(3)
    expect(totalBins(null)).toBeNull()
  })

  it('finds the Pareto front of two objectives', () => {
    const points: [number, number][] = [
      [2.0, 10],
      [1.9, 5],
      [1.8, 6],
      [1.5, 3],
      [2.0, 12],
    ]
    expect(paretoFront(points, ['maximize', 'minimize'])).toEqual([0, 1, 3])
  })

  it('finds the same Pareto front as the pairwise definition, ties and duplicates included', () => {
    const pairwise = (points: [number, number][], directions: [Direction, Direction]) => {
      const dominates = (a: [number, number], b: [number, number]) =>
        !isBetter(b[0], a[0], directions[0]) &&
        !isBetter(b[1], a[1], directions[1]) &&
        (isBetter(a[0], b[0], directions[0]) || isBetter(a[1], b[1], directions[1]))
      return points.flatMap((p, i) => (points.some((q) => dominates(q, p)) ? [] : [i]))
    }
    let seed = 7
    const draw = () => ((seed = (seed * 16807) % 2147483647) % 6) / 2
    for (let round = 0; round < 200; round++) {
      const points = Array.from({ length: 1 + (round % 25) }, () => [draw(), draw()] as [number, number])
      for (const directions of [['maximize', 'minimize'], ['minimize', 'minimize'], ['maximize', 'maximize'], ['minimize', 'maximize']] as [Direction, Direction][]) {
        expect(paretoFront(points, directions)).toEqual(pairwise(points, directions))
      }
    }
  })
})
