import { readFile, rename, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ConstraintsConfig, StudySettings } from '../binning/config'
import { parseStudyConfig } from '../binning/config'
import type { ChannelEdges } from '../binning/binned-model'
import { createBinningObjective, type BaselineResult, type BinningObjective } from '../binning/objective'
import { binningExports, type BinningExports } from '../binning/export'
import type { BatchScoringReport, ScoringDevice } from '../binning/batch-scoring'
import { HistuneError } from '../errors'
import {
  GridSampler,
  NSGAIISampler,
  QMCSampler,
  RandomSampler,
  Study,
  StudyRunner,
  TPESampler,
  getStorage,
  type FrozenTrial,
  type ParamValue,
  type Sampler,
  type StudyStorage,
  type Trial,
  type TrialFinishedEvent,
} from '../study'

/** Where a worker finds the study's config: stored with the study, so every worker evaluates the same objective. */
const CONFIG_ATTR = 'histune:config'
const CONFIG_FILE_ATTR = 'histune:config_file'
const DEFAULT_HEARTBEAT_S = 10

export interface OptimizeOptions {
  /** The study config (YAML/JSON); omitted for a worker joining a study that has its config stored. */
  configFile?: string
  storage?: string
  studyName?: string
  trials?: number
  seed?: number
  /** Objective evaluations in flight at once in this process. */
  workers?: number
  /** Where the discovery fits of evaluations in flight together run (default: the config's `study.device`, else auto). */
  device?: ScoringDevice
  /**
   * Seconds between heartbeats of running trials in shared storage; a trial silent for twice this
   * (a worker killed mid-trial) is failed by the next worker that asks. Default 10 s for persistent
   * storage, none in memory.
   */
  heartbeat?: number
  /** Write the best binning's pyhf workspace (built from all MC, with the observed data) here. */
  workspaceOut?: string
  onTrial?: (event: TrialFinishedEvent, nTrials: number) => void
  /** Aborts the run (the running trials become FAIL). */
  signal?: AbortSignal
}

export interface BestTrial {
  number: number
  values: number[]
  params: Record<string, ParamValue>
  edges: ChannelEdges
  heldout_value?: number
}

export interface OptimizeSummary {
  study: string
  storage: string
  directions: string[]
  best_value: number | null
  best_values: number[] | null
  best_params: Record<string, ParamValue> | null
  edges: ChannelEdges | null
  /** The best edges as TRExFitter (`Binning: …`) and cabinetry (`Binning: […]`) configs take them. */
  binning_exports: BinningExports | null
  heldout_value?: number
  /** With `selection: {method: kfold_rerank}`: how the reported trial was chosen. */
  selection?: KfoldChoice
  best_trials?: BestTrial[]
  baselines: Record<string, { value: number; edges: ChannelEdges; heldout_value?: number; error?: string }>
  /** The per-bin constraints every trial was checked against, defaults included (config names). */
  constraints: Record<string, number>
  n_trials: number
  n_complete: number
  n_fail: number
  n_infeasible: number
  elapsed_s: number
  /** With several workers: how the batched discovery fits ran (back ends, notes such as a missing GPU). */
  scoring?: BatchScoringReport
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())

export function makeSampler(settings: StudySettings, objective: BinningObjective, seed: number | undefined): Sampler {
  const options = Object.fromEntries(Object.entries(settings.samplerOptions).map(([k, v]) => [camel(k), v])) as Record<string, unknown>
  switch (settings.sampler) {
    case 'tpe':
    case 'motpe':
      return new TPESampler({ ...options, seed })
    case 'random':
      return new RandomSampler({ seed })
    case 'qmc':
      return new QMCSampler({ ...options, seed })
    case 'nsga2':
      return new NSGAIISampler({ ...options, seed })
    case 'grid': {
      const space: Record<string, ParamValue[]> = {}
      for (const p of objective.space) {
        if (p.type === 'categorical') {
          space[p.name] = [...p.choices]
          continue
        }
        if (p.type !== 'int') {
          throw new HistuneError('E_BAD_REQUEST', `the grid sampler needs a discrete space; ${p.name} is a float (use tpe, random or qmc)`, {
            path: 'study.sampler',
          })
        }
        const step = p.step ?? 1
        space[p.name] = Array.from({ length: Math.floor((p.high - p.low) / step) + 1 }, (_, i) => p.low + i * step)
      }
      return new GridSampler(space, { seed })
    }
  }
}

