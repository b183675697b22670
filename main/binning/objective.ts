/**
 * The binning objective of `histune optimize`: a study config turned into the parameters to
 * suggest and, per trial, the workspace at the decoded binning, its objective values, Optuna-style
 * constraint values (≤ 0 holds) and metrics. Infeasible binnings are still scored — the sampler
 * learns from their constraint values — and a failed fit throws a HistuneError (the trial FAILs).
 */

import { HistuneError } from '../errors'
import { baselineBinnings } from './baseline-set'
import { type BatchScoringReport, DiscoveryBatcher, type ScoringDevice } from './batch-scoring'
import type { BinnedModel, ChannelEdges, ChannelInfo } from './binned-model'
import type { BinYields } from './constraints'
import type { Histogram } from './histogram'
import { type BinningSpace, binningSpace, type ParameterDescriptor } from './binning-space'
import { type BuilderValue, type Direction, loadStudyConfig, type StudyConfig } from './config'
import { binSignificance, MC_STAT } from './constraints'
import { constraintNames, feasibility } from './feasibility'
import { nativeNtupleBinding, type NtupleBinding } from './ntuple'
import { NtupleModel, SampleCache } from './ntuple-model'
import { createPythonObjective } from './python-model'
import type { PyhfWorkspace } from './rebin-workspace'
import { scoreWorkspace } from './scoring'
import { ShapesModel } from './shapes'
import type { ParameterValues } from './space'
import { innerFolds, mcSplit } from './validation'
import { WorkspaceModel } from './workspace-model'

export type { ParameterDescriptor } from './binning-space'

export interface TrialEvaluation {
  /** One per objective, in config order. */
  values: number[]
  edges: ChannelEdges
  feasible: boolean
  /** Optuna constraint values (≤ 0 holds), named by `BinningObjective.constraintNames`. */
  constraints: number[]
  /** The workspace scored (the training MC part when validating), with the observed data. */
  workspace: PyhfWorkspace
  /** z0, p0, mu_hat, expected_limit, n_bins, z_mcstat, min_background, max_mc_rel_error, eval_ms, heldout_… */
  metrics: Record<string, number>
  /** The first objective on the held-out MC (validation split only). */
  heldout_value?: number
}

/** The first objective of a binning on each inner fold of the training MC (`selection`). */
export interface FoldScores {
  mean: number
  values: number[]
}

export interface BaselineResult extends Partial<TrialEvaluation> {
  method: string
  /** values[0]; NaN when the baseline does not exist or failed. */
  value: number
  edges: ChannelEdges
  error?: string
}

export interface BinningObjective {
  readonly config: StudyConfig
  readonly directions: Direction[]
  /** Objective names in order, e.g. ['z0', 'n_bins']. */
  readonly objectiveNames: string[]
  /** The parameters to suggest. */
  readonly space: ParameterDescriptor[]
  readonly constraintNames: string[]
  decode(params: ParameterValues): ChannelEdges
  /** Parameters that decode to `edges` (to enqueue a baseline), or null if the space cannot express them. */
  encode(edges: ChannelEdges): ParameterValues | null
  /** Numbers for a binning space; a Python builder's categorical parameters may also be strings, booleans or null. */
  evaluate(params: Record<string, BuilderValue>): Promise<TrialEvaluation>
  evaluateEdges(edges: ChannelEdges): Promise<TrialEvaluation>
  baselines(): Promise<Record<string, BaselineResult>>
  /** The workspace at `edges` from all MC events, with the observed data, for export. */
  workspaceFor(edges: ChannelEdges): PyhfWorkspace
  /** The channels of the model the trials score (ranges, fixed grids). */
  readonly channels: ChannelInfo[]
  /** Whether the scored model knows its background MC statistics (Σw², event counts). */
  readonly hasMcStatistics: boolean
  /** Per channel and bin: the yields the constraints are checked on. */
  binYields(edges: ChannelEdges): Record<string, BinYields[]>
  /** Total signal and background of `channel` at fine `edges` (the studio's preview). */
  fineHistograms(channel: string, edges: number[]): { signal: Histogram; background: Histogram }
  /** Stop what the objective runs beside the study (a Python builder's subprocess). */
  close(): Promise<void>
  /** With `selection`: the first objective on each inner fold of the training MC. */
  foldScores?(edges: ChannelEdges): Promise<FoldScores>
  /** What the batched discovery fits did (parallel evaluations only; null when trials are scored one by one). */
  scoringReport?(): BatchScoringReport | null
}

