/**
 * Batched discovery fits for a study that evaluates several proposals at once (`--workers k`,
 * TPE's constant liar spreading them out). Each trial's q0 request waits briefly for the others in
 * flight; requests whose workspaces share a structure (same channels, same bins per channel) are
 * scored in one native call, which fits candidates of one structure in lockstep on the device the
 * planner picks (the GPU from its measured crossover for the model size and batch and then the
 * expected cost per fit, else the CPU; `device: cpu|gpu` forces either). A lone request takes the per-trial path of `discoveryFit`, and
 * so does, under `auto`, a workspace small enough for the calling thread (TINY_WORKSPACE_CHARS).
 *
 * Results mean what the per-trial path's do: the same q0 (to the fits' tolerance on the GPU,
 * identical on the CPU), and a candidate that fails rejects only its own request. A missing or
 * failing GPU runs the batch on the CPU, a failing batch call each request on the per-trial path;
 * each note is kept once (`report().notes`).
 */

import { discoveryBatch, type CandidateDiscoveryBatch } from '../engine/gpu'
import { TINY_WORKSPACE_CHARS } from '../engine/inference'
import type { GpuDevice } from '../engine/gpu'
import type { PyhfWorkspace } from './rebin-workspace'
import { type DiscoveryFit, discoveryFit } from './scoring'

export type ScoringDevice = GpuDevice

export const SCORING_DEVICES: readonly ScoringDevice[] = ['auto', 'cpu', 'gpu']

export interface BatchScorerOptions {
  device: ScoringDevice
  /** Requests that make a full batch: the evaluations the study has in flight. */
  batchSize: number
  measurement?: string
  /** How long a partial batch waits for more requests, in ms (default 10). */
  waitMs?: number
  /** The native batch call (default: the addon's `inferDiscoveryBatch`). */
  scoreBatch?: (texts: string[], device: ScoringDevice, measurement?: string) => Promise<CandidateDiscoveryBatch>
  /** The per-trial call for lone requests (default: `discoveryFit`). */
  scoreOne?: (text: string, measurement?: string) => Promise<DiscoveryFit>
}

/** What the batches did, for the study summary. */
export interface BatchScoringReport {
  device: ScoringDevice
  /** Native batch calls, and the requests they scored. */
  batches: number
  batchedRequests: number
  /** Requests scored alone on the per-trial path. */
  singleRequests: number
  /** Structure groups per back end ('cpu', 'gpu-f64', 'gpu-f32'). */
  groups: Record<string, number>
  /** `auto`: groups whose evaluations favoured the GPU, decided again on the expected cost per fit
   *  (native/gpu/README.md, planner), by outcome, with the latest reason. */
  perFit: { gpu: number; cpu: number; lastReason: string | null }
  adapter: string | null
  /** Why there was no GPU, or what failed on the way; each once. */
  notes: string[]
}

interface Pending {
  text: string
  key: string
  resolve: (fit: DiscoveryFit) => void
  reject: (error: unknown) => void
}

/** Channels and their bin counts: workspaces with the same key may share one lockstep batch. */
export function structureKey(workspace: PyhfWorkspace): string {
  return workspace.channels.map((c) => `${c.name}:${c.samples[0]?.data.length ?? 0}`).join('|')
}

/** Requests grouped by structure key, in arrival order. */
export function groupByStructure<T extends { key: string }>(requests: readonly T[]): T[][] {
  const groups = new Map<string, T[]>()
  for (const r of requests) {
    const group = groups.get(r.key)
    if (group === undefined) groups.set(r.key, [r])
    else group.push(r)
  }
  return [...groups.values()]
}

function nativeBatch(texts: string[], device: ScoringDevice, measurement?: string): Promise<CandidateDiscoveryBatch> {
  return discoveryBatch(texts, device, measurement === undefined ? undefined : { measurement })
}

export class DiscoveryBatcher {
  private readonly options: Required<Omit<BatchScorerOptions, 'measurement'>> & { measurement?: string }
  private pending: Pending[] = []
  private timer: NodeJS.Timeout | null = null
  private readonly state: BatchScoringReport

  constructor(options: BatchScorerOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`)
    this.options = { waitMs: 10, scoreBatch: nativeBatch, scoreOne: discoveryFit, ...options }
    this.state = { device: options.device, batches: 0, batchedRequests: 0, singleRequests: 0, groups: {}, perFit: { gpu: 0, cpu: 0, lastReason: null }, adapter: null, notes: [] }
  }

  /** q0 of the workspace `text` (whose structure `workspace` gives), batched with the requests in flight. */
  discover(text: string, workspace: PyhfWorkspace): Promise<DiscoveryFit> {
    if (this.options.device === 'auto' && text.length <= TINY_WORKSPACE_CHARS) {
      // Fits of a workspace this small take microseconds on the calling thread: no batch can win.
      this.state.singleRequests++
      return this.options.scoreOne(text, this.options.measurement)
    }
    return new Promise<DiscoveryFit>((resolve, reject) => {
      this.pending.push({ text, key: structureKey(workspace), resolve, reject })
      if (this.pending.length >= this.options.batchSize) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.options.waitMs)
    })
  }

  report(): BatchScoringReport {
    return { ...this.state, groups: { ...this.state.groups }, perFit: { ...this.state.perFit }, notes: [...this.state.notes] }
  }

  private note(text: string): void {
    if (!this.state.notes.includes(text)) this.state.notes.push(text)
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const requests = this.pending
    this.pending = []
    const batched: Pending[] = []
    for (const group of groupByStructure(requests)) {
      if (group.length > 1) {
        batched.push(...group)
        continue
      }
      const [one] = group
      this.state.singleRequests++
      this.options.scoreOne(one.text, this.options.measurement).then(one.resolve, one.reject)
    }
    if (batched.length > 0) void this.runBatch(batched)
  }

  private async runBatch(requests: Pending[]): Promise<void> {
    let out: CandidateDiscoveryBatch
    try {
      out = await this.options.scoreBatch(
        requests.map((r) => r.text),
        this.options.device,
        this.options.measurement,
      )
    } catch (error) {
      // The batch call itself failed (e.g. an addon built before it existed): score each request
      // on the per-trial path instead, so that no trial fails for the batch's sake.
      this.note(`batched scoring failed (${error instanceof Error ? error.message : String(error)}); scoring each trial on its own`)
      for (const r of requests) {
        this.state.singleRequests++
        this.options.scoreOne(r.text, this.options.measurement).then(r.resolve, r.reject)
      }
      return
    }
    this.state.batches++
    this.state.batchedRequests += requests.length
    this.state.adapter = out.device.adapter ?? this.state.adapter
    if (out.device.note !== null && out.device.note !== undefined) this.note(out.device.note)
    for (const g of out.device.groups) {
      this.state.groups[g.backend] = (this.state.groups[g.backend] ?? 0) + 1
      if (g.estimate !== null && g.estimate !== undefined) {
        this.state.perFit[g.estimate.gpu ? 'gpu' : 'cpu']++
        this.state.perFit.lastReason = g.estimate.reason
      }
      for (const n of g.notes) this.note(n)
    }
    requests.forEach((r, i) => {
      const result = out.results[i]
      if (result === undefined) r.reject(new Error('the batch returned no result for this candidate'))
      else if ('error' in result) r.reject(new Error(result.error))
      else r.resolve({ value: result.value, muHat: result.muHat, converged: result.freeFit.converged && result.conditionalFit.converged })
    })
  }
}
