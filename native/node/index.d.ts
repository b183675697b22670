// Hand-written types of the native addon (native/node/src/*.rs). Plain functions throw Errors with
// `code` (an ErrorCode of preload/api.ts) and, where known, `path`, `line` and `column`. Methods of
// `Model` throw Errors whose message is that payload as JSON: pass them through `translateError`
// (main/engine does this for you).
import type { WorkspaceSummary } from '../../preload/api'

/**
 * Interpolation codes. A missing entry takes pyhf 0.7.6's model default (normsys code4, histosys
 * code4p); note that pyhf's own `modifier_settings` replaces the whole dict, so there a missing
 * histosys entry means code0 — pass both codes to reproduce such a pyhf call.
 */
export interface InterpCodes {
  /** 'code1' or 'code4' (default 'code4', as pyhf 0.7.6). */
  normsys?: 'code1' | 'code4'
  /** 'code0', 'code2' or 'code4p' (default 'code4p', as pyhf 0.7.6). */
  histosys?: 'code0' | 'code2' | 'code4p'
}

export interface CompileOptions {
  /** Measurement name (default: the first in the workspace). */
  measurement?: string
  interpcodes?: InterpCodes
}

export interface FitOptions {
  /** Full data vector (main bins in sorted channel order, then auxiliary data); default: observed. */
  data?: number[]
  init?: number[]
  bounds?: [number, number][]
  fixed?: boolean[]
  /** Hold the POI at this value (conditional fit). */
  fixPoi?: number
  /** Hold components at values, by name (`name` or `name[i]`). */
  fix?: Record<string, number>
  /** Also compute uncertainties from the inverse Hessian of the NLL. */
  uncertainties?: boolean
  maxIterations?: number
}

export interface FitResult {
  /** −logpdf at the best fit (pyhf's, all constants included). */
  nll: number
  twiceNll: number
  converged: boolean
  status: string
  iterations: number
  functionCalls: number
  bestfit: number[]
  bestfitByName: Record<string, number>
  uncertainties?: number[]
  uncertaintyByName?: Record<string, number>
  uncertaintyError?: string
}

export interface NllAndGrad {
  nll: number
  grad: Float64Array
}

export type Numbers = Float64Array | number[]

export interface SampleYields {
  channel: string
  sample: string
  yields: number[]
}

/** A channel's slice of the main data vector (pyhf's sorted channel order). */
export interface ChannelLayout {
  name: string
  offset: number
  nBins: number
}

export declare class Model {
  private constructor()
  static compile(text: string, options?: CompileOptions | null): Model
  /** compile on the libuv thread pool. */
  static compileAsync(text: string, options?: CompileOptions | null): Promise<Model>
  readonly nPars: number
  readonly nMain: number
  readonly nAux: number
  readonly parNames: string[]
  readonly poiIndex: number
  readonly poiName: string
  readonly measurement: string
  readonly suggestedInit: number[]
  readonly suggestedBounds: [number, number][]
  readonly suggestedFixed: boolean[]
  readonly channels: ChannelLayout[]
  observedData(): number[]
  expectedData(pars: Numbers): number[]
  expectedBySample(pars: Numbers): SampleYields[]
  nll(pars: Numbers, data?: Numbers | null): number
  logpdf(pars: Numbers, data?: Numbers | null): number
  grad(pars: Numbers, data?: Numbers | null): Float64Array
  nllAndGrad(pars: Numbers, data?: Numbers | null): NllAndGrad
  nllBatch(pars: Numbers, data?: Numbers | null): Float64Array
  fit(options?: FitOptions | null): Promise<FitResult>
  fitSync(options?: FitOptions | null): FitResult
  fitBatch(options: FitOptions[]): Promise<FitResult[]>
}

export declare function engineVersion(): string
export declare function summarizeWorkspace(text: string, fileName?: string | null, measurement?: string | null): WorkspaceSummary
export declare function translateError(error: unknown): unknown

/** A pyhf patchset's metadata and its patches (name, values per label, number of operations). */
export interface PatchSetInfo {
  description: string
  labels: string[]
  digests: { sha256?: string; md5?: string }
  references: { hepdata?: string }
  version: string
  patches: { name: string; values: (number | string)[]; operations: number }[]
}
/** Apply a JSON Patch (RFC 6902) to workspace text; returns the patched workspace as JSON text. */
export declare function applyPatch(text: string, patchText: string): string
/** Verify a pyhf patchset against the workspace (its digests) and apply the patch `name`. */
export declare function applyPatchset(text: string, patchsetText: string, name: string): string
/** pyhf's `utils.digest` of workspace text ('sha256' by default, or 'md5'). */
export declare function workspaceDigest(text: string, algorithm?: string | null): string
export declare function describePatchset(patchsetText: string): PatchSetInfo
export declare const addonPath: string

