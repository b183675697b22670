/**
 * Typed facade over the GPU functions of the native addon (crate histune-gpu through
 * native/node/src/gpu.rs): the Vulkan adapters, the self-check behind `histune gpu`, the status the
 * app shows, and toys with the toy fits on a chosen device. Every call runs off the JS thread. A
 * missing or failing adapter never rejects: the work runs on the CPU and the result says why.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as Native from '../../native/node/index'
import { callEngineAsync } from './index'
import type { InferenceModel } from './inference'
import type { NativeAddon } from './native'

export type { GpuAdapter, GpuCheck, GpuDevice, GpuSelfCheck, GpuStatus, ToyDevice } from '../../native/node/index'
export type { RankingDevice } from '../../native/node/index'
export type { CandidateDiscoveryBatch, CandidateGroupRun } from '../../native/node/index'

export const GPU_DEVICES: readonly Native.GpuDevice[] = ['auto', 'cpu', 'gpu']

/**
 * Mesa's Vulkan drivers connect to Wayland while enumerating adapters, and libwayland prints
 * "XDG_RUNTIME_DIR is invalid or not set" on stderr where that variable is unset (CI, ssh, cron).
 * A private empty runtime dir keeps the CLI's stderr for real problems.
 */
function quietWayland(): void {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return
  const dir = mkdtempSync(join(tmpdir(), 'histune-xdg-'))
  process.env.XDG_RUNTIME_DIR = dir
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
}

const GPU = { entry: 'gpuSelfCheck', what: 'GPU' } as const

function call<T>(f: (native: NativeAddon) => Promise<T>): Promise<T> {
  quietWayland()
  return callEngineAsync(f, GPU)
}

/** Every Vulkan adapter found (empty without a loader or driver). */
export function adapters(): Promise<Native.GpuAdapter[]> {
  return call((n) => n.gpuAdapters())
}

/**
 * Lists the adapters, selects one, compares the GPU path with the CPU engine on a small model and
 * reports fits per second and the planner's choices. `device` forces a side (default: $HISTUNE_BACKEND, else auto).
 */
export function selfCheck(device?: Native.GpuDevice): Promise<Native.GpuSelfCheck> {
  return call((n) => n.gpuSelfCheck(device ?? null))
}

/** The adapter in use (or why none) and the last toy run's or self-check's fits per second. */
export function status(): Promise<Native.GpuStatus> {
  return call((n) => n.gpuStatus())
}

/**
 * Toys as `inference.toys`, with the toy fits on `device`: 'cpu', 'gpu' (lockstep batches) or
 * 'auto' (the planner's measured CPU/GPU crossover for this model and batch size).
 */
export function toysOn(
  model: InferenceModel,
  mu: number,
  device: Native.GpuDevice,
  options?: Native.InferenceOptions,
): Promise<Native.ToysReport & { device: Native.ToyDevice }> {
  return call((n) => n.inferToysOn(typeof model === 'string' ? model : model.nativeHandle, mu, device, options ?? null))
}

/**
 * The impact ranking as `inference.rankImpacts`, with its refits (the held ±1σ fits) on `device`:
 * 'cpu', 'gpu' (one lockstep batch) or 'auto' (the planner's measured crossover for this model and
 * the number of refits). The result's `device` says what ran and why.
 */
export function rankingOn(
  model: InferenceModel,
  device: Native.GpuDevice,
  options?: Native.InferenceOptions,
): Promise<Native.RankingReport & { device: Native.RankingDevice }> {
  return call((n) => n.inferRankingOn(typeof model === 'string' ? model : model.nativeHandle, device, options ?? null))
}

/**
 * q0 at μ = 0 of many candidate binnings in one call (as `inference.testStatistic(text, 0, { testStat:
 * 'q0' })` each): candidates of one structure are fitted in one lockstep batch on `device` ('auto':
 * the planner's measured crossover). A candidate's failure is its own `{ error }` entry.
 */
export function discoveryBatch(
  texts: string[],
  device: Native.GpuDevice,
  options?: Pick<Native.InferenceOptions, 'measurement' | 'interpcodes'>,
): Promise<Native.CandidateDiscoveryBatch> {
  return call((n) => n.inferDiscoveryBatch(texts, device, options ?? null))
}
