import { toExternal, type Distribution, type ParamValue } from '../distributions.js'
import type { FrozenTrial } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import { intersectionSearchSpace, type Sampler, type StudyView } from './base.js'
import { RandomSampler } from './random.js'
import { SobolSequence } from './sobol.js'
import { fromTransformed, isCategorical, transformedBounds } from './transform.js'

/**
 * Quasi-Monte Carlo sampling with a Sobol' sequence (Optuna's `QMCSampler(qmc_type="sobol")`). The
 * search space is that of the first finished trial; trials before it, and params outside it, are
 * drawn at random. Trial number n takes point n of the sequence, so parallel workers never repeat a
 * point and a seeded study is reproducible.
 */
export class QMCSampler implements Sampler {
  readonly scramble: boolean
  private readonly seed: number
  private readonly randomSampler: RandomSampler
  private space: Record<string, Distribution> | null = null
  private sequence: SobolSequence | null = null

  constructor(options: { scramble?: boolean; seed?: number } = {}) {
    this.scramble = options.scramble ?? false
    this.seed = options.seed ?? new RandomState().nextUint32()
    this.randomSampler = new RandomSampler({ seed: this.seed + 1 })
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    if (this.space === null) {
      const first = study.getTrials(['COMPLETE', 'PRUNED']).sort((a, b) => a.number - b.number)[0]
      if (first === undefined) return {}
      this.space = intersectionSearchSpace([first])
      for (const [name, d] of Object.entries(this.space)) if (d.single()) delete this.space[name]
    }
    return this.space
  }

  sampleRelative(_study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(space)
    if (names.length === 0) return {}
    if (this.sequence === null || this.sequence.dim !== names.length) {
      this.sequence = new SobolSequence(names.length, { scramble: this.scramble, rng: new RandomState(this.seed) })
    }
    const u = this.sequence.point(trial.number)
    const out: Record<string, ParamValue> = {}
    names.forEach((name, i) => {
      const dist = space[name]!
      if (isCategorical(dist)) {
        out[name] = dist.choices[Math.min(dist.choices.length - 1, Math.floor(u[i]! * dist.choices.length))]!
      } else {
        const [low, high] = transformedBounds(dist)
        out[name] = toExternal(dist, fromTransformed(dist, low + u[i]! * (high - low)))
      }
    })
    return out
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): ParamValue {
    return this.randomSampler.sampleIndependent(study, trial, name, distribution)
  }
}
