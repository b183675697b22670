/**
 * Typed facade over the inference functions of the native addon (crate histune-infer): asymptotic
 * hypothesis tests, discovery significance, upper limits, profile scans, impact rankings and toys,
 * with pyhf 0.7.6 semantics. Every call takes the workspace as JSON text or a compiled `Model`
 * (which repeated calls share instead of recompiling), runs off the JS thread
 * and rejects with an `EngineError` (code, path) on bad input. The addon is loaded lazily, like
 * main/engine/index.ts does.
 */

import type * as Native from '../../native/node/index'
import { callEngineAsync, loadEngine, type Model, toEngineError } from './index'
import type { NativeAddon } from './native'

export type {
  DiscoveryReport,
  FitSummary,
  HypotestReport,
  ImpactReport,
  InferenceDiagnostics,
  InferenceOptions,
  ProfileScanReport,
  RankingReport,
  TestStatisticName,
  TestStatisticReport,
  ToysReport,
  UpperLimitReport,
} from '../../native/node/index'

const INFERENCE = { entry: 'inferHypotest', what: 'inference' } as const
const load = (): NativeAddon => loadEngine(INFERENCE)
const call = <T>(f: (native: NativeAddon) => Promise<T>): Promise<T> => callEngineAsync(f, INFERENCE)

const opts = (options?: Native.InferenceOptions): Native.InferenceOptions | null => options ?? null

/**
 * What an inference call runs on: workspace text, compiled per call with `options.measurement` and
 * `options.interpcodes`, or a compiled `Model`, shared without recompiling (those two options are
 * then refused: they belong to `Model.compile`).
 */
export type InferenceModel = string | Model

const source = (model: InferenceModel): Native.InferenceModel => (typeof model === 'string' ? model : model.nativeHandle)

/** Asymptotic CLs at `mu` (pyhf's hypotest with tail probabilities and the expected band). */
export function hypotest(model: InferenceModel, mu: number, options?: Native.InferenceOptions): Promise<Native.HypotestReport> {
  return call((n) => n.inferHypotest(source(model), mu, opts(options)))
}

/** Discovery: p0, Z0 = √q0 and the median expected Z0 (Asimov data at μ = 1). */
export function discovery(model: InferenceModel, options?: Native.InferenceOptions): Promise<Native.DiscoveryReport> {
  return call((n) => n.inferDiscovery(source(model), opts(options)))
}

/** A test statistic (q0, q, qtilde, tmu, tmu_tilde) at `mu`, with its two fits. */
export function testStatistic(model: InferenceModel, mu: number, options?: Native.InferenceOptions): Promise<Native.TestStatisticReport> {
  return call((n) => n.inferTestStatistic(source(model), mu, opts(options)))
}

/** Workspaces this small fit in microseconds: the hop to the libuv pool would cost more than the fits. */
export const TINY_WORKSPACE_CHARS = 20_000

/**
 * `testStatistic` on the calling thread, for tiny models only (see TINY_WORKSPACE_CHARS): it blocks
 * the event loop for the whole fit.
 */
export function testStatisticSync(model: InferenceModel, mu: number, options?: Native.InferenceOptions): Native.TestStatisticReport {
  try {
    return load().inferTestStatisticSync(source(model), mu, opts(options))
  } catch (error) {
    throw toEngineError(error)
  }
}

/** Observed and expected (−2σ … +2σ) upper limits on the POI at `options.cl` (default 0.95). */
export function upperLimit(model: InferenceModel, options?: Native.InferenceOptions): Promise<Native.UpperLimitReport> {
  return call((n) => n.inferUpperLimit(source(model), opts(options)))
}

/** Profile-likelihood scan of `parameter` over `points` values in [lo, hi]. */
export function profileScan(
  model: InferenceModel,
  parameter: string,
  lo: number,
  hi: number,
  points: number,
  options?: Native.InferenceOptions,
): Promise<Native.ProfileScanReport> {
  return call((n) => n.inferProfileScan(source(model), parameter, lo, hi, points, opts(options)))
}

/** Impacts of the nuisance parameters on the POI, largest first (`options.topN` to truncate). */
export function rankImpacts(model: InferenceModel, options?: Native.InferenceOptions): Promise<Native.RankingReport> {
  return call((n) => n.inferRanking(source(model), opts(options)))
}

/** Pseudo-experiments at `mu` (`options.testStat` 'q0' for discovery), seeded and reproducible. */
export function toys(model: InferenceModel, mu: number, options?: Native.InferenceOptions): Promise<Native.ToysReport> {
  return call((n) => n.inferToys(source(model), mu, opts(options)))
}
