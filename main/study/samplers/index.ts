import type { ParamValue } from '../distributions.js'
import type { Sampler } from './base.js'
import { GridSampler } from './grid.js'
import { NSGAIISampler } from './nsga2.js'
import { QMCSampler } from './qmc.js'
import { RandomSampler } from './random.js'
import { TPESampler } from './tpe.js'

/** The sampler names a study config or the UI may choose. */
export type SamplerName = 'tpe' | 'random' | 'qmc' | 'nsga2' | 'motpe' | 'grid'
export const SAMPLER_NAMES: readonly SamplerName[] = ['tpe', 'random', 'qmc', 'nsga2', 'motpe', 'grid']

/**
 * A sampler by name with its defaults: 'tpe' and 'motpe' are the TPESampler (MOTPE with several
 * objectives), 'qmc' a scrambled Sobol' sequence, 'grid' needs the grid's values per param.
 */
export function createSampler(name: SamplerName, options: { seed?: number; grid?: Record<string, readonly ParamValue[]> } = {}): Sampler {
  const seed = options.seed
  switch (name) {
    case 'tpe':
    case 'motpe':
      return new TPESampler({ seed })
    case 'random':
      return new RandomSampler({ seed })
    case 'qmc':
      return new QMCSampler({ scramble: true, seed })
    case 'nsga2':
      return new NSGAIISampler({ seed })
    case 'grid':
      if (options.grid === undefined) throw new Error('The grid sampler needs the values of each param (options.grid)')
      return new GridSampler(options.grid, { seed })
    default:
      throw new Error(`Unknown sampler '${String(name)}'; choose one of ${SAMPLER_NAMES.join(', ')}`)
  }
}
