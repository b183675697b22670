/**
 * The study configuration of `histune optimize`: YAML or JSON (parsed with `yaml`), validated into
 * typed settings. Every error is a HistuneError E_SCHEMA (E_JSON_SYNTAX for unreadable text) naming
 * the file, the line and the config path, e.g. `model.samples[1].density`. The format is documented
 * in resources/examples/CONFIG.md.
 */

import { readFileSync } from 'node:fs'
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml'

import { HistuneError } from '../errors'
import { compileExpression, ExpressionError } from './expression'
import { andSelections, MAX_SPLIT_SEED } from './validation'

export type Direction = 'maximize' | 'minimize'
export type SamplerName = 'tpe' | 'random' | 'grid' | 'qmc' | 'nsga2' | 'motpe'

export interface StudySettings {
  name: string
  /** One per objective. */
  directions: Direction[]
  sampler: SamplerName
  /** Passed to the sampler as given (e.g. n_startup_trials). */
  samplerOptions: Record<string, unknown>
  seed?: number
  trials: number
  /**
   * Where the discovery fits of proposals evaluated together (`--workers` > 1) run: `auto` (the
   * default: GPU or CPU from the measured crossover), `cpu` (each trial on its own, as with one
   * worker) or `gpu` (lockstep batches on the GPU; the CPU with a note when there is none).
   */
  device?: 'auto' | 'cpu' | 'gpu'
}

/** Which data the fits see: the nominal expectation (blind, the default) or the observed data. */
export type FitData = 'asimov' | 'observed'

export type ObjectiveSpec =
  | { kind: 'z0'; data: FitData }
  | { kind: 'expected_limit'; data: FitData; cl: number }
  | { kind: 'z0_minus_impact'; data: FitData; lambda: number; topN: number | null }
  | { kind: 'n_bins' }

export const NATURAL_DIRECTION: Record<ObjectiveSpec['kind'], Direction> = {
  z0: 'maximize',
  expected_limit: 'minimize',
  z0_minus_impact: 'maximize',
  n_bins: 'minimize',
}

/** A pyhf modifier as written in the config; `data` is checked per model kind. */
export interface ModifierConfig {
  name: string
  type: 'normfactor' | 'normsys' | 'lumi' | 'shapefactor' | 'histosys' | 'staterror'
  data: unknown
}

export interface MeasurementConfig {
  name: string
  poi: string
  /** pyhf measurement parameter settings (bounds, inits, fixed, auxdata, sigmas), passed through. */
  parameters: Record<string, unknown>[]
}

export interface ShapeSampleConfig {
  name: string
  density: string
  /** normfactor/normsys/lumi/shapefactor as in pyhf; histosys with data {hi_density, lo_density}. */
  modifiers: ModifierConfig[]
}

export interface ShapesChannelConfig {
  name: string
  /** The variable of the density expressions. */
  observable: string
  range: [number, number]
  samples: ShapeSampleConfig[]
  /** Observed counts: the nominal expectation, or events at the given observable values. */
  data: 'asimov' | { events: number[] }
  /** Config path of the channel (`model`, or `model.channels[1]`), for messages. */
  path: string
}

export interface ShapesModelConfig {
  kind: 'shapes'
  /** Yields: ∫ density over the bin (true), or density(bin centre) × width (false). */
  integrate: boolean
  channels: ShapesChannelConfig[]
  measurement: MeasurementConfig
}

/** Where events of a sample or variation come from; unset fields come from the nominal sample. */
export interface NtupleSource {
  file: string
  tree: string
  weight?: string
  selection?: string
}

/** histosys from ntuples: an up source and a down source, or the up one mirrored about nominal. */
export interface NtupleHistosys {
  up: Partial<NtupleSource>
  down: Partial<NtupleSource> | 'symmetrize'
}

export interface NtupleSampleConfig extends NtupleSource {
  name: string
  /** staterror data and histosys templates are filled from the ntuples (see NtupleHistosys). */
  modifiers: ModifierConfig[]
}

export interface NtupleChannelConfig {
  name: string
  observable: string
  /** The model's and the channel's selections together. */
  selection?: string
  /** Observable range; from the samples when absent. */
  range?: [number, number]
  samples: NtupleSampleConfig[]
  data: 'asimov' | NtupleSource
  /** Config path of the channel (`model`, or `model.channels[1]`), for messages. */
  path: string
}

/**
 * `smoothing: keys | kde` (keys unless `none`): the search scores binnings on kernel-smoothed
 * training templates (see smoothing.ts); staterror, the constraints and the held-out scores use
 * the raw events.
 */
export type SmoothingConfig =
  | {
      method: 'kde'
      /** The kernel's standard deviation in observable units; Silverman's rule per sample when absent. */
      bandwidth?: number
    }
  | {
      /** RooKeysPdf's adaptive kernels. */
      method: 'keys'
      /** RooKeysPdf's bandwidth scale ρ (1 when absent). */
      rho?: number
    }

export interface NtuplesModelConfig {
  kind: 'ntuples'
  channels: NtupleChannelConfig[]
  measurement: MeasurementConfig
  /** Absent (`smoothing: none`): the templates are the raw MC histograms. */
  smoothing?: SmoothingConfig
}

export interface WorkspaceChannelConfig {
  /** Fine bin edges; the bin indices 0 … n when absent. */
  edges?: number[]
}

export interface WorkspaceModelConfig {
  kind: 'workspace'
  file: string
  channels: Record<string, WorkspaceChannelConfig>
  /** Measurement to use; the workspace's first when absent. */
  measurement?: string
}

/** A user's Python function `build_workspace(**params) -> dict`, run in a persistent subprocess. */
export interface PythonModelConfig {
  kind: 'python'
  file: string
  function: string
  /** The interpreter (a name on PATH or a path). */
  python: string
  /** Seconds one call may take before the builder is restarted and the trial fails. */
  timeoutS: number
  /** Measurement to use; the workspace's first when absent. */
  measurement?: string
}

export type ModelConfig = ShapesModelConfig | NtuplesModelConfig | WorkspaceModelConfig | PythonModelConfig

/** A value the study may pass to a Python builder (JSON scalars). */
export type BuilderValue = null | boolean | number | string

/** One keyword argument of a Python builder: searched in a range or among choices, or fixed. */
export type BuilderParameter =
  | ({ name: string; type: 'int' | 'float' } & ParameterRange)
  | { name: string; type: 'categorical'; choices: BuilderValue[] }
  | { name: string; type: 'fixed'; value: BuilderValue }

