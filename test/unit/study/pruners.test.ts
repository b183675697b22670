import { describe, expect, it } from 'vitest'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../../../main/study/frozen-trial.js'
import type { Pruner } from '../../../main/study/pruners/base.js'
import { MedianPruner, PercentilePruner, nanPercentile } from '../../../main/study/pruners/percentile.js'
import { PatientPruner } from '../../../main/study/pruners/patient.js'
import { SuccessiveHalvingPruner } from '../../../main/study/pruners/successive-halving.js'
import { ThresholdPruner } from '../../../main/study/pruners/threshold.js'

let nextId = 1
function trial(state: TrialState, curve: number[] | Record<number, number>, systemAttrs: Record<string, JsonValue> = {}): FrozenTrial {
  const entries = Array.isArray(curve) ? curve.map((v, i) => [i, v] as [number, number]) : Object.entries(curve).map(([k, v]) => [Number(k), v] as [number, number])
  const id = nextId++
  return {
    trialId: id, number: id, state, values: state === 'COMPLETE' ? [0] : null, datetimeStart: null, datetimeComplete: null,
    params: {}, distributions: {}, userAttrs: {}, systemAttrs, intermediateValues: new Map(entries),
  }
}

function prune(pruner: Pruner, current: FrozenTrial, others: FrozenTrial[], direction: StudyDirection = 'minimize') {
  return pruner.prune({
    studyName: 's', directions: [direction], trials: [...others, current], trial: current,
    setTrialSystemAttr: (k, v) => { current.systemAttrs[k] = v },
  })
}

const completed = (n: number, curve: number[]) => Array.from({ length: n }, () => trial('COMPLETE', curve))

describe('MedianPruner (Optuna semantics)', () => {
  it('prunes a trial worse than the median at the same step', () => {
    const others = [trial('COMPLETE', [1, 1]), trial('COMPLETE', [2, 2]), trial('COMPLETE', [3, 3]), trial('COMPLETE', [4, 4]), trial('COMPLETE', [5, 5])]
    expect(prune(new MedianPruner(), trial('RUNNING', [3.5]), others)).toBe(true)
    expect(prune(new MedianPruner(), trial('RUNNING', [2.5]), others)).toBe(false)
    expect(prune(new MedianPruner(), trial('RUNNING', [2.5]), others, 'maximize')).toBe(true)
  })

  it('waits for nStartupTrials COMPLETE trials (5 by default)', () => {
    expect(prune(new MedianPruner(), trial('RUNNING', [10]), [...completed(4, [1]), trial('PRUNED', [0])])).toBe(false)
    expect(prune(new MedianPruner(), trial('RUNNING', [10]), completed(5, [1]))).toBe(true)
  })

  it('judges the best value over all steps, not the last', () => {
    const others = completed(5, [5, 3, 1])
    expect(prune(new MedianPruner(), trial('RUNNING', [2, 4]), others)).toBe(false) // best 2 < median 3 at step 1
    expect(prune(new MedianPruner(), trial('RUNNING', [4, 4]), others)).toBe(true)
  })

  it('honours warmup steps and the pruning interval', () => {
    const others = completed(5, [1, 1, 1, 1, 1, 1])
    const warm = new MedianPruner({ nWarmupSteps: 2 })
    expect(prune(warm, trial('RUNNING', [9, 9]), others)).toBe(false)
    expect(prune(warm, trial('RUNNING', [9, 9, 9]), others)).toBe(true)
    const every3 = new MedianPruner({ intervalSteps: 3 })
    expect(prune(every3, trial('RUNNING', [9]), others)).toBe(true) // step 0 is on the grid
    expect(prune(every3, trial('RUNNING', [9, 9]), others)).toBe(false) // step 1 is not
    expect(prune(every3, trial('RUNNING', { 0: 9, 4: 9 }), others)).toBe(true) // first report after grid point 3
  })

  it('prunes NaN and skips steps nobody completed reported', () => {
    expect(prune(new MedianPruner(), trial('RUNNING', [NaN]), completed(5, [1]))).toBe(true)
    expect(prune(new MedianPruner(), trial('RUNNING', { 7: 9 }), completed(5, [1]))).toBe(false)
  })

  it("computes numpy's nanpercentile", () => {
    expect(nanPercentile([1, 2, 3, 4], 50)).toBe(2.5)
    expect(nanPercentile([1, NaN, 3], 25)).toBe(1.5)
    expect(nanPercentile([NaN], 50)).toBeNaN()
    expect(() => new PercentilePruner(101)).toThrow(/between 0 and 100/)
  })
})

