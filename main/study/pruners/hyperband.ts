import { crc32 } from 'node:zlib'
import type { FrozenTrial } from '../frozen-trial.js'
import { lastStep, type Pruner, type PrunerContext } from './base.js'
import { SuccessiveHalvingPruner } from './successive-halving.js'

export interface HyperbandOptions {
  minResource?: number
  /** Steps of a full trial; 'auto' = last step of the first COMPLETE trial + 1. */
  maxResource?: number | 'auto'
  reductionFactor?: number
  bootstrapCount?: number
}

/**
 * Hyperband (Li et al. 2018) as Optuna's `HyperbandPruner`: several successive-halving brackets with
 * increasing early-stopping rates; a trial joins bracket crc32(`${study}_${number}`) mod the total
 * budget, and competes only with trials of its bracket.
 */
export class HyperbandPruner implements Pruner {
  readonly minResource: number
  private maxResource: number | null
  readonly reductionFactor: number
  readonly bootstrapCount: number
  private brackets: SuccessiveHalvingPruner[] = []
  private budgets: number[] = []

  constructor(options: HyperbandOptions = {}) {
    this.minResource = options.minResource ?? 1
    const max = options.maxResource ?? 'auto'
    this.maxResource = max === 'auto' ? null : max
    this.reductionFactor = options.reductionFactor ?? 3
    this.bootstrapCount = options.bootstrapCount ?? 0
    if (!Number.isInteger(this.minResource) || this.minResource < 1) throw new Error(`minResource must be a positive integer, got ${this.minResource}`)
    if (this.maxResource !== null && !(Number.isInteger(this.maxResource) && this.maxResource >= this.minResource)) {
      throw new Error(`maxResource must be an integer ≥ minResource or 'auto', got ${String(max)}`)
    }
    if (this.maxResource !== null) this.build()
  }

  private build(): void {
    const eta = this.reductionFactor
    const nBrackets = Math.floor(Math.log(this.maxResource! / this.minResource) / Math.log(eta) + 1e-9) + 1
    this.brackets = []
    this.budgets = []
    for (let id = 0; id < nBrackets; id++) {
      const s = nBrackets - 1 - id
      this.budgets.push(Math.ceil((nBrackets * eta ** s) / (s + 1)))
      this.brackets.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: eta,
          minEarlyStoppingRate: id,
          bootstrapCount: this.bootstrapCount,
        }),
      )
    }
  }

  /** The bracket a trial belongs to. */
  bracketOf(studyName: string, number: number): number {
    const total = this.budgets.reduce((a, b) => a + b, 0)
    let n = crc32(`${studyName}_${number}`) % total
    for (let id = 0; id < this.budgets.length; id++) {
      if (n < this.budgets[id]!) return id
      n -= this.budgets[id]!
    }
    return this.budgets.length - 1
  }

  prune(context: PrunerContext): boolean {
    if (this.maxResource === null) {
      const first = context.trials.filter((t) => t.state === 'COMPLETE').map(lastStep).find((s) => s !== null)
      if (first === undefined || first === null) return false
      this.maxResource = Math.max(first + 1, this.minResource)
      this.build()
    }
    const bracket = this.bracketOf(context.studyName, context.trial.number)
    const mates = context.trials.filter((t: FrozenTrial) => this.bracketOf(context.studyName, t.number) === bracket)
    return this.brackets[bracket]!.prune({ ...context, trials: mates })
  }
}
