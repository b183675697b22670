import { toExternal, type Distribution, type ParamValue } from '../distributions.js'
import type { FrozenTrial } from '../frozen-trial.js'
import { RandomState } from '../rng.js'
import type { Sampler, StudyView } from './base.js'
import { fromTransformed, isCategorical, transformedBounds } from './transform.js'

/** Uniform sampling in the transformed space (Optuna's `RandomSampler`). */
export class RandomSampler implements Sampler {
  private rng: RandomState

  constructor(options: { seed?: number } = {}) {
    this.rng = new RandomState(options.seed)
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {}
  }

  sampleRelative(): Record<string, ParamValue> {
    return {}
  }

  sampleIndependent(_study: StudyView, _trial: FrozenTrial, _name: string, distribution: Distribution): ParamValue {
    return sampleUniform(distribution, this.rng)
  }
}

export function sampleUniform(distribution: Distribution, rng: RandomState): ParamValue {
  if (isCategorical(distribution)) return distribution.choices[rng.integer(distribution.choices.length)]!
  const [low, high] = transformedBounds(distribution)
  return toExternal(distribution, fromTransformed(distribution, rng.uniform(low, high)))
}