describe('SuccessiveHalvingPruner', () => {
  it('promotes the top 1/η at each rung and records rungs in system attrs', () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 })
    const rivals = [1, 2, 3].map((v) => trial('COMPLETE', [v], { completed_rung_0: v }))
    const good = trial('RUNNING', [0.5, 0.5])
    expect(prune(pruner, good, rivals)).toBe(false)
    expect(good.systemAttrs.completed_rung_0).toBe(0.5)
    const bad = trial('RUNNING', [2.5, 2.5])
    expect(prune(pruner, bad, rivals)).toBe(true) // 4 competitors, top 2 are 1 and 2
  })

  it('waits until the first rung step, and estimates min resource from completed trials', () => {
    const pruner = new SuccessiveHalvingPruner({ reductionFactor: 4 })
    expect(prune(pruner, trial('RUNNING', [9]), [])).toBe(false) // nothing completed: no estimate yet
    const long = trial('COMPLETE', Array.from({ length: 400 }, () => 1))
    expect(prune(pruner, trial('RUNNING', [9, 9, 9]), [long])).toBe(false) // min resource 3 (399 // 100) → rung step 3
    expect(prune(pruner, trial('RUNNING', [9, 9, 9, 9]), [long, trial('COMPLETE', [1, 1, 1, 1], { completed_rung_0: 1 })])).toBe(true)
  })

  it('prunes while the bootstrap count is not reached', () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, bootstrapCount: 2 })
    expect(prune(pruner, trial('RUNNING', [0, 0]), [])).toBe(true)
  })
})

describe('ThresholdPruner', () => {
  it('prunes outside [lower, upper] and on NaN', () => {
    const p = new ThresholdPruner({ lower: 0, upper: 1 })
    expect(prune(p, trial('RUNNING', [0.5]), [])).toBe(false)
    expect(prune(p, trial('RUNNING', [1.5]), [])).toBe(true)
    expect(prune(p, trial('RUNNING', [-0.1]), [])).toBe(true)
    expect(prune(p, trial('RUNNING', [NaN]), [])).toBe(true)
    expect(prune(new ThresholdPruner({ upper: 1, nWarmupSteps: 2 }), trial('RUNNING', [5, 5]), [])).toBe(false)
    expect(() => new ThresholdPruner({})).toThrow(/lower or upper/)
    expect(() => new ThresholdPruner({ lower: 2, upper: 1 })).toThrow(/smaller than upper/)
  })
})

describe('PatientPruner', () => {
  it('prunes after `patience` steps without improvement, deferring to the wrapped pruner', () => {
    const p = new PatientPruner(null, { patience: 2 })
    expect(prune(p, trial('RUNNING', [5, 4, 3, 2]), [])).toBe(false)
    expect(prune(p, trial('RUNNING', [5, 4, 4.5, 4.2, 4.1]), [])).toBe(true)
    expect(prune(new PatientPruner(null, { patience: 2, minDelta: 1 }), trial('RUNNING', [5, 4.5, 4.4, 4.3]), [])).toBe(true)
    expect(prune(new PatientPruner(null, { patience: 2, minDelta: 1 }), trial('RUNNING', [5, 4, 3.5, 3.4]), [])).toBe(false)
    const never: Pruner = { prune: () => false }
    expect(prune(new PatientPruner(never, { patience: 1 }), trial('RUNNING', [1, 2, 3]), [])).toBe(false)
    expect(prune(new PatientPruner(null, { patience: 1 }), trial('RUNNING', [1, 2, 3]), [], 'maximize')).toBe(false)
    expect(() => new PatientPruner(null, { patience: -1 })).toThrow(/negative/)
  })
})

describe('HyperbandPruner', () => {
  it('assigns trials to brackets as Optuna does and prunes within a bracket', async () => {
    const { HyperbandPruner } = await import('../../../main/study/pruners/hyperband.js')
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 })
    // 4 brackets with budgets ⌈4·3^s/(s+1)⌉ = 27, 12, 6, 4, picked by crc32; ids from Optuna 5.0.
    expect(Array.from({ length: 20 }, (_, n) => pruner.bracketOf('s', n))).toEqual([2, 1, 3, 3, 3, 2, 1, 1, 0, 0, 0, 0, 2, 0, 3, 0, 2, 0, 1, 0])
    const mate = (v: number) => trial('COMPLETE', Array.from({ length: 30 }, () => v), { completed_rung_0: v, completed_rung_1: v, completed_rung_2: v })
    // Find a trial number in bracket 0 (stops earliest: first rung at step 1).
    const number = Array.from({ length: 100 }, (_, i) => i).find((n) => pruner.bracketOf('s', n) === 0)!
    const current = { ...trial('RUNNING', [9, 9]), number }
    const rivals = [0, 1, 2, 3, 4, 5].map((v) => ({ ...mate(v), number: Array.from({ length: 400 }, (_, i) => i).filter((n) => pruner.bracketOf('s', n) === 0)[v + 1]! }))
    expect(prune(pruner, current, rivals)).toBe(true)
    expect(prune(pruner, { ...trial('RUNNING', [-1, -1]), number }, rivals)).toBe(false)
  })
})