function suggest(trial: Trial, objective: BinningObjective): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {}
  for (const p of objective.space) {
    params[p.name] =
      p.type === 'categorical'
        ? trial.suggestCategorical(p.name, p.choices)
        : p.type === 'int'
          ? trial.suggestInt(p.name, p.low, p.high, { step: p.step ?? 1, log: p.log ?? false })
          : trial.suggestFloat(p.name, p.low, p.high, { step: p.step ?? null, log: p.log ?? false })
  }
  return params
}

/** One trial: suggest the binning parameters, score the binning, keep its edges, constraints and metrics. */
export function trialObjective(objective: BinningObjective): (trial: Trial) => Promise<number | number[]> {
  return async (trial) => {
    const evaluation = await objective.evaluate(suggest(trial, objective))
    trial.setConstraints(evaluation.constraints)
    trial.setUserAttr('edges', evaluation.edges)
    trial.setUserAttr('metrics', evaluation.metrics)
    if (evaluation.heldout_value !== undefined && Number.isFinite(evaluation.heldout_value)) {
      trial.setUserAttr('heldout_value', evaluation.heldout_value)
    }
    return evaluation.values.length === 1 ? evaluation.values[0]! : evaluation.values
  }
}

export const isFeasible = (t: FrozenTrial): boolean => {
  const c = t.systemAttrs.constraints
  return !Array.isArray(c) || c.every((v) => typeof v === 'number' && v <= 0)
}

/** The best feasible COMPLETE trials: the single best, or the Pareto front with several objectives. */
export function bestTrials(trials: FrozenTrial[], directions: readonly string[]): FrozenTrial[] {
  const sign = directions.map((d) => (d === 'maximize' ? -1 : 1))
  const candidates = trials.filter((t) => t.state === 'COMPLETE' && t.values !== null && isFeasible(t))
  const better = (a: number[], b: number[]): boolean =>
    a.every((v, i) => sign[i]! * v <= sign[i]! * b[i]!) && a.some((v, i) => sign[i]! * v < sign[i]! * b[i]!)
  if (directions.length === 1) {
    let best: FrozenTrial | undefined
    for (const t of candidates) if (best === undefined || sign[0]! * t.values![0]! < sign[0]! * best.values![0]!) best = t
    return best ? [best] : []
  }
  return candidates.filter((t) => !candidates.some((o) => o !== t && better(o.values!, t.values!)))
}

/** The constraints as the config names them: `{min_background: 5, max_mc_rel_error: 0.2}`. */
export function constraintsInEffect(constraints: ConstraintsConfig): Record<string, number> {
  const names: Record<keyof ConstraintsConfig, string> = { minBackground: 'min_background', maxMcRelError: 'max_mc_rel_error', minMcEvents: 'min_mc_events', minWidth: 'min_width' }
  const out: Record<string, number> = {}
  for (const [key, name] of Object.entries(names)) {
    const value = constraints[key as keyof ConstraintsConfig]
    if (value !== undefined) out[name] = value
  }
  return out
}

/** How `chooseTrial` picked the reported trial with `selection: {method: kfold_rerank}`. */
export interface KfoldChoice {
  method: 'kfold_rerank'
  k: number
  /** Distinct binnings re-ranked (the best `top` feasible trials). */
  candidates: number
  /** The chosen trial's mean over the inner folds, and per fold. */
  kfold_value: number
  kfold_values: number[]
  /** The trial with the best training value, which the re-ranking may have passed over. */
  best_training_trial: number
}

/**
 * The trial a single-objective study reports: the best feasible one, or with `selection:
 * {method: kfold_rerank}` the one of the `top` best feasible (distinct binnings) whose mean over
 * the inner folds is best. A candidate whose fold fit fails is passed over.
 */