export interface ParameterRange {
  low: number
  high: number
  step?: number
  log?: boolean
}

/** A fine grid: n equal bins, a bin width, or explicit edges. */
export type FineGridConfig = { bins: number } | { width: number } | { edges: number[] }

export type ChannelBinningConfig =
  | { space: 'uniform'; nBins: ParameterRange; lo: ParameterRange | number | null; hi: ParameterRange | number | null }
  | { space: 'free_edges'; nBins: ParameterRange; minWidth: number | null }
  | { space: 'fine_merges'; nBins: ParameterRange; fine: FineGridConfig | null; minFineBins: number }

export interface BinningConfig {
  /** Per channel name; `*` is the spec shared by channels not listed. */
  channels: Record<string, ChannelBinningConfig>
}

export interface ConstraintsConfig {
  minBackground?: number
  maxMcRelError?: number
  minMcEvents?: number
  minWidth?: number
}

export type BaselineMethod =
  | { kind: 'equal_width' }
  | { kind: 'flat_signal' }
  | { kind: 'flat_background' }
  | { kind: 'transfo_d'; zs?: number; zb?: number }
  | { kind: 'transfo_f'; zs?: number; zb?: number }
  | { kind: 'dp_optimum' }

export interface BaselinesConfig {
  methods: BaselineMethod[]
  /** Bin counts; when absent, those of the transfo_d/transfo_f baselines with explicit zs, zb. */
  nBins: number[] | null
  fine: FineGridConfig | null
}

export type ValidationConfig = { split: 'odd_even' } | { split: 'kfold'; k: number; fold: number; seed?: number }

/**
 * Choosing the binning with k folds of the training MC (ntuples): `kfold_rerank` re-ranks the `top`
 * best trials by their mean value over the folds (each fold alone, reweighted ×k); `kfold_mean`
 * makes that mean every trial's objective value. A fold's staterror is √k times larger, so bins on
 * few MC events score worse; but the folds carry the training MC's fluctuations, and on the bundled
 * ntuples neither beats the plain choice on held-out MC (test/bench/heldout_vs_transfod.mjs).
 */
export interface SelectionConfig {
  method: 'kfold_rerank' | 'kfold_mean'
  k: number
  /** kfold_rerank: how many of the best feasible trials are re-ranked. */
  top: number
  /** The fold assignment's seed (a pseudo-random partition, independent of the validation split's). */
  seed: number
}

export interface StudyConfig {
  study: StudySettings
  objectives: ObjectiveSpec[]
  model: ModelConfig
  binning: BinningConfig
  constraints: ConstraintsConfig
  baselines: BaselinesConfig
  validation: ValidationConfig | null
  /** How the reported binning is chosen among the trials; null: the best training value. */
  selection: SelectionConfig | null
  /** The builder's keyword arguments (kind: python only; empty otherwise). */
  parameters: BuilderParameter[]
}

type Path = (string | number)[]

/** `model.samples[1].density` */
export function formatConfigPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

const describe = (v: unknown): string =>
  v === null || v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`

/** Typed access to a parsed document; failures name the path and its line. */
class Reader {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string | undefined,
  ) {}

  line(path: Path): number | undefined {
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = p.length === 0 ? this.doc.contents : (this.doc.getIn(p, true) as { range?: [number, number, number] } | undefined)
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range
      if (range) return this.lines.linePos(range[0]).line
      if (p.length === 0) return undefined
    }
  }

  fail(path: Path, message: string): never {
    const where = formatConfigPath(path)
    throw new HistuneError('E_SCHEMA', message, { path: where === '' ? undefined : where, file: this.file, line: this.line(path) })
  }

  mapping(v: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected a mapping, got ${describe(v)}`)
    const m = v as Record<string, unknown>
    for (const key of Object.keys(m)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown key "${key}" (expected one of: ${allowed.join(', ')})`)
    }
    return m
  }

  list(v: unknown, path: Path, { nonEmpty = true } = {}): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${describe(v)}`)
    if (nonEmpty && v.length === 0) this.fail(path, 'the list is empty')
    return v
  }

  string(v: unknown, path: Path): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, `expected a non-empty string, got ${describe(v)}`)
    return v
  }

  number(v: unknown, path: Path, check?: { min?: number; above?: number; max?: number }): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `expected a number, got ${describe(v)}`)
    if (check?.min !== undefined && v < check.min) this.fail(path, `must be at least ${check.min}, got ${v}`)
    if (check?.above !== undefined && !(v > check.above)) this.fail(path, `must be greater than ${check.above}, got ${v}`)
    if (check?.max !== undefined && v > check.max) this.fail(path, `must be at most ${check.max}, got ${v}`)
    return v
  }

  integer(v: unknown, path: Path, min?: number): number {
    const n = this.number(v, path, min === undefined ? undefined : { min })
    if (!Number.isInteger(n)) this.fail(path, `expected an integer, got ${n}`)
    return n
  }

  boolean(v: unknown, path: Path): boolean {
    if (typeof v !== 'boolean') this.fail(path, `expected true or false, got ${describe(v)}`)
    return v
  }

  oneOf<T extends string>(v: unknown, path: Path, choices: readonly T[]): T {
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.fail(path, `expected one of ${choices.join(', ')}, got ${describe(v)}`)
    }
    return v as T
  }

  required(m: Record<string, unknown>, key: string, path: Path): unknown {
    if (m[key] === undefined || m[key] === null) this.fail(path, `"${key}" is required`)
    return m[key]
  }

  range(v: unknown, path: Path): [number, number] {
    const list = this.list(v, path)
    if (list.length !== 2) this.fail(path, `expected [low, high], got ${list.length} numbers`)
    const lo = this.number(list[0], [...path, 0])
    const hi = this.number(list[1], [...path, 1])
    if (!(hi > lo)) this.fail(path, `need low < high, got [${lo}, ${hi}]`)
    return [lo, hi]
  }

  increasing(v: unknown, path: Path, minLength: number): number[] {
    const list = this.list(v, path).map((x, i) => this.number(x, [...path, i]))
    if (list.length < minLength) this.fail(path, `need at least ${minLength} numbers, got ${list.length}`)
    for (let i = 1; i < list.length; i++) if (!(list[i] > list[i - 1])) this.fail([...path, i], `edges must increase strictly`)
    return list
  }

  expression(v: unknown, path: Path, variable: string): string {
    const text = this.string(v, path)
    try {
      compileExpression(text, variable)
    } catch (error) {
      if (error instanceof ExpressionError) this.fail(path, `${error.message} in "${text}"`)
      throw error
    }
    return text
  }
}