// ---- Inference (src/infer.rs, crate histune-infer). Each call compiles the workspace text and runs
// off the JS thread; numbers that could not be computed (NaN) arrive as null. ----

export type TestStatisticName = 'q0' | 'q' | 'qtilde' | 'tmu' | 'tmu_tilde'

/** Options shared by the infer* calls; each reads the fields that apply to it. */
export interface InferenceOptions {
  /** Measurement name (default: the first). */
  measurement?: string
  interpcodes?: InterpCodes
  /** Full data vector (main ++ aux); default: observed. */
  data?: number[]
  init?: number[]
  bounds?: [number, number][]
  fixed?: boolean[]
  /** Hold components at values, by name (`name` or `name[i]`). */
  fix?: Record<string, number>
  maxIterations?: number
  /** Default 'qtilde'. The asymptotic calls take q0, q and qtilde; tmu/tmu_tilde only inferTestStatistic. */
  testStat?: TestStatisticName
  /** inferUpperLimit: confidence level (default 0.95) and relative tolerance on the limit (default 1e-4). */
  cl?: number
  rtol?: number
  /** inferRanking: keep the N largest impacts. */
  topN?: number
  /** inferToys: toys per hypothesis (default 1000) and seed (default 0). */
  nToys?: number
  seed?: number
}

/** How a result was obtained; on every report. */
export interface InferenceDiagnostics {
  /** Every fit converged. */
  converged: boolean
  /** −logpdf at the unconditional best fit to the data. */
  minNll: number | null
  fits: number
  failedFits: number
  iterations: number
  functionCalls: number
  timeMs: number
  poi: number | null
  poiUncertainty: number | null
  warnings: string[]
  metrics: Record<string, number | null>
}

export interface FitSummary {
  converged: boolean
  status: string
  nll: number
  twiceNll: number
  iterations: number
  pars: number[]
}

export interface HypotestReport {
  mu: number
  testStat: 'q0' | 'q' | 'qtilde'
  /** CLs (q0: p0 = CLs+b, pyhf's first return value). */
  cls: number
  clsb: number
  clb: number
  /** Expected CLs −2σ … +2σ (q0: expected p0). */
  clsExpected: number[]
  q: number
  qAsimov: number
  sqrtQ: number
  sqrtQAsimov: number
  /** The statistic in −μ̂/σ space. */
  teststat: number
  muHat: number
  asimovData: number[]
  fits: {
    freeFitToData: FitSummary
    fixedPoiFitToData: FitSummary
    asimovPars: number[]
    freeFitToAsimov: FitSummary
    fixedPoiFitToAsimov: FitSummary
  }
  diagnostics: InferenceDiagnostics
}

export interface DiscoveryReport {
  p0: number
  /** √q0. */
  z0: number
  q0: number
  /** Median expected Z0: √q0 on Asimov data with μ = 1. */
  z0Expected: number
  q0Asimov: number
  /** Expected p0 −2σ … +2σ. */
  p0Expected: number[]
  p0ExpectedMedian: number
  clb: number
  muHat: number
  diagnostics: InferenceDiagnostics
}

export interface TestStatisticReport {
  testStat: TestStatisticName
  mu: number
  value: number
  muHat: number
  freeFit: FitSummary
  conditionalFit: FitSummary
  diagnostics: InferenceDiagnostics
}

export interface UpperLimitReport {
  cl: number
  testStat: 'q' | 'qtilde'
  /** null when CLs does not cross 1 − cl in the searched range (see diagnostics.warnings). */
  observed: number | null
  /** −2σ … +2σ. */
  expected: (number | null)[]
  /** CLs evaluations per curve: observed, then the five expected. */
  evaluations: number[]
  muHat: number
  diagnostics: InferenceDiagnostics
}

export interface ProfileScanReport {
  parameter: string
  index: number
  values: number[]
  twiceNll: number[]
  /** 2NLL − 2NLL at the unconditional best fit. */
  deltaTwiceNll: number[]
  converged: boolean[]
  /** The POI at each point. */
  poi: number[]
  bestfitValue: number
  twiceNllMin: number
  diagnostics: InferenceDiagnostics
}