export async function chooseTrial(
  trials: FrozenTrial[],
  directions: readonly string[],
  objective: BinningObjective,
): Promise<{ trial: FrozenTrial; kfold?: KfoldChoice } | undefined> {
  const sign = directions[0] === 'maximize' ? -1 : 1
  const selection = objective.config.selection
  const [best] = bestTrials(trials, directions)
  if (best === undefined || directions.length !== 1 || selection?.method !== 'kfold_rerank' || objective.foldScores === undefined) {
    return best === undefined ? undefined : { trial: best }
  }
  const ranked = trials.filter((t) => t.state === 'COMPLETE' && t.values !== null && isFeasible(t)).sort((a, b) => sign * (a.values![0]! - b.values![0]!))
  const seen = new Set<string>()
  const candidates: FrozenTrial[] = []
  for (const t of ranked) {
    const key = JSON.stringify(t.userAttrs.edges ?? t.params)
    if (seen.has(key)) continue
    seen.add(key)
    candidates.push(t)
    if (candidates.length === selection.top) break
  }
  let chosen: { trial: FrozenTrial; mean: number; values: number[] } | undefined
  for (const trial of candidates) {
    const scores = await objective.foldScores((trial.userAttrs.edges ?? {}) as ChannelEdges).catch(() => undefined)
    if (scores === undefined || !Number.isFinite(scores.mean)) continue
    if (chosen === undefined || sign * scores.mean < sign * chosen.mean) chosen = { trial, ...scores }
  }
  if (chosen === undefined) return { trial: best }
  return {
    trial: chosen.trial,
    kfold: { method: 'kfold_rerank', k: selection.k, candidates: candidates.length, kfold_value: chosen.mean, kfold_values: chosen.values, best_training_trial: best.number },
  }
}

const describeBest = (t: FrozenTrial): BestTrial => {
  const out: BestTrial = { number: t.number, values: t.values!, params: t.params, edges: (t.userAttrs.edges ?? {}) as ChannelEdges }
  if (typeof t.userAttrs.heldout_value === 'number') out.heldout_value = t.userAttrs.heldout_value
  return out
}

async function openStudy(options: OptimizeOptions, storage: StudyStorage): Promise<{ configText: string; configFile: string; studyName?: string }> {
  if (options.configFile !== undefined) {
    const configFile = resolve(options.configFile)
    let configText: string
    try {
      configText = await readFile(configFile, 'utf8')
    } catch (error) {
      throw new HistuneError('E_IO', `cannot read the study config: ${(error as Error).message}`, { file: options.configFile })
    }
    return { configText, configFile, studyName: options.studyName }
  }
  if (options.studyName === undefined) throw new HistuneError('E_BAD_REQUEST', 'a worker needs --study NAME (or a config file)')
  const study = await Study.load({ storage, studyName: options.studyName }).catch((error: unknown) => {
    throw new HistuneError('E_BAD_REQUEST', `cannot open study ${options.studyName}: ${(error as Error).message}`)
  })
  const attrs = await study.userAttrs()
  const configText = attrs[CONFIG_ATTR]
  const configFile = attrs[CONFIG_FILE_ATTR]
  if (typeof configText !== 'string' || typeof configFile !== 'string') {
    throw new HistuneError('E_BAD_REQUEST', `study ${options.studyName} was not created by histune optimize (it has no stored config): pass the config file`)
  }
  return { configText, configFile, studyName: options.studyName }
}

/** Write through a temporary file, so an interrupted write never leaves a half-written file behind. */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, text)
  await rename(temporary, path)
}

/** Store the config with a new study, so workers elsewhere evaluate the same objective. */
export async function rememberConfig(study: Study, configText: string, configFile: string, objective: BinningObjective): Promise<void> {
  const attrs = await study.userAttrs()
  if (attrs[CONFIG_ATTR] !== undefined) return
  await study.setUserAttr(CONFIG_ATTR, configText)
  await study.setUserAttr(CONFIG_FILE_ATTR, configFile)
  await study.setUserAttr('histune:constraint_names', objective.constraintNames)
}

/**
 * A new study starts from the baselines its search space can express (the exact DP optimum above
 * all): TPE then searches around a good binning instead of rediscovering it.
 */