const SAMPLERS = ['tpe', 'random', 'grid', 'qmc', 'nsga2', 'motpe'] as const

function readObjective(r: Reader, v: unknown, path: Path): ObjectiveSpec {
  const kinds = ['z0', 'expected_limit', 'z0_minus_impact', 'n_bins'] as const
  let kind: (typeof kinds)[number]
  let options: Record<string, unknown> = {}
  let optionsPath = path
  if (typeof v === 'string') {
    kind = r.oneOf(v, path, kinds)
  } else {
    const m = r.mapping(v, path, kinds)
    const keys = Object.keys(m)
    if (keys.length !== 1) r.fail(path, `an objective is a name or a mapping with one key (${kinds.join(', ')})`)
    kind = keys[0] as (typeof kinds)[number]
    optionsPath = [...path, kind]
    options = m[kind] === null ? {} : r.mapping(m[kind], optionsPath, ['data', 'lambda', 'top_n', 'cl'])
  }
  const allowed: Record<string, string[]> = { z0: ['data'], expected_limit: ['data', 'cl'], z0_minus_impact: ['data', 'lambda', 'top_n'], n_bins: [] }
  for (const key of Object.keys(options)) {
    if (!allowed[kind].includes(key)) r.fail([...optionsPath, key], `objective ${kind} has no option "${key}"`)
  }
  const data = options.data === undefined ? 'asimov' : r.oneOf(options.data, [...optionsPath, 'data'], ['asimov', 'observed'] as const)
  switch (kind) {
    case 'z0':
      return { kind, data }
    case 'expected_limit':
      return { kind, data, cl: options.cl === undefined ? 0.95 : r.number(options.cl, [...optionsPath, 'cl'], { above: 0, max: 0.999999 }) }
    case 'z0_minus_impact':
      return {
        kind,
        data,
        lambda: r.number(r.required(options, 'lambda', optionsPath), [...optionsPath, 'lambda'], { min: 0 }),
        topN: options.top_n === undefined ? null : r.integer(options.top_n, [...optionsPath, 'top_n'], 1),
      }
    case 'n_bins':
      return { kind }
  }
}

function readStudy(r: Reader, v: unknown, objectives: ObjectiveSpec[]): StudySettings {
  const path = ['study']
  const m = r.mapping(v ?? {}, path, ['name', 'direction', 'sampler', 'seed', 'trials', 'device'])
  const natural = objectives.map((o) => NATURAL_DIRECTION[o.kind])
  let directions = natural
  if (m.direction !== undefined) {
    const given = Array.isArray(m.direction) ? m.direction : [m.direction]
    const dpath = [...path, 'direction']
    if (given.length !== objectives.length) r.fail(dpath, `${given.length} direction(s) for ${objectives.length} objective(s)`)
    directions = given.map((d, i) => r.oneOf(d, Array.isArray(m.direction) ? [...dpath, i] : dpath, ['maximize', 'minimize'] as const))
    directions.forEach((d, i) => {
      if (d !== natural[i]) r.fail(dpath, `objective ${objectives[i].kind} is ${natural[i] === 'maximize' ? 'maximised' : 'minimised'}; the direction says ${d}`)
    })
  }
  let sampler: SamplerName = 'tpe'
  let samplerOptions: Record<string, unknown> = {}
  if (typeof m.sampler === 'string' || m.sampler === undefined) {
    sampler = m.sampler === undefined ? 'tpe' : r.oneOf(m.sampler, [...path, 'sampler'], SAMPLERS)
  } else {
    const s = r.mapping(m.sampler, [...path, 'sampler'], ['name', 'options'])
    sampler = r.oneOf(r.required(s, 'name', [...path, 'sampler']), [...path, 'sampler', 'name'], SAMPLERS)
    if (s.options !== undefined) samplerOptions = r.mapping(s.options, [...path, 'sampler', 'options'], Object.keys(s.options ?? {}))
  }
  return {
    name: m.name === undefined ? 'histune-binning' : r.string(m.name, [...path, 'name']),
    directions,
    sampler,
    samplerOptions,
    seed: m.seed === undefined ? undefined : r.integer(m.seed, [...path, 'seed'], 0),
    trials: m.trials === undefined ? 100 : r.integer(m.trials, [...path, 'trials'], 1),
    ...(m.device === undefined ? {} : { device: r.oneOf(m.device, [...path, 'device'], ['auto', 'cpu', 'gpu'] as const) }),
  }
}

const MODIFIER_TYPES = ['normfactor', 'normsys', 'lumi', 'shapefactor', 'histosys', 'staterror'] as const

