import { toExternal, toInternal, type Distribution, type ParamValue } from '../distributions.js'
import type { FrozenTrial } from '../frozen-trial.js'
import { constraintViolation, trialConstraints } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import { intersectionSearchSpace, type Sampler, type StudyView } from './base.js'
import { crowdingDistances, dominatesLoss, lossVector, nonDominationRanks } from './multi-objective.js'
import { RandomSampler } from './random.js'

const GENERATION_KEY = 'NSGAIISampler:generation'

export interface NSGAIISamplerOptions {
  populationSize?: number
  /** Probability that a param is redrawn at random instead of inherited; default 1/#params. */
  mutationProb?: number
  crossoverProb?: number
  /** Uniform crossover: probability of taking each param from the second parent. */
  swappingProb?: number
  seed?: number
}

/**
 * NSGA-II (Deb et al. 2002) as Optuna runs it: generations of `populationSize` trials, elitist
 * selection by non-domination rank then crowding distance (constrained domination when trials carry
 * `constraints`), binary tournaments, uniform crossover and random-reset mutation.
 */
export class NSGAIISampler implements Sampler {
  readonly populationSize: number
  private readonly mutationProb: number | null
  private readonly crossoverProb: number
  private readonly swappingProb: number
  private readonly rng: RandomState
  private readonly randomSampler: RandomSampler
  private readonly parentCache = new Map<number, number[]>()

  constructor(options: NSGAIISamplerOptions = {}) {
    this.populationSize = options.populationSize ?? 50
    this.mutationProb = options.mutationProb ?? null
    this.crossoverProb = options.crossoverProb ?? 0.9
    this.swappingProb = options.swappingProb ?? 0.5
    this.rng = new RandomState(options.seed)
    this.randomSampler = new RandomSampler({ seed: options.seed === undefined ? undefined : options.seed + 1 })
    if (!Number.isInteger(this.populationSize) || this.populationSize < 2) {
      throw new Error(`populationSize must be an integer ≥ 2, got ${this.populationSize}`)
    }
    for (const [name, p] of [['crossoverProb', this.crossoverProb], ['swappingProb', this.swappingProb], ['mutationProb', this.mutationProb ?? 0]] as const) {
      if (!(p >= 0 && p <= 1)) throw new Error(`${name} must be in [0, 1], got ${p}`)
    }
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    if (typeof trial.systemAttrs[GENERATION_KEY] === 'number') return
    const generation = this.currentGeneration(study)
    trial.systemAttrs[GENERATION_KEY] = generation
    study.setTrialSystemAttr(trial.trialId, GENERATION_KEY, generation)
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const space = intersectionSearchSpace(study.getTrials(['COMPLETE']))
    for (const [name, d] of Object.entries(space)) if (d.single()) delete space[name]
    return space
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const generation = trial.systemAttrs[GENERATION_KEY]
    if (typeof generation !== 'number' || generation === 0) return {}
    const parents = this.parentPopulation(study, generation)
    if (parents.length < 2) return {}
    const p1 = this.tournament(study, parents)
    const p2 = this.tournament(study, parents)
    const names = Object.keys(space).filter((n) => n in p1.params && n in p2.params)
    const mutationProb = this.mutationProb ?? 1 / Math.max(1, names.length)
    const doCrossover = this.rng.random() < this.crossoverProb
    const out: Record<string, ParamValue> = {}
    for (const name of names) {
      const dist = space[name]!
      const source = doCrossover && this.rng.random() < this.swappingProb ? p2 : p1
      if (this.rng.random() < mutationProb) continue // left to the independent (random) sampler
      out[name] = toExternal(dist, toInternal(dist, source.params[name]!))
    }
    return out
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return this.randomSampler.sampleIndependent(study, trial, name, distribution)
  }

  private currentGeneration(study: StudyView): number {
    let generation = 0
    const counts = new Map<number, number>()
    for (const t of study.getTrials(['COMPLETE'])) {
      const g = t.systemAttrs[GENERATION_KEY]
      if (typeof g !== 'number') continue
      counts.set(g, (counts.get(g) ?? 0) + 1)
      generation = Math.max(generation, g)
    }
    return (counts.get(generation) ?? 0) >= this.populationSize ? generation + 1 : generation
  }

  /** Elite of (parents of generation g−1) ∪ (complete trials of generation g−1). */
  private parentPopulation(study: StudyView, generation: number): FrozenTrial[] {
    const complete = study.getTrials(['COMPLETE'])
    const byNumber = new Map(complete.map((t) => [t.number, t]))
    let parents: number[] = []
    for (let g = 0; g < generation; g++) {
      const cached = this.parentCache.get(g + 1)
      if (cached !== undefined) {
        parents = cached
        continue
      }
      const pool = [...parents, ...complete.filter((t) => t.systemAttrs[GENERATION_KEY] === g).map((t) => t.number)]
      parents = this.selectElite(study, [...new Set(pool)].map((n) => byNumber.get(n)!).filter((t) => t !== undefined))
      if (g + 1 < generation) this.parentCache.set(g + 1, parents)
    }
    return parents.map((n) => byNumber.get(n)!).filter((t) => t !== undefined)
  }

  private selectElite(study: StudyView, pool: FrozenTrial[]): number[] {
    if (pool.length <= this.populationSize) return pool.map((t) => t.number)
    const feasible = pool.filter((t) => constraintViolation(t) === 0)
    const infeasible = pool.filter((t) => constraintViolation(t) > 0).sort((a, b) => constraintViolation(a) - constraintViolation(b))
    const losses = feasible.map((t) => lossVector(t, study.directions))
    const ranks = nonDominationRanks(losses)
    const elite: number[] = []
    for (let rank = 0; elite.length < this.populationSize; rank++) {
      const front = feasible.map((_, i) => i).filter((i) => ranks[i] === rank)
      if (front.length === 0) break
      if (elite.length + front.length <= this.populationSize) {
        for (const i of front) elite.push(feasible[i]!.number)
        continue
      }
      const cd = crowdingDistances(front.map((i) => losses[i]!))
      const order = front.map((_, j) => j).sort((a, b) => cd[b]! - cd[a]! || feasible[front[a]!]!.number - feasible[front[b]!]!.number)
      for (const j of order.slice(0, this.populationSize - elite.length)) elite.push(feasible[front[j]!]!.number)
    }
    for (const t of infeasible) if (elite.length < this.populationSize) elite.push(t.number)
    return elite
  }

  /** Binary tournament under (constrained) domination; ties are broken at random. */
  private tournament(study: StudyView, population: FrozenTrial[]): FrozenTrial {
    const a = population[this.rng.integer(population.length)]!
    const b = population[this.rng.integer(population.length)]!
    if (constrainedDominates(a, b, study)) return a
    if (constrainedDominates(b, a, study)) return b
    return this.rng.random() < 0.5 ? a : b
  }
}

function constrainedDominates(a: FrozenTrial, b: FrozenTrial, study: StudyView): boolean {
  const constrained = trialConstraints(a) !== null || trialConstraints(b) !== null
  if (constrained) {
    const va = constraintViolation(a)
    const vb = constraintViolation(b)
    if (va === 0 && vb > 0) return true
    if (va > 0) return vb > 0 && va < vb
  }
  return dominatesLoss(lossVector(a, study.directions), lossVector(b, study.directions))
}