export async function warmStart(study: Study, objective: BinningObjective, baselines: Record<string, BaselineResult>): Promise<void> {
  const ranked = Object.entries(baselines)
    .filter(([, b]) => Number.isFinite(b.value) && b.feasible !== false)
    .sort(([, a], [, b]) => (objective.directions[0] === 'maximize' ? b.value - a.value : a.value - b.value))
  for (const [name, baseline] of ranked) {
    const params = objective.encode(baseline.edges)
    if (params !== null) await study.enqueueTrial(params, { userAttrs: { baseline: name }, skipIfExists: true })
  }
}

/**
 * Run (or join) a binning study: the config's model and search space, evaluated trial by trial
 * into the study storage, with the baselines computed beside it. Used by `histune optimize`,
 * `histune worker` and the studio.
 */
export async function runBinningStudy(options: OptimizeOptions): Promise<OptimizeSummary> {
  const started = performance.now()
  const storageUrl = options.storage ?? ':memory:'
  const storage = await getStorage(storageUrl)
  try {
    const { configText, configFile, studyName } = await openStudy(options, storage)
    const config = parseStudyConfig(configText, configFile)
    const objective = await createBinningObjective(config, { configFile, scoring: { concurrency: options.workers ?? 1, device: options.device } })
    const seed = options.seed ?? config.study.seed
    let study: Study
    let baselines: Record<string, BaselineResult>
    try {
      study = await Study.create({
        storage,
        studyName: studyName ?? config.study.name,
        directions: objective.directions,
        sampler: makeSampler(config.study, objective, seed),
        loadIfExists: true,
        heartbeatInterval: options.heartbeat ?? (storageUrl === ':memory:' ? undefined : DEFAULT_HEARTBEAT_S),
      })
      await rememberConfig(study, configText, configFile, objective)

      baselines = await objective.baselines()
      const nTrials = options.trials ?? config.study.trials
      if ((await study.getTrials()).length === 0) await warmStart(study, objective, baselines)
      const runner = new StudyRunner(study, trialObjective(objective), { nTrials, concurrency: options.workers ?? 1 })
      if (options.onTrial) runner.on('trial', (event) => options.onTrial!(event, nTrials))
      options.signal?.addEventListener('abort', () => runner.cancel(), { once: true })
      await runner.run()
    } finally {
      await objective.close()
    }

    const trials = await study.getTrials()
    const best = bestTrials(trials, study.directions).map(describeBest)
    const choice = study.directions.length === 1 ? await chooseTrial(trials, study.directions, objective) : undefined
    const single = choice === undefined ? undefined : describeBest(choice.trial)
    const summary: OptimizeSummary = {
      study: study.studyName,
      storage: storageUrl,
      directions: [...study.directions],
      best_value: single?.values[0] ?? null,
      best_values: single?.values ?? null,
      best_params: single?.params ?? null,
      edges: single?.edges ?? null,
      binning_exports: single ? binningExports(single.edges) : null,
      baselines: Object.fromEntries(
        Object.entries(baselines).map(([name, b]: [string, BaselineResult]) => {
          const entry: OptimizeSummary['baselines'][string] = { value: b.value, edges: b.edges }
          if (b.heldout_value !== undefined) entry.heldout_value = b.heldout_value
          if (b.error !== undefined) entry.error = b.error
          return [name, entry]
        }),
      ),
      constraints: constraintsInEffect(config.constraints),
      n_trials: trials.length,
      n_complete: trials.filter((t) => t.state === 'COMPLETE').length,
      n_fail: trials.filter((t) => t.state === 'FAIL').length,
      n_infeasible: trials.filter((t) => t.state === 'COMPLETE' && !isFeasible(t)).length,
      elapsed_s: (performance.now() - started) / 1000,
    }
    if (single?.heldout_value !== undefined) summary.heldout_value = single.heldout_value
    if (choice?.kfold !== undefined) summary.selection = choice.kfold
    if (options.workspaceOut !== undefined && single !== undefined && Object.keys(single.edges).length > 0) {
      await writeFileAtomically(options.workspaceOut, JSON.stringify(objective.workspaceFor(single.edges), null, 1) + '\n')
    }
    if (study.directions.length > 1) summary.best_trials = best
    const scoring = objective.scoringReport?.() ?? null
    if (scoring !== null) summary.scoring = scoring
    return summary
  } finally {
    await storage.close()
  }
}