export interface BinningObjectiveOptions {
  /** The config file: relative paths in the config are resolved against its directory. */
  configFile?: string
  /** The ntuple reader (the native addon's unless given). */
  binding?: NtupleBinding
  /**
   * Evaluations the study runs at once (default 1) and where their discovery fits go (default:
   * the config's `study.device`, else auto). Above one evaluation and unless the device is `cpu`,
   * proposals of one structure in flight together are scored in one batch (batch-scoring.ts).
   */
  scoring?: { concurrency?: number; device?: ScoringDevice }
}

interface Models {
  /** Scores the trials. */
  train: BinnedModel
  /** Scores the chosen binnings on independent MC (validation split only). */
  heldout: BinnedModel | null
  /** All MC events: the exported workspaces. */
  full: BinnedModel
  /** The inner folds of the training MC (`selection` only). */
  folds: BinnedModel[]
}

async function buildModels(config: StudyConfig, options: BinningObjectiveOptions): Promise<Models> {
  const model = config.model
  switch (model.kind) {
    case 'python':
      throw new HistuneError('E_INTERNAL', 'a Python builder has no binned model')
    case 'shapes': {
      const shapes = new ShapesModel(model)
      return { train: shapes, heldout: null, full: shapes, folds: [] }
    }
    case 'workspace': {
      const workspace = WorkspaceModel.load(model, options.configFile)
      return { train: workspace, heldout: null, full: workspace, folds: [] }
    }
    case 'ntuples': {
      const binding = options.binding ?? nativeNtupleBinding()
      const cache = new SampleCache(binding)
      const base = { configFile: options.configFile, binding, cache }
      const full = await NtupleModel.load(model, base)
      // Smoothing is for the search only: the exported (full), held-out and fold models stay raw.
      const smoothing = model.smoothing
      if (config.validation === null && config.selection === null && smoothing === undefined) return { train: full, heldout: null, full, folds: [] }
      // The parts share the full sample's range (each part's own events span less).
      const ranged = { ...model, channels: model.channels.map((c, i) => ({ ...c, range: full.channels[i].range })) }
      const split = config.validation === null ? null : mcSplit(config.validation)
      const foldParts = config.selection === null ? [] : innerFolds(split?.train, config.selection.k, config.selection.seed)
      const [train, heldout, ...folds] = await Promise.all([
        split === null && smoothing === undefined ? full : NtupleModel.load(ranged, { ...base, part: split?.train, smoothing }),
        split === null ? null : NtupleModel.load(ranged, { ...base, part: split.heldout }),
        ...foldParts.map((part) => NtupleModel.load(ranged, { ...base, part })),
      ])
      return { train: train!, heldout, full, folds: folds as NtupleModel[] }
    }
  }
}

/** Any failure of a trial as a HistuneError: bad edges are the caller's, anything else the engine's or ours. */
function asTrialError(error: unknown, context?: string): HistuneError {
  const prefix = context === undefined ? '' : `${context}: `
  if (error instanceof HistuneError) return context === undefined ? error : new HistuneError(error.code, prefix + error.message, { path: error.path })
  const message = prefix + (error instanceof Error ? error.message : String(error))
  return new HistuneError(error instanceof RangeError ? 'E_BAD_REQUEST' : 'E_INTERNAL', message)
}

function withFile(error: unknown, file: string | undefined): unknown {
  if (error instanceof HistuneError && error.file === undefined && file !== undefined) {
    return new HistuneError(error.code, error.message, { path: error.path, file, line: error.line })
  }
  return error
}