export interface ImpactReport {
  name: string
  index: number
  constraintType: 'normal' | 'poisson' | 'unconstrained'
  bestfit: number
  uncertainty: number
  prefitValue: number
  /** null for unconstrained parameters (no pre-fit impacts, pull or constraint). */
  prefitUncertainty: number | null
  pull: number | null
  constraint: number | null
  postfitUp: number
  postfitDown: number
  prefitUp: number | null
  prefitDown: number | null
  /** Mean of |postfitUp| and |postfitDown|: the ranking key. */
  total: number
}

export interface RankingReport {
  poi: string
  muHat: number
  muHatUncertainty: number
  impacts: ImpactReport[]
  nRanked: number
  diagnostics: InferenceDiagnostics
}

export interface ToysReport {
  mu: number
  testStat: TestStatisticName
  nToys: number
  seed: number
  observed: number
  /** CLs (q0: p0) with its Monte-Carlo standard error. */
  cls: number
  clsError: number
  clsb: number
  clsbError: number
  clb: number
  clbError: number
  clsExpected: number[]
  p0: number | null
  p0Error: number | null
  z0: number | null
  signalTeststats: number[]
  backgroundTeststats: number[]
  diagnostics: InferenceDiagnostics
}

/**
 * What an inference call runs on: workspace text (compiled per call, with `measurement` and
 * `interpcodes` from the options) or a compiled `Model` (shared, not recompiled; those two options
 * are then refused: they belong to `Model.compile`).
 */
export type InferenceModel = string | Model
export declare function inferHypotest(model: InferenceModel, mu: number, options?: InferenceOptions | null): Promise<HypotestReport>
export declare function inferDiscovery(model: InferenceModel, options?: InferenceOptions | null): Promise<DiscoveryReport>
export declare function inferTestStatistic(model: InferenceModel, mu: number, options?: InferenceOptions | null): Promise<TestStatisticReport>
/** inferTestStatistic on the calling thread: for tiny models only (it blocks the JS thread). */
export declare function inferTestStatisticSync(model: InferenceModel, mu: number, options?: InferenceOptions | null): TestStatisticReport
export declare function inferUpperLimit(model: InferenceModel, options?: InferenceOptions | null): Promise<UpperLimitReport>
export declare function inferProfileScan(
  model: InferenceModel,
  parameter: string,
  lo: number,
  hi: number,
  points: number,
  options?: InferenceOptions | null,
): Promise<ProfileScanReport>
export declare function inferRanking(model: InferenceModel, options?: InferenceOptions | null): Promise<RankingReport>
export declare function inferToys(model: InferenceModel, mu: number, options?: InferenceOptions | null): Promise<ToysReport>
export interface NtupleSampleSpec {
  file: string
  tree: string
  observable: string
  weight?: string
  selection?: string
}
export interface NtupleBinContent {
  sumw: number
  sumw2: number
  entries: number
}
export interface NtupleHistogram {
  edges: Array<number>
  sumw: Array<number>
  sumw2: Array<number>
  entries: Array<number>
  underflow: NtupleBinContent
  overflow: NtupleBinContent
}
export declare class NtupleSample {
  get events(): number
  range(): Array<number> | null
  total(): NtupleBinContent
  histogram(edges: Array<number>): NtupleHistogram
  histograms(edgeSets: Array<Array<number>>): Array<NtupleHistogram>
}
export declare function loadNtupleSample(spec: NtupleSampleSpec): Promise<NtupleSample>

// The studio's ROOT browser (native/ntuple contents.rs, summary.rs): both run off the JS thread.
export interface RootBranchInfo {
  name: string
  /** C++ type as the reader reports it (`double`, `int64_t`, `vector<float>`, …). */
  typeName: string
  /** One number per entry: can be histogrammed and used in expressions. */
  readable: boolean
  /** Why it cannot be read, when it cannot. */
  reason?: string
}
export interface RootTreeInfo {
  entries: number
  branches: Array<RootBranchInfo>
}
export interface RootKeyInfo {
  name: string
  className: string
  title: string
  /** Set for a TTree the reader could open. */
  tree?: RootTreeInfo
  /** Why the key cannot be browsed (not a tree, or a tree the reader cannot open). */
  note?: string
}
export interface RootFileContents {
  path: string
  keys: Array<RootKeyInfo>
}
/** The top-level keys of a ROOT file and every tree's entries and branches. */
export declare function listRootFile(path: string): Promise<RootFileContents>
export interface NtupleBranchSummarySpec {
  file: string
  tree: string
  /** A branch name or an expression of branches. */
  observable: string
  weight?: string
  selection?: string
  bins: number
  /** [low, high] of the histogram; the selected values' [min, max] when absent. */
  range?: Array<number>
}
export interface NtupleBranchSummary {
  entries: number
  selected: number
  /** Selected entries with a NaN or infinite value, left out of the rest. */
  nonFinite: number
  sumw: number
  sumw2: number
  min?: number
  max?: number
  /** Weighted mean and standard deviation; absent when the weights sum to 0. */
  mean?: number
  stdDev?: number
  /** Equal-width bins, the last one closed (numpy's convention). */
  histogram: NtupleHistogram
}
/** Range, weighted mean and spread, and an equal-width histogram of one branch. */
export declare function summarizeNtupleBranch(spec: NtupleBranchSummarySpec): Promise<NtupleBranchSummary>
/**
 * Branches ROOT browser summaries have read from files since the addon loaded: a summary reuses the
 * columns an earlier one read from the same, unchanged file (the last 4 trees, ≤ 256 MiB).
 */