function readModifier(r: Reader, v: unknown, path: Path, kind: 'shapes' | 'ntuples'): ModifierConfig {
  const m = r.mapping(v, path, ['name', 'type', 'data'])
  const name = r.string(r.required(m, 'name', path), [...path, 'name'])
  const type = r.oneOf(r.required(m, 'type', path), [...path, 'type'], MODIFIER_TYPES)
  const dpath = [...path, 'data']
  switch (type) {
    case 'normfactor':
    case 'lumi':
    case 'shapefactor':
      if (m.data !== undefined && m.data !== null) r.fail(dpath, `a ${type} modifier has data: null`)
      return { name, type, data: null }
    case 'normsys': {
      const d = r.mapping(r.required(m, 'data', path), dpath, ['hi', 'lo'])
      return { name, type, data: { hi: r.number(r.required(d, 'hi', dpath), [...dpath, 'hi']), lo: r.number(r.required(d, 'lo', dpath), [...dpath, 'lo']) } }
    }
    case 'staterror':
      if (kind === 'shapes') r.fail([...path, 'type'], 'analytic shapes have no MC statistical uncertainty (staterror needs kind: ntuples)')
      if (m.data !== undefined && m.data !== null) r.fail(dpath, 'staterror data are filled from the ntuples (sqrt of Σw²): leave data out')
      return { name, type, data: null }
    case 'histosys': {
      if (kind === 'shapes') {
        const d = r.mapping(r.required(m, 'data', path), dpath, ['hi_density', 'lo_density'])
        return { name, type, data: { hi_density: r.string(r.required(d, 'hi_density', dpath), [...dpath, 'hi_density']), lo_density: r.string(r.required(d, 'lo_density', dpath), [...dpath, 'lo_density']) } }
      }
      const d = r.mapping(r.required(m, 'data', path), dpath, ['up', 'down', 'symmetrize'])
      const source = (s: unknown, p: Path): Partial<NtupleSource> => {
        const x = r.mapping(s, p, ['file', 'tree', 'weight', 'selection'])
        if (Object.keys(x).length === 0) r.fail(p, 'give at least one of file, tree, weight, selection')
        const out: Partial<NtupleSource> = {}
        for (const key of ['file', 'tree', 'weight', 'selection'] as const) if (x[key] !== undefined) out[key] = r.string(x[key], [...p, key])
        return out
      }
      const up = source(r.required(d, 'up', dpath), [...dpath, 'up'])
      const symmetrize = d.symmetrize === undefined ? false : r.boolean(d.symmetrize, [...dpath, 'symmetrize'])
      if (symmetrize && d.down !== undefined) r.fail([...dpath, 'down'], 'give either down or symmetrize: true, not both')
      if (!symmetrize && d.down === undefined) r.fail(dpath, 'a histosys needs "down" or "symmetrize: true"')
      const histosys: NtupleHistosys = { up, down: symmetrize ? 'symmetrize' : source(d.down, [...dpath, 'down']) }
      return { name, type, data: histosys }
    }
  }
}

function readModifiers(r: Reader, v: unknown, path: Path, kind: 'shapes' | 'ntuples'): ModifierConfig[] {
  if (v === undefined || v === null) return []
  return r.list(v, path, { nonEmpty: false }).map((x, i) => readModifier(r, x, [...path, i], kind))
}

function readMeasurement(r: Reader, v: unknown, path: Path, samples: { modifiers: ModifierConfig[] }[]): MeasurementConfig {
  const m = r.mapping(v ?? {}, path, ['name', 'poi', 'parameters'])
  const normfactors = [...new Set(samples.flatMap((s) => s.modifiers.filter((x) => x.type === 'normfactor').map((x) => x.name)))]
  let poi: string
  if (m.poi !== undefined) {
    poi = r.string(m.poi, [...path, 'poi'])
    if (!normfactors.includes(poi)) r.fail([...path, 'poi'], `the POI "${poi}" is not a normfactor of any sample (normfactors: ${normfactors.join(', ') || 'none'})`)
  } else {
    if (normfactors.length !== 1) r.fail(path, `"poi" is required: ${normfactors.length === 0 ? 'no sample has a normfactor' : `several normfactors (${normfactors.join(', ')})`}`)
    poi = normfactors[0]
  }
  const parameters =
    m.parameters === undefined
      ? []
      : r.list(m.parameters, [...path, 'parameters'], { nonEmpty: false }).map((p, i) => {
          const pp = [...path, 'parameters', i]
          const x = r.mapping(p, pp, ['name', 'bounds', 'inits', 'fixed', 'auxdata', 'sigmas', 'factors'])
          r.string(r.required(x, 'name', pp), [...pp, 'name'])
          return x
        })
  return { name: m.name === undefined ? 'measurement' : r.string(m.name, [...path, 'name']), poi, parameters }
}

function checkNames(r: Reader, items: { name: string }[], path: Path, what: string): void {
  const seen = new Set<string>()
  items.forEach((item, i) => {
    if (seen.has(item.name)) r.fail([...path, i, 'name'], `duplicate ${what} name "${item.name}"`)
    seen.add(item.name)
  })
}

const CHANNEL_KEYS = ['channel', 'range', 'samples', 'data']

/**
 * The channels of a shapes or ntuples model: a `channels` list, or one channel written at the model
 * level (`channel`, `range`, `samples`, `data`); `read` gets the channel's mapping, path and name.
 */
function readChannels<T extends { name: string }>(
  r: Reader,
  m: Record<string, unknown>,
  path: Path,
  channelKeys: string[],
  read: (c: Record<string, unknown>, path: Path, name: string) => T,
): T[] {
  if (m.channels === undefined) {
    return [read(m, path, m.channel === undefined ? 'SR' : r.string(m.channel, [...path, 'channel']))]
  }
  for (const key of CHANNEL_KEYS) if (m[key] !== undefined) r.fail([...path, key], `give "${key}" per channel in model.channels, or no channels list`)
  const cpath = [...path, 'channels']
  const channels = r.list(m.channels, cpath).map((c, i) => {
    const p = [...cpath, i]
    const x = r.mapping(c, p, ['name', ...channelKeys])
    return read(x, p, r.string(r.required(x, 'name', p), [...p, 'name']))
  })
  checkNames(r, channels, cpath, 'channel')
  return channels
}

/** Modifier names may contain `{channel}` (e.g. `staterror_{channel}`), replaced by the channel name. */
function inChannel(modifiers: ModifierConfig[], channel: string): ModifierConfig[] {
  return modifiers.map((m) => ({ ...m, name: m.name.replaceAll('{channel}', channel) }))
}

function readShapes(r: Reader, m: Record<string, unknown>, path: Path): ShapesModelConfig {
  const defaultObservable = m.observable === undefined ? 'x' : r.string(m.observable, [...path, 'observable'])
  const channels = readChannels(r, m, path, ['observable', 'range', 'samples', 'data'], (c, cpath, name): ShapesChannelConfig => {
    const observable = c !== m && c.observable !== undefined ? r.string(c.observable, [...cpath, 'observable']) : defaultObservable
    const spath = [...cpath, 'samples']
    const samples = r.list(r.required(c, 'samples', cpath), spath).map((s, i) => {
      const p = [...spath, i]
      const x = r.mapping(s, p, ['name', 'density', 'modifiers'])
      const modifiers = inChannel(readModifiers(r, x.modifiers, [...p, 'modifiers'], 'shapes'), name)
      modifiers.forEach((mod, k) => {
        if (mod.type !== 'histosys') return
        const d = mod.data as { hi_density: string; lo_density: string }
        r.expression(d.hi_density, [...p, 'modifiers', k, 'data', 'hi_density'], observable)
        r.expression(d.lo_density, [...p, 'modifiers', k, 'data', 'lo_density'], observable)
      })
      return {
        name: r.string(r.required(x, 'name', p), [...p, 'name']),
        density: r.expression(r.required(x, 'density', p), [...p, 'density'], observable),
        modifiers,
      }
    })
    checkNames(r, samples, spath, 'sample')
    let data: ShapesChannelConfig['data'] = 'asimov'
    if (c.data !== undefined && c.data !== 'asimov') {
      const dpath = [...cpath, 'data']
      const d = r.mapping(c.data, dpath, ['events'])
      data = { events: r.list(r.required(d, 'events', dpath), [...dpath, 'events'], { nonEmpty: false }).map((e, i) => r.number(e, [...dpath, 'events', i])) }
    }
    return { name, observable, range: r.range(r.required(c, 'range', cpath), [...cpath, 'range']), samples, data, path: formatConfigPath(cpath) }
  })
  return {
    kind: 'shapes',
    integrate: m.integrate === undefined ? true : r.boolean(m.integrate, [...path, 'integrate']),
    channels,
    measurement: readMeasurement(r, m.measurement, [...path, 'measurement'], channels.flatMap((c) => c.samples)),
  }
}

