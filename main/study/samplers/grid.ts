import { type Distribution, type ParamValue, toInternal } from '../distributions.js'
import type { FrozenTrial, JsonValue, TrialState } from '../frozen-trial.js'
import { isFinished } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import type { Sampler, StudyView } from './base.js'

/**
 * Exhaustive search over the cartesian product of given values (Optuna's `GridSampler`). Each trial
 * takes a random unvisited grid point, recorded in its system attrs `grid_id` and `search_space`;
 * when every point has been visited the study is asked to stop.
 */
export class GridSampler implements Sampler {
  private readonly searchSpace: Record<string, ParamValue[]>
  private readonly names: string[]
  private readonly grid: ParamValue[][]
  private readonly rng: RandomState

  constructor(searchSpace: Record<string, readonly ParamValue[]>, options: { seed?: number } = {}) {
    this.names = Object.keys(searchSpace).sort()
    this.searchSpace = {}
    for (const name of this.names) {
      const values = searchSpace[name]!
      if (values.length === 0) throw new Error(`The grid of ${name} is empty`)
      this.searchSpace[name] = [...values]
    }
    this.grid = cartesian(this.names.map((n) => this.searchSpace[n]!))
    this.rng = new RandomState(options.seed ?? 0)
  }

  get size(): number {
    return this.grid.length
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    if (typeof trial.systemAttrs.grid_id === 'number') return
    const fixed = trial.systemAttrs.fixed_params
    let gridId: number
    if (fixed !== null && typeof fixed === 'object' && !Array.isArray(fixed)) {
      const f = fixed as Record<string, ParamValue>
      gridId = this.grid.findIndex((p) => this.names.every((n, i) => Object.is(p[i], f[n])))
      if (gridId < 0) return
    } else {
      const { visited, running } = this.usedIds(study)
      let candidates = this.grid.map((_, i) => i).filter((i) => !visited.has(i) && !running.has(i))
      if (candidates.length === 0) candidates = this.grid.map((_, i) => i).filter((i) => !visited.has(i))
      if (candidates.length === 0) candidates = this.grid.map((_, i) => i)
      gridId = candidates[this.rng.integer(candidates.length)]!
    }
    const space = this.searchSpace as unknown as JsonValue
    trial.systemAttrs.grid_id = gridId
    trial.systemAttrs.search_space = space
    study.setTrialSystemAttr(trial.trialId, 'grid_id', gridId)
    study.setTrialSystemAttr(trial.trialId, 'search_space', space)
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {}
  }

  sampleRelative(): Record<string, ParamValue> {
    return {}
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    const index = this.names.indexOf(name)
    if (index < 0) throw new Error(`The parameter name, ${name}, is not found in the given grid`)
    const gridId = trial.systemAttrs.grid_id
    if (typeof gridId !== 'number') throw new Error('This trial was not assigned a grid point')
    const value = this.grid[gridId]![index]!
    if (!distribution.contains(toInternal(distribution, value))) {
      throw new Error(`The value ${JSON.stringify(value)} of ${name} is out of the range of the suggested distribution`)
    }
    return value
  }

  afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState): void {
    const { visited } = this.usedIds(study)
    if (isFinished(state) && typeof trial.systemAttrs.grid_id === 'number') visited.add(trial.systemAttrs.grid_id)
    if (visited.size >= this.grid.length) study.stop?.()
  }

  private usedIds(study: StudyView): { visited: Set<number>; running: Set<number> } {
    const visited = new Set<number>()
    const running = new Set<number>()
    for (const t of study.getTrials()) {
      const id = t.systemAttrs.grid_id
      if (typeof id !== 'number' || !sameSpace(t.systemAttrs.search_space, this.searchSpace)) continue
      if (isFinished(t.state)) visited.add(id)
      else if (t.state === 'RUNNING') running.add(id)
    }
    return { visited, running }
  }
}

function sameSpace(stored: JsonValue | undefined, space: Record<string, ParamValue[]>): boolean {
  return JSON.stringify(stored) === JSON.stringify(space)
}

function cartesian(lists: ParamValue[][]): ParamValue[][] {
  let out: ParamValue[][] = [[]]
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]))
  return out
}