export declare function ntupleSummaryBranchReads(): number

// GPU path (native/node/src/gpu.rs, crate histune-gpu). Every call runs off the JS thread; a
// missing or failing adapter never rejects: the work runs on the CPU and `note`/`notes` say why.

/** A Vulkan adapter as wgpu reports it. */
export interface GpuAdapter {
  name: string
  /** wgpu backend, e.g. 'Vulkan'. */
  backend: string
  /** 'DiscreteGpu', 'IntegratedGpu', 'VirtualGpu', 'Cpu' (software, e.g. lavapipe) or 'Other'. */
  device_type: string
  driver: string
  driver_info: string
  /** Offers SHADER_F64 (the f64 path). */
  f64: boolean
  max_storage_buffer_binding_size: number
  max_compute_workgroups_per_dimension: number
}

/** One precision's comparison of the GPU path with the CPU engine in the self-check. */
export interface GpuCheck {
  precision: 'f64' | 'f32'
  ok: boolean
  error?: string
  items?: number
  max_rel_diff_nll?: number
  max_rel_diff_grad?: number
  max_error_over_f32_bound?: number | null
  fits?: number
  fits_converged?: number
  /** Largest |ΔNLL| of the GPU fits to the same lockstep fits on the CPU engine (bound 1e-8). */
  fits_max_abs_diff_nll?: number
  /** Largest NLL of a GPU fit above the engine's own `Fitter` (another minimiser path; reported, not required). */
  fits_max_nll_above_engine_fitter?: number
  fit_rounds?: number
  eval_seconds?: number
}

/** `histune gpu --json`: what `gpuSelfCheck` returns (snake_case, as the Rust report). */
export interface GpuSelfCheck {
  adapters: GpuAdapter[]
  selected: GpuAdapter | null
  f64: boolean
  backend_choice: GpuDevice
  /** 'cpu' when no GPU could be used. */
  fallback: 'cpu' | null
  note: string | null
  model: { n_pars: number; n_main: number; sample_bins: number }
  /** Largest relative difference GPU vs CPU engine (NLL and gradient, first precision checked); null without a GPU. */
  max_rel_diff: number | null
  /** Toy fits per second of the check model (a small model and batch: a floor, not a benchmark). */
  fits_per_second: { fits: number; cpu: number | { error: string }; gpu: number | { error: string } | null }
  checks: GpuCheck[]
  plans: { batch: number; backend: { kind: 'cpu' | 'gpu'; precision?: 'f64' | 'f32' }; reason: string }[]
  crossovers: unknown[]
  /** False only when a GPU result is outside its bound or the GPU path failed. */
  ok: boolean
  error?: string
  elapsed_s: number
}

/** What the app shows about the GPU. */
export interface GpuStatus {
  adapters: { name: string; backend: string; deviceType: string; f64: boolean }[]
  /** The adapter in use, or null (then `note` says why). */
  selected: { name: string; backend: string; deviceType: string; driver: string; f64: boolean } | null
  note: string | null
  /** The last toy run, ranking or self-check in this process; before any, a short calibration on the self-check's model. */
  lastRun: { what: 'toys' | 'ranking' | 'self-check' | 'calibration'; backend: string; fitsPerSecond: number; fits: number } | null
}

export type GpuDevice = 'auto' | 'cpu' | 'gpu'

/** Expected cost of a batch of fits on each back end (seconds), from a measured CPU fit and a
 *  lockstep pilot's rounds × the measured GPU round cost (native/gpu/README.md, planner). */