function readSource(r: Reader, v: unknown, path: Path, required: boolean): Partial<NtupleSource> {
  const m = r.mapping(v, path, ['file', 'tree', 'weight', 'selection'])
  const out: Partial<NtupleSource> = {}
  for (const key of ['file', 'tree', 'weight', 'selection'] as const) {
    if (m[key] !== undefined) out[key] = r.string(m[key], [...path, key])
    else if (required && (key === 'file' || key === 'tree')) r.fail(path, `"${key}" is required`)
  }
  return out
}

function readNtuples(r: Reader, m: Record<string, unknown>, path: Path): NtuplesModelConfig {
  const shared = readModifiers(r, m.modifiers, [...path, 'modifiers'], 'ntuples')
  const modelSelection = m.selection === undefined ? undefined : r.string(m.selection, [...path, 'selection'])
  const defaultObservable = m.observable === undefined ? undefined : r.string(m.observable, [...path, 'observable'])
  const channels = readChannels(r, m, path, ['observable', 'selection', 'range', 'samples', 'data'], (c, cpath, name): NtupleChannelConfig => {
    const inList = c !== m
    const observable = inList && c.observable !== undefined ? r.string(c.observable, [...cpath, 'observable']) : defaultObservable
    if (observable === undefined) r.fail(inList ? cpath : path, '"observable" is required')
    const selection = inList && c.selection !== undefined ? andSelections(modelSelection, r.string(c.selection, [...cpath, 'selection'])) : modelSelection
    const spath = [...cpath, 'samples']
    const samples = r.list(r.required(c, 'samples', cpath), spath).map((s, i) => {
      const p = [...spath, i]
      const x = r.mapping(s, p, ['name', 'file', 'tree', 'weight', 'selection', 'modifiers'])
      const source = readSource(r, { file: x.file, tree: x.tree, weight: x.weight, selection: x.selection }, p, true) as NtupleSource
      const own = readModifiers(r, x.modifiers, [...p, 'modifiers'], 'ntuples')
      const modifiers = inChannel([...shared, ...own.filter((o) => !shared.some((sm) => sm.name === o.name && sm.type === o.type))], name)
      return { name: r.string(r.required(x, 'name', p), [...p, 'name']), ...source, modifiers }
    })
    checkNames(r, samples, spath, 'sample')
    const data = c.data === undefined || c.data === 'asimov' ? 'asimov' : (readSource(r, c.data, [...cpath, 'data'], true) as NtupleSource)
    const range = c.range === undefined ? undefined : r.range(c.range, [...cpath, 'range'])
    return { name, observable, selection, range, samples, data, path: formatConfigPath(cpath) }
  })
  const smoothing = readSmoothing(r, m.smoothing, [...path, 'smoothing'])
  return { kind: 'ntuples', channels, measurement: readMeasurement(r, m.measurement, [...path, 'measurement'], channels.flatMap((c) => c.samples)), ...(smoothing ? { smoothing } : {}) }
}

/** `smoothing: none | keys | kde`, `{method: keys, rho: ρ}` or `{method: kde, bandwidth: h}`; keys when absent. */
function readSmoothing(r: Reader, v: unknown, path: Path): SmoothingConfig | undefined {
  if (v === undefined || v === null) return { method: 'keys' }
  if (v === 'none') return undefined
  if (typeof v === 'string') return { method: r.oneOf(v, path, ['none', 'keys', 'kde'] as const) as 'keys' | 'kde' }
  const m = r.mapping(v, path, ['method', 'bandwidth', 'rho'])
  const method = r.oneOf(r.required(m, 'method', path), [...path, 'method'], ['keys', 'kde'] as const)
  const [own, other] = method === 'keys' ? ['rho', 'bandwidth'] : ['bandwidth', 'rho']
  if (m[other] !== undefined) r.fail([...path, other], `${other} is not an option of ${method} smoothing`)
  return m[own] === undefined ? { method } : ({ method, [own]: r.number(m[own], [...path, own], { above: 0 }) } as SmoothingConfig)
}

function readWorkspaceModel(r: Reader, m: Record<string, unknown>, path: Path): WorkspaceModelConfig {
  const cpath = [...path, 'channels']
  const channels: Record<string, WorkspaceChannelConfig> = {}
  const raw = r.mapping(r.required(m, 'channels', path), cpath, Object.keys((m.channels as object) ?? {}))
  if (Object.keys(raw).length === 0) r.fail(cpath, 'name at least one channel to rebin')
  for (const [name, spec] of Object.entries(raw)) {
    const c = r.mapping(spec ?? {}, [...cpath, name], ['edges'])
    channels[name] = c.edges === undefined ? {} : { edges: r.increasing(c.edges, [...cpath, name, 'edges'], 2) }
  }
  return {
    kind: 'workspace',
    file: r.string(r.required(m, 'file', path), [...path, 'file']),
    channels,
    measurement: m.measurement === undefined ? undefined : r.string(m.measurement, [...path, 'measurement']),
  }
}