export async function createBinningObjective(config: StudyConfig, options: BinningObjectiveOptions = {}): Promise<BinningObjective> {
  if (config.model.kind === 'python') return createPythonObjective(config, config.model, options)
  let models: Models
  let space: BinningSpace
  try {
    models = await buildModels(config, options)
    space = binningSpace(config.binning.channels, models.train.channels, { minWidth: config.constraints.minWidth })
  } catch (error) {
    throw withFile(error, options.configFile)
  }
  const { train, heldout, full, folds } = models
  const selection = config.selection
  const measurement = config.model.kind === 'workspace' ? config.model.measurement : undefined
  const names = constraintNames(config.constraints)
  const device = options.scoring?.device ?? config.study.device ?? 'auto'
  const concurrency = options.scoring?.concurrency ?? 1
  const batcher = concurrency > 1 && device !== 'cpu' ? new DiscoveryBatcher({ device, batchSize: concurrency, measurement }) : null
  const discovery = batcher === null ? undefined : batcher.discover.bind(batcher)

  function checkEdges(edges: ChannelEdges): void {
    for (const channel of train.channels) {
      const e = edges[channel.name]
      if (!Array.isArray(e) || e.length < 2 || e.some((x, i) => !Number.isFinite(x) || (i > 0 && !(x > e[i - 1])))) {
        throw new HistuneError('E_BAD_REQUEST', `channel ${channel.name} needs at least two strictly increasing finite edges`)
      }
    }
  }

  /** √Σ Z_i² with per-bin MC-stat significances: the figure the DP optimum maximises. */
  function mcStatZ(bins: readonly BinYields[]): number {
    let sumZ2 = 0
    for (const bin of bins) sumZ2 += binSignificance(bin, MC_STAT) ** 2
    return Math.sqrt(sumZ2)
  }

  async function score(model: BinnedModel, edges: ChannelEdges) {
    const workspace = model.workspace(edges)
    const bins = Object.values(model.binYields(edges)).flat()
    const check = feasibility(bins, config.constraints, model.hasMcStatistics)
    const { values, metrics } = await scoreWorkspace(workspace, config.objectives, { measurement, discovery })
    return { workspace, check, values, metrics: { ...metrics, ...check.metrics, z_mcstat: mcStatZ(bins) } }
  }

  async function foldScores(edges: ChannelEdges): Promise<FoldScores> {
    const values: number[] = []
    for (const [j, fold] of folds.entries()) {
      const { values: v } = await scoreWorkspace(fold.workspace(edges), config.objectives.slice(0, 1), { measurement, discovery }).catch((error: unknown) => {
        throw asTrialError(error, `inner fold ${j} of ${folds.length}`)
      })
      values.push(v[0])
    }
    return { mean: values.reduce((a, v) => a + v, 0) / values.length, values }
  }

  async function evaluateEdges(edges: ChannelEdges): Promise<TrialEvaluation> {
    const started = performance.now()
    try {
      checkEdges(edges)
      const main = await score(train, edges)
      const out: TrialEvaluation = { values: main.values, edges, feasible: main.check.feasible, constraints: main.check.values, workspace: main.workspace, metrics: main.metrics }
      if (selection?.method === 'kfold_mean') {
        // The trial's value is the mean over the inner folds; the training value stays a metric.
        const scores = await foldScores(edges)
        out.metrics.train_value = main.values[0]
        out.metrics.kfold_mean = scores.mean
        out.values = [scores.mean, ...main.values.slice(1)]
      }
      if (heldout !== null) {
        const held = await score(heldout, edges).catch((error: unknown) => {
          throw asTrialError(error, 'the held-out evaluation')
        })
        out.heldout_value = held.values[0]
        for (const [k, v] of Object.entries(held.metrics)) out.metrics[`heldout_${k}`] = v
      }
      out.metrics.eval_ms = performance.now() - started
      // Metrics end up in JSON storage: drop what JSON cannot hold (e.g. an infinite Z of a bin without background).
      for (const [k, v] of Object.entries(out.metrics)) if (!Number.isFinite(v)) delete out.metrics[k]
      return out
    } catch (error) {
      throw asTrialError(error)
    }
  }

  return {
    config,
    directions: config.study.directions,
    objectiveNames: config.objectives.map((o) => o.kind),
    space: space.parameters,
    constraintNames: names,
    decode: (params) => space.decode(params),
    encode: (edges) => space.encode(edges),
    // A binning space suggests numbers only.
    evaluate: async (params) => evaluateEdges(space.decode(params as ParameterValues)),
    evaluateEdges,
    async baselines() {
      const out: Record<string, BaselineResult> = {}
      let binnings: ReturnType<typeof baselineBinnings>
      try {
        binnings = baselineBinnings(config, train)
      } catch (error) {
        throw withFile(asTrialError(error, 'baselines'), options.configFile)
      }
      for (const [name, b] of Object.entries(binnings)) {
        if ('error' in b) {
          out[name] = { method: b.method, value: NaN, edges: {}, error: b.error }
          continue
        }
        try {
          const evaluation = await evaluateEdges(b.edges)
          out[name] = { method: b.method, ...evaluation, value: evaluation.values[0] }
        } catch (error) {
          out[name] = { method: b.method, value: NaN, edges: b.edges, error: (error as Error).message }
        }
      }
      return out
    },
    workspaceFor: (edges) => full.workspace(edges),
    channels: train.channels,
    hasMcStatistics: train.hasMcStatistics,
    binYields: (edges) => train.binYields(edges),
    fineHistograms: (channel, edges) => train.fineHistograms(channel, edges),
    close: () => Promise.resolve(),
    scoringReport: () => batcher?.report() ?? null,
    ...(folds.length > 0 ? { foldScores } : {}),
  }
}

/** Read a config file and build its objective. */
export async function loadBinningObjective(file: string, options: Omit<BinningObjectiveOptions, 'configFile'> = {}): Promise<BinningObjective> {
  return createBinningObjective(loadStudyConfig(file), { ...options, configFile: file })
}