export interface FitEstimate {
  fits: number
  batch: number
  cpuFitS: number
  cpuThreads: number
  gpuRoundS: number
  refineRoundS: number
  breakEvenRounds: number
  /** null when the pilot ran past break-even. */
  pilotRounds: { gpu: number; refine: number } | null
  cpuTotalS: number
  gpuTotalS: number | null
  gpu: boolean
  reason: string
}

/** Where `inferToysOn` ran the toy fits, and why. */
export interface ToyDevice {
  requested: GpuDevice
  /** 'cpu', 'gpu-f64' or 'gpu-f32' (f32 fits finished in f64 on the CPU). */
  backend: string
  adapter: string | null
  reason: string
  notes: string[]
  toyFits: number
  fitSeconds: number
  fitsPerSecond: number
  rounds: number
  /** 'auto' where the evaluations favour the GPU: the expected cost per fit that made the choice. */
  estimate: FitEstimate | null
}

export declare function gpuAdapters(): Promise<GpuAdapter[]>
export declare function gpuSelfCheck(device?: GpuDevice | null): Promise<GpuSelfCheck>
export declare function gpuStatus(): Promise<GpuStatus>
export declare function inferToysOn(
  model: InferenceModel,
  mu: number,
  device: GpuDevice,
  options?: InferenceOptions | null,
): Promise<ToysReport & { device: ToyDevice }>

/** Where `inferRankingOn` ran the refits (the free fit always runs on the CPU), and why. */
export interface RankingDevice {
  requested: GpuDevice
  /** 'cpu', 'gpu-f64' or 'gpu-f32' (f32 fits finished in f64 on the CPU). */
  backend: string
  adapter: string | null
  reason: string
  notes: string[]
  /** Refits: 2 per ranked parameter, 4 for those with a pre-fit width. */
  fits: number
  fitSeconds: number
  fitsPerSecond: number
  rounds: number
  /** 'auto' where the evaluations favour the GPU: the expected cost per fit that made the choice. */
  estimate: FitEstimate | null
}

export declare function inferRankingOn(
  model: InferenceModel,
  device: GpuDevice,
  options?: InferenceOptions | null,
): Promise<RankingReport & { device: RankingDevice }>

/** How one structure group of a candidate batch ran. */
export interface CandidateGroupRun {
  candidates: number
  /** 'cpu' (the per-trial path on all cores), 'gpu-f64' or 'gpu-f32' (f32 fits finished in f64 on the CPU). */
  backend: string
  reason: string
  /** Fallbacks on the way (empty when the plan ran as made). */
  notes: string[]
  fits: number
  fitSeconds: number
  rounds: number
  /** 'auto' where the evaluations favour the GPU: the expected cost per fit that made the choice
   *  (the first candidate's Z0 on the CPU engine is the measurement). */
  estimate?: FitEstimate | null
}

/** What `inferDiscoveryBatch` resolves to: per text its q0 report or its error, and where the groups ran. */
export interface CandidateDiscoveryBatch {
  results: (TestStatisticReport | { error: string })[]
  device: {
    requested: GpuDevice
    adapter: string | null
    /** Why there is no GPU, when there is none. */
    note: string | null
    groups: CandidateGroupRun[]
  }
}

/**
 * q0 at μ = 0 (`inferTestStatistic(text, 0, { testStat: 'q0' })`) of many candidate binnings, the
 * fits of candidates of one structure batched on `device`. Only `measurement` and `interpcodes`
 * of `options` apply.
 */
export declare function inferDiscoveryBatch(texts: string[], device: GpuDevice, options?: InferenceOptions | null): Promise<CandidateDiscoveryBatch>

/**
 * TPE's Parzen mixture at n points (main/study/samplers/tpe/parzen.ts): for each point, the best
 * kernel's log term and Σ exp(term − best) over the kernels within 50 of it, written to `out` as
 * [best₀, sum₀, best₁, sum₁, …]; the log density is best + Math.log(sum), bit-for-bit the
 * TypeScript loop's. Layouts: points[i·c + j], mus and halfPrecision [k·c + j], base[k] = log weight
 * − log normalisation; categorical dim d adds catLogProbs[catIndex[i·m + d] + k·catStride[d]].
 */
export declare function parzenMixtureTerms(
  points: Float64Array,
  mus: Float64Array,
  halfPrecision: Float64Array,
  base: Float64Array,
  catLogProbs: Float64Array,
  catIndex: Float64Array,
  catStride: Float64Array,
  out: Float64Array,
): void