function readModel(r: Reader, v: unknown): ModelConfig {
  const path = ['model']
  const keys: Record<ModelConfig['kind'], string[]> = {
    shapes: ['kind', 'channel', 'observable', 'range', 'integrate', 'samples', 'data', 'channels', 'measurement'],
    ntuples: ['kind', 'channel', 'observable', 'selection', 'range', 'samples', 'modifiers', 'data', 'channels', 'measurement', 'smoothing'],
    workspace: ['kind', 'file', 'channels', 'measurement'],
    python: ['kind', 'file', 'function', 'python', 'timeout_s', 'measurement'],
  }
  const peek = r.mapping(v, path, [...new Set(Object.values(keys).flat())])
  const kind = r.oneOf(r.required(peek, 'kind', path), [...path, 'kind'], ['shapes', 'ntuples', 'workspace', 'python'] as const)
  const m = r.mapping(v, path, keys[kind])
  if (kind === 'shapes') return readShapes(r, m, path)
  if (kind === 'ntuples') return readNtuples(r, m, path)
  if (kind === 'python') return readPythonModel(r, m, path)
  return readWorkspaceModel(r, m, path)
}

function readPythonModel(r: Reader, m: Record<string, unknown>, path: Path): PythonModelConfig {
  const out: PythonModelConfig = {
    kind: 'python',
    file: r.string(r.required(m, 'file', path), [...path, 'file']),
    function: m.function === undefined ? 'build_workspace' : r.string(m.function, [...path, 'function']),
    python: m.python === undefined ? 'python3' : r.string(m.python, [...path, 'python']),
    timeoutS: m.timeout_s === undefined ? 30 : r.number(m.timeout_s, [...path, 'timeout_s'], { above: 0 }),
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(out.function)) r.fail([...path, 'function'], `"${out.function}" is not a Python function name`)
  if (m.measurement !== undefined) out.measurement = r.string(m.measurement, [...path, 'measurement'])
  return out
}

const isBuilderValue = (v: unknown): v is BuilderValue => v === null || ['boolean', 'number', 'string'].includes(typeof v)

/**
 * `parameters:` of a Python builder, one entry per keyword argument:
 * `{type: int|float, low, high, step?, log?}`, `{choices: […]}`, or a plain value passed unchanged.
 */
function readBuilderParameters(r: Reader, v: unknown): BuilderParameter[] {
  const path = ['parameters']
  const m = r.mapping(v, path, Object.keys((v as object | null) ?? {}))
  const out = Object.entries(m).map(([name, spec]): BuilderParameter => {
    const p = [...path, name]
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) r.fail(p, `"${name}" is not a Python keyword argument name`)
    if (isBuilderValue(spec)) return { name, type: 'fixed', value: spec }
    const x = r.mapping(spec, p, ['type', 'low', 'high', 'step', 'log', 'choices'])
    if (x.choices !== undefined) {
      if (x.type !== undefined && x.type !== 'categorical') r.fail([...p, 'type'], 'choices go with type: categorical')
      const extra = ['low', 'high', 'step', 'log'].find((k) => x[k] !== undefined)
      if (extra !== undefined) r.fail([...p, extra], `"${extra}" does not apply to choices`)
      const choices = r.list(x.choices, [...p, 'choices']).map((c, i) => {
        if (!isBuilderValue(c)) r.fail([...p, 'choices', i], `a choice is a number, string, boolean or null, got ${describe(c)}`)
        return c
      })
      if (new Set(choices.map((c) => JSON.stringify(c))).size !== choices.length) r.fail([...p, 'choices'], 'the choices repeat')
      return { name, type: 'categorical', choices }
    }
    const type = r.oneOf(r.required(x, 'type', p), [...p, 'type'], ['int', 'float'] as const)
    return { name, type, ...readParameterRange(r, { low: x.low, high: x.high, step: x.step, log: x.log }, p, type === 'int') }
  })
  if (out.length === 0) r.fail(path, 'name at least one keyword argument of the builder')
  return out
}

function readParameterRange(r: Reader, v: unknown, path: Path, integer: boolean): ParameterRange {
  const m = r.mapping(v, path, ['low', 'high', 'step', 'log'])
  const read = (x: unknown, p: Path): number => (integer ? r.integer(x, p) : r.number(x, p))
  const low = read(r.required(m, 'low', path), [...path, 'low'])
  const high = read(r.required(m, 'high', path), [...path, 'high'])
  if (low > high) r.fail(path, `low must not exceed high, got [${low}, ${high}]`)
  const out: ParameterRange = { low, high }
  if (m.step !== undefined) out.step = integer ? r.integer(m.step, [...path, 'step'], 1) : r.number(m.step, [...path, 'step'], { above: 0 })
  if (m.log !== undefined) out.log = r.boolean(m.log, [...path, 'log'])
  if (out.log && out.step !== undefined && out.step !== 1) r.fail([...path, 'log'], 'log and step cannot be used together')
  if (out.log && !(low > 0)) r.fail([...path, 'low'], 'a log range needs low > 0')
  return out
}

function readFine(r: Reader, v: unknown, path: Path): FineGridConfig {
  const m = r.mapping(v, path, ['bins', 'width', 'edges'])
  const given = Object.keys(m)
  if (given.length !== 1) r.fail(path, 'give exactly one of bins, width, edges')
  if (m.bins !== undefined) return { bins: r.integer(m.bins, [...path, 'bins'], 1) }
  if (m.width !== undefined) return { width: r.number(m.width, [...path, 'width'], { above: 0 }) }
  return { edges: r.increasing(m.edges, [...path, 'edges'], 2) }
}

function readChannelBinning(r: Reader, v: unknown, path: Path, model: ModelConfig): ChannelBinningConfig {
  const m = r.mapping(v, path, ['space', 'n_bins', 'lo', 'hi', 'min_width', 'fine', 'min_fine_bins'])
  const defaultSpace = model.kind === 'workspace' ? 'fine_merges' : 'uniform'
  const space = m.space === undefined ? defaultSpace : r.oneOf(m.space, [...path, 'space'], ['uniform', 'free_edges', 'fine_merges'] as const)
  const nBins = readParameterRange(r, r.required(m, 'n_bins', path), [...path, 'n_bins'], true)
  if (nBins.low < 1) r.fail([...path, 'n_bins', 'low'], 'need at least 1 bin')
  const onlyFor = (key: string, spaces: string[]): void => {
    if (m[key] !== undefined && !spaces.includes(space)) r.fail([...path, key], `"${key}" applies to the ${spaces.join('/')} space, not ${space}`)
  }
  onlyFor('lo', ['uniform'])
  onlyFor('hi', ['uniform'])
  onlyFor('min_width', ['free_edges'])
  onlyFor('fine', ['fine_merges'])
  onlyFor('min_fine_bins', ['fine_merges'])
  if (model.kind === 'workspace' && space !== 'fine_merges') r.fail([...path, 'space'], 'a workspace model is rebinned by merging its bins: use space: fine_merges')
  if (model.kind === 'workspace' && m.fine !== undefined) r.fail([...path, 'fine'], "a workspace model's fine bins are its own bins")
  if (nBins.step !== undefined || nBins.log) {
    if (space !== 'uniform') r.fail([...path, 'n_bins'], `step/log on n_bins need the uniform space (${space} has one width weight per bin)`)
  }
  switch (space) {
    case 'uniform': {
      const bound = (key: 'lo' | 'hi'): ParameterRange | number | null =>
        m[key] === undefined ? null : typeof m[key] === 'number' ? r.number(m[key], [...path, key]) : readParameterRange(r, m[key], [...path, key], false)
      return { space, nBins, lo: bound('lo'), hi: bound('hi') }
    }
    case 'free_edges':
      return { space, nBins, minWidth: m.min_width === undefined ? null : r.number(m.min_width, [...path, 'min_width'], { above: 0 }) }
    case 'fine_merges':
      return {
        space,
        nBins,
        fine: m.fine === undefined ? null : readFine(r, m.fine, [...path, 'fine']),
        minFineBins: m.min_fine_bins === undefined ? 1 : r.integer(m.min_fine_bins, [...path, 'min_fine_bins'], 1),
      }
  }
}

function channelNames(model: ModelConfig): string[] {
  if (model.kind === 'python') return []
  return model.kind === 'workspace' ? Object.keys(model.channels) : model.channels.map((c) => c.name)
}

function readBinning(r: Reader, v: unknown, model: ModelConfig): BinningConfig {
  const path = ['binning']
  const m = r.mapping(v, path, ['space', 'n_bins', 'lo', 'hi', 'min_width', 'fine', 'min_fine_bins', 'channels'])
  const names = channelNames(model)
  const channels: Record<string, ChannelBinningConfig> = {}
  const { channels: perChannel, ...shared } = m
  if (Object.keys(shared).length > 0) {
    const spec = readChannelBinning(r, shared, path, model)
    for (const name of names) channels[name] = spec
  }
  if (perChannel !== undefined) {
    const cpath = [...path, 'channels']
    const raw = r.mapping(perChannel, cpath, names)
    for (const [name, spec] of Object.entries(raw)) channels[name] = readChannelBinning(r, spec, [...cpath, name], model)
  }
  for (const name of names) if (channels[name] === undefined) r.fail(path, `no binning for channel "${name}"`)
  return { channels }
}

/**
 * The constraints an ntuple study has unless its config sets them (`null` turns one off): bins
 * resting on a few MC events are where an optimiser fits fluctuations.
 */
export const NTUPLE_DEFAULT_CONSTRAINTS = { min_background: 5, max_mc_rel_error: 0.2 } as const

function readConstraints(r: Reader, v: unknown, model: ModelConfig): ConstraintsConfig {
  const path = ['constraints']
  const given = r.mapping(v ?? {}, path, ['min_background', 'max_mc_rel_error', 'min_mc_events', 'min_width'])
  const m: Record<string, unknown> = model.kind === 'ntuples' ? { ...NTUPLE_DEFAULT_CONSTRAINTS, ...given } : given
  for (const [key, value] of Object.entries(m)) if (value === null) delete m[key]
  const out: ConstraintsConfig = {}
  if (m.min_background !== undefined) out.minBackground = r.number(m.min_background, [...path, 'min_background'], { min: 0 })
  if (m.max_mc_rel_error !== undefined) out.maxMcRelError = r.number(m.max_mc_rel_error, [...path, 'max_mc_rel_error'], { above: 0 })
  if (m.min_mc_events !== undefined) out.minMcEvents = r.integer(m.min_mc_events, [...path, 'min_mc_events'], 0)
  if (m.min_width !== undefined) out.minWidth = r.number(m.min_width, [...path, 'min_width'], { above: 0 })
  if (model.kind === 'shapes') {
    for (const key of ['max_mc_rel_error', 'min_mc_events'] as const) {
      if (m[key] !== undefined) r.fail([...path, key], 'analytic shapes have no MC statistics: this constraint needs kind: ntuples or workspace')
    }
  }
  if (model.kind === 'workspace' && m.min_mc_events !== undefined) r.fail([...path, 'min_mc_events'], 'a workspace does not record MC event counts')
  if (model.kind === 'python') {
    if (m.min_mc_events !== undefined) r.fail([...path, 'min_mc_events'], 'a workspace from a Python builder does not record MC event counts')
    if (m.min_width !== undefined) r.fail([...path, 'min_width'], 'a workspace from a Python builder has no bin edges: bound the widths through the parameters instead')
  }
  return out
}

function readBaselines(r: Reader, v: unknown, model: ModelConfig): BaselinesConfig {
  const path = ['baselines']
  if (v === undefined || v === null) return { methods: [], nBins: null, fine: null }
  if (model.kind === 'python') r.fail(path, 'baselines merge fine histograms, which a Python builder does not give')
  const m = r.mapping(v, path, ['methods', 'n_bins', 'fine'])
  const kinds = ['equal_width', 'flat_signal', 'flat_background', 'transfo_d', 'transfo_f', 'dp_optimum'] as const
  const mpath = [...path, 'methods']
  const methods = r.list(r.required(m, 'methods', path), mpath).map((x, i): BaselineMethod => {
    const p = [...mpath, i]
    if (typeof x === 'string') return { kind: r.oneOf(x, p, kinds) } as BaselineMethod
    const one = r.mapping(x, p, kinds)
    const keys = Object.keys(one)
    if (keys.length !== 1) r.fail(p, `a baseline is a name or a mapping with one key (${kinds.join(', ')})`)
    const kind = keys[0] as (typeof kinds)[number]
    if (kind !== 'transfo_d' && kind !== 'transfo_f') r.fail([...p, kind], `${kind} takes no options`)
    const o = r.mapping(one[kind] ?? {}, [...p, kind], ['zs', 'zb'])
    if ((o.zs === undefined) !== (o.zb === undefined)) r.fail([...p, kind], 'give both zs and zb, or neither (then zs = zb = n_bins/2)')
    if (o.zs === undefined) return { kind }
    return { kind, zs: r.number(o.zs, [...p, kind, 'zs'], { min: 0 }), zb: r.number(o.zb, [...p, kind, 'zb'], { min: 0 }) }
  })
  const nBins = m.n_bins === undefined ? null : (Array.isArray(m.n_bins) ? m.n_bins : [m.n_bins]).map((n, i) => r.integer(n, Array.isArray(m.n_bins) ? [...path, 'n_bins', i] : [...path, 'n_bins'], 1))
  const explicitTransfo = methods.some((x) => (x.kind === 'transfo_d' || x.kind === 'transfo_f') && x.zs !== undefined)
  const needsCount = methods.some((x) => !((x.kind === 'transfo_d' || x.kind === 'transfo_f') && x.zs !== undefined))
  if (nBins === null && needsCount && !explicitTransfo) {
    r.fail(path, '"n_bins" is required (or a transfo_d/transfo_f baseline with zs, zb whose bin count the others then use)')
  }
  return { methods, nBins, fine: m.fine === undefined ? null : readFine(r, m.fine, [...path, 'fine']) }
}

function readValidation(r: Reader, v: unknown, model: ModelConfig): ValidationConfig | null {
  const path = ['validation']
  if (v === undefined || v === null) return null
  const m = r.mapping(v, path, ['split', 'k', 'fold', 'seed'])
  if (model.kind !== 'ntuples') r.fail(path, 'a held-out split needs MC events (model kind: ntuples)')
  const split = r.oneOf(r.required(m, 'split', path), [...path, 'split'], ['odd_even', 'kfold'] as const)
  if (split === 'odd_even') {
    if (m.k !== undefined || m.fold !== undefined || m.seed !== undefined) r.fail(path, 'k, fold and seed belong to split: kfold')
    return { split }
  }
  const k = r.integer(r.required(m, 'k', path), [...path, 'k'], 2)
  const fold = m.fold === undefined ? 0 : r.integer(m.fold, [...path, 'fold'], 0)
  if (fold >= k) r.fail([...path, 'fold'], `fold must be below k = ${k}`)
  if (m.seed === undefined) return { split, k, fold }
  const seed = r.integer(m.seed, [...path, 'seed'], 0)
  if (seed > MAX_SPLIT_SEED) r.fail([...path, 'seed'], `seed must be at most ${MAX_SPLIT_SEED}, got ${seed}`)
  return { split, k, fold, seed }
}

function readSelection(r: Reader, v: unknown, model: ModelConfig, objectives: ObjectiveSpec[]): SelectionConfig | null {
  const path = ['selection']
  if (v === undefined || v === null) return null
  const m = r.mapping(v, path, ['method', 'k', 'top', 'seed'])
  if (model.kind !== 'ntuples') r.fail(path, 'choosing with k folds needs MC events (model kind: ntuples)')
  if (objectives.length > 1) r.fail(path, 'choosing with k folds needs a single objective')
  const method = r.oneOf(r.required(m, 'method', path), [...path, 'method'], ['kfold_rerank', 'kfold_mean'] as const)
  const k = m.k === undefined ? 4 : r.integer(m.k, [...path, 'k'], 2)
  if (method === 'kfold_mean' && m.top !== undefined) r.fail([...path, 'top'], 'top belongs to method: kfold_rerank')
  const top = m.top === undefined ? 20 : r.integer(m.top, [...path, 'top'], 1)
  const seed = m.seed === undefined ? 0 : r.integer(m.seed, [...path, 'seed'], 0)
  if (seed > MAX_SPLIT_SEED) r.fail([...path, 'seed'], `seed must be at most ${MAX_SPLIT_SEED}, got ${seed}`)
  return { method, k, top, seed }
}

/** Validate a parsed document. */
function readConfig(doc: Document, lines: LineCounter, file: string | undefined): StudyConfig {
  const r = new Reader(doc, lines, file)
  const root = r.mapping(doc.toJS({ maxAliasCount: 1000 }), [], ['study', 'objective', 'model', 'binning', 'parameters', 'constraints', 'baselines', 'validation', 'selection'])
  const rawObjective = root.objective ?? 'z0'
  const objectives = Array.isArray(rawObjective)
    ? r.list(rawObjective, ['objective']).map((o, i) => readObjective(r, o, ['objective', i]))
    : [readObjective(r, rawObjective, ['objective'])]
  const study = readStudy(r, root.study, objectives)
  const model = readModel(r, r.required(root, 'model', []))
  let binning: BinningConfig = { channels: {} }
  let parameters: BuilderParameter[] = []
  if (model.kind === 'python') {
    if (root.binning !== undefined) r.fail(['binning'], 'a Python builder bins the workspace itself: give its keyword arguments in "parameters"')
    parameters = readBuilderParameters(r, r.required(root, 'parameters', []))
  } else {
    if (root.parameters !== undefined) r.fail(['parameters'], '"parameters" are the keyword arguments of a Python builder (model kind: python); use "binning"')
    binning = readBinning(r, r.required(root, 'binning', []), model)
  }
  return {
    study,
    objectives,
    model,
    binning,
    constraints: readConstraints(r, root.constraints, model),
    baselines: readBaselines(r, root.baselines, model),
    validation: readValidation(r, root.validation, model),
    selection: readSelection(r, root.selection, model, objectives),
    parameters,
  }
}

/** Parse and validate config text (YAML or JSON); `file` is only used in error messages. */
export function parseStudyConfig(text: string, file?: string): StudyConfig {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const [syntax] = doc.errors
  if (syntax !== undefined) {
    const line = syntax.linePos?.[0].line ?? lines.linePos(syntax.pos[0]).line
    throw new HistuneError('E_JSON_SYNTAX', syntax.message.split('\n')[0], { file, line })
  }
  if (!isMap(doc.contents)) {
    const empty = doc.contents === null || doc.contents === undefined
    throw new HistuneError(empty ? 'E_EMPTY' : 'E_SCHEMA', `a study config is a mapping with study, objective, model and binning${isSeq(doc.contents) ? ', not a list' : ''}`, { file, line: 1 })
  }
  return readConfig(doc, lines, file)
}

/** Read and validate a config file. */
export function loadStudyConfig(file: string): StudyConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new HistuneError('E_IO', `cannot read the study config: ${(error as Error).message}`, { file })
  }
  return parseStudyConfig(text, file)
}
