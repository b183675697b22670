/**
 * The third way in: a user's Python function `build_workspace(**params) -> dict`, run unchanged by
 * resources/python/histune_builder.py in one subprocess per study that speaks JSON lines. The
 * builder yields whole workspaces for the suggested keyword arguments — it bins them itself — so
 * the search space is the config's `parameters`, and a trial is: build, validate with the engine,
 * check the per-bin constraints, score. A builder that raises, returns something that is not a
 * valid workspace, or outlasts `timeout_s` fails only its trial; after a timeout or a crash the
 * subprocess is started afresh for the next one.
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

import { summarizeWorkspace } from '../engine'
import { HistuneError, toApiError } from '../errors'
import { resourcesDir } from '../paths'
import type { ParameterDescriptor } from './binning-space'
import type { BuilderParameter, BuilderValue, PythonModelConfig, StudyConfig } from './config'
import type { BinYields } from './constraints'
import { constraintNames, feasibility } from './feasibility'
import type { BinningObjective, BinningObjectiveOptions, TrialEvaluation } from './objective'
import type { PyhfWorkspace } from './rebin-workspace'
import { scoreWorkspace } from './scoring'

/** The builder's stderr kept for error messages (its tail). */
const STDERR_KEPT = 4000

export interface PythonBuilderOptions {
  python: string
  /** The builder's file (absolute, or relative to the working directory). */
  file: string
  function: string
  timeoutMs: number
}

interface Pending {
  id: number
  /** The subprocess asked: a request dies with its subprocess, not with an older one. */
  child: ChildProcessWithoutNullStreams
  resolve: (workspace: unknown) => void
  reject: (error: HistuneError) => void
  timer: NodeJS.Timeout
  stderrFrom: number
}

interface Reply {
  id?: number
  ready?: boolean
  workspace?: unknown
  error?: string
  traceback?: string
}

/** The running builder subprocess: one request at a time, restarted after a timeout or a crash. */
export class PythonBuilder {
  /** The subprocess once it is ready for requests. */
  private child: ChildProcessWithoutNullStreams | null = null
  /** The latest subprocess spawned: only its stderr is kept. */
  private spawned: ChildProcessWithoutNullStreams | null = null
  private starting: Promise<ChildProcessWithoutNullStreams> | null = null
  private pending: Pending | null = null
  private nextId = 1
  private queue: Promise<unknown> = Promise.resolve()
  /** All stderr of the current subprocess, trimmed to its tail; `stderrBase` counts what was trimmed. */
  private stderr = ''
  private stderrBase = 0
  private closed = false

  constructor(private readonly options: PythonBuilderOptions) {}

  static runnerPath(): string {
    return join(resourcesDir(), 'python', 'histune_builder.py')
  }

  /** Start the subprocess now (it is otherwise started by the first call): a builder that cannot load fails here. */
  async start(): Promise<void> {
    await this.ensureStarted()
  }

  /** The workspace `function(**params)` returned (parsed JSON, not yet validated). */
  build(params: Record<string, BuilderValue>): Promise<unknown> {
    const run = this.queue.then(() => this.call(params))
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Stop the subprocess (it also ends by itself when its stdin closes). */
  async close(): Promise<void> {
    this.closed = true
    const child = this.child ?? (await this.starting?.catch(() => null)) ?? null
    this.child = null
    if (child === null || child.exitCode !== null) return
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    child.stdin.end()
    const force = setTimeout(() => child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(force)
  }

  private stderrSince(from: number): string {
    const text = this.stderr.slice(Math.max(0, from - this.stderrBase)).trim()
    return text === '' ? '' : `\n--- builder stderr ---\n${text}`
  }

  private fail(message: string, stderrFrom: number): HistuneError {
    return new HistuneError('E_BAD_REQUEST', message + this.stderrSince(stderrFrom))
  }

  private get stderrEnd(): number {
    return this.stderrBase + this.stderr.length
  }

  private async call(params: Record<string, BuilderValue>): Promise<unknown> {
    if (this.closed) throw new HistuneError('E_CANCELLED', 'the Python builder was closed')
    const child = await this.ensureStarted()
    const id = this.nextId++
    return new Promise<unknown>((resolvePromise, rejectPromise) => {
      const stderrFrom = this.stderrEnd
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return
        this.pending = null
        const seconds = this.options.timeoutMs / 1000
        rejectPromise(this.fail(`${this.options.function}(${describeParams(params)}) did not return within ${seconds} s (timeout_s): the builder was stopped and is restarted for the next trial`, stderrFrom))
        this.kill(child)
      }, this.options.timeoutMs)
      this.pending = { id, child, resolve: resolvePromise, reject: rejectPromise, timer, stderrFrom }
      child.stdin.write(JSON.stringify({ id, params }) + '\n')
    })
  }

  private kill(child: ChildProcessWithoutNullStreams): void {
    if (this.child === child) this.child = null
    child.kill('SIGKILL')
  }

  private ensureStarted(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child !== null) return Promise.resolve(this.child)
    this.starting ??= this.spawnBuilder().finally(() => (this.starting = null))
    return this.starting
  }

  private spawnBuilder(): Promise<ChildProcessWithoutNullStreams> {
    const { python, file, function: name } = this.options
    // Importing the builder's own dependencies (pyhf, numpy, uproot) may take longer than one call.
    const timeoutMs = Math.max(this.options.timeoutMs, 60_000)
    this.stderr = ''
    this.stderrBase = 0
    const child = spawn(python, [PythonBuilder.runnerPath(), file, name], {
      cwd: dirname(file),
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.spawned = child
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      if (this.spawned !== child) return
      this.stderr += chunk
      if (this.stderr.length > 2 * STDERR_KEPT) {
        const drop = this.stderr.length - STDERR_KEPT
        this.stderr = this.stderr.slice(drop)
        this.stderrBase += drop
      }
    })
    // A write to a builder that has just died must not crash the host: the exit handler reports it.
    child.stdin.on('error', () => undefined)
    const where = `${python} ${file}`
    return new Promise((resolveStart, rejectStart) => {
      let ready = false
      const startTimer = setTimeout(() => {
        rejectStart(this.fail(`the Python builder (${where}) did not start within ${timeoutMs / 1000} s (timeout_s)`, 0))
        child.kill('SIGKILL')
      }, timeoutMs)
      child.once('error', (error) => {
        clearTimeout(startTimer)
        rejectStart(new HistuneError('E_IO', `cannot run the Python builder with "${python}": ${error.message} (set model.python)`))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(startTimer)
        if (this.child === child) this.child = null
        // Let the last stderr chunks arrive before they are quoted.
        setTimeout(() => {
          const how = signal === null ? `with code ${code}` : `on ${signal}`
          if (!ready) rejectStart(this.fail(`the Python builder (${where}) exited ${how} before it was ready`, 0))
          const pending = this.pending
          if (pending !== null && pending.child === child) {
            this.pending = null
            clearTimeout(pending.timer)
            pending.reject(this.fail(`the Python builder exited ${how} while building a workspace; it is restarted for the next trial`, pending.stderrFrom))
          }
        }, 50)
      })
      const lines = createInterface({ input: child.stdout })
      lines.on('line', (line) => {
        let reply: Reply
        try {
          reply = JSON.parse(line) as Reply
        } catch {
          this.stderr += `(stdout) ${line}\n`
          return
        }
        if (!ready) {
          clearTimeout(startTimer)
          if (reply.ready === true) {
            ready = true
            this.child = child
            resolveStart(child)
          } else {
            rejectStart(this.fail(`cannot load ${name} from ${file}: ${reply.error ?? 'no ready signal'}\n${reply.traceback ?? ''}`.trimEnd(), 0))
            child.kill('SIGKILL')
          }
          return
        }
        this.answer(reply)
      })
    })
  }

  private answer(reply: Reply): void {
    const pending = this.pending
    if (pending === null || reply.id !== pending.id) return
    this.pending = null
    clearTimeout(pending.timer)
    if (reply.error === undefined) {
      pending.resolve(reply.workspace)
      return
    }
    // The builder flushes stderr before it answers; give the pipe a moment to deliver it.
    setTimeout(() => pending.reject(this.fail(`${this.options.function} raised ${reply.error}\n${(reply.traceback ?? '').trimEnd()}`, pending.stderrFrom)), 20)
  }
}

function describeParams(params: Record<string, BuilderValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')
}

/** Per channel and bin of a built workspace: signal (POI samples), background, Σw² from staterror. */
export function workspaceBinYields(workspace: PyhfWorkspace, poi: string): Record<string, BinYields[]> {
  const out: Record<string, BinYields[]> = {}
  for (const channel of workspace.channels) {
    const n = channel.samples[0]?.data.length ?? 0
    const bins: BinYields[] = Array.from({ length: n }, (_, i) => ({ lo: i, hi: i + 1, signal: 0, background: 0, backgroundSumw2: 0, backgroundEntries: 0 }))
    for (const sample of channel.samples) {
      const isSignal = sample.modifiers.some((m) => m.type === 'normfactor' && m.name === poi)
      const staterror = sample.modifiers.find((m) => m.type === 'staterror')
      sample.data.forEach((v, i) => {
        if (isSignal) bins[i].signal += v
        else bins[i].background += v
      })
      if (!isSignal && Array.isArray(staterror?.data)) (staterror.data as number[]).forEach((d, i) => (bins[i].backgroundSumw2 += d * d))
    }
    out[channel.name] = bins
  }
  return out
}

/** The builder's keyword arguments as study parameters (fixed ones are passed, not suggested). */
export function builderSpace(parameters: readonly BuilderParameter[]): ParameterDescriptor[] {
  return parameters.flatMap((p): ParameterDescriptor[] => {
    if (p.type === 'fixed') return []
    if (p.type === 'categorical') return [{ name: p.name, type: 'categorical', choices: [...p.choices] }]
    const { name, type, low, high, step, log } = p
    return [{ name, type, low, high, ...(step === undefined ? {} : { step }), ...(log === undefined ? {} : { log }) }]
  })
}

/** The keyword arguments of one call: the suggested values, checked against the space, and the fixed ones. */
export function builderArguments(parameters: readonly BuilderParameter[], suggested: Record<string, BuilderValue>): Record<string, BuilderValue> {
  const out: Record<string, BuilderValue> = {}
  for (const p of parameters) {
    if (p.type === 'fixed') {
      out[p.name] = p.value
      continue
    }
    const v = suggested[p.name]
    if (p.type === 'categorical') {
      if (!p.choices.some((c) => c === v)) throw new HistuneError('E_BAD_REQUEST', `parameter ${p.name} = ${JSON.stringify(v)} is not one of ${JSON.stringify(p.choices)}`)
    } else if (typeof v !== 'number' || !(v >= p.low && v <= p.high) || (p.type === 'int' && !Number.isInteger(v))) {
      throw new HistuneError('E_BAD_REQUEST', `parameter ${p.name} = ${JSON.stringify(v)} is outside [${p.low}, ${p.high}]${p.type === 'int' ? ' or not an integer' : ''}`)
    }
    out[p.name] = v ?? null
  }
  return out
}

function noEdges(what: string): HistuneError {
  return new HistuneError('E_BAD_REQUEST', `${what}: a Python builder makes workspaces from its parameters, not from bin edges`)
}

/** The binning objective of a `model: {kind: python}` config. */
export async function createPythonObjective(config: StudyConfig, model: PythonModelConfig, options: BinningObjectiveOptions = {}): Promise<BinningObjective> {
  const base = options.configFile ? dirname(resolve(options.configFile)) : process.cwd()
  const file = isAbsolute(model.file) ? model.file : resolve(base, model.file)
  const builder = new PythonBuilder({ python: model.python, file, function: model.function, timeoutMs: model.timeoutS * 1000 })
  try {
    await builder.start()
  } catch (error) {
    const e = error as HistuneError
    throw new HistuneError(e.code, e.message, { file: options.configFile, path: 'model' })
  }
  const space = builderSpace(config.parameters)
  const names = constraintNames(config.constraints)

  /** The returned value as a workspace the engine accepts, and its POI. */
  function validated(value: unknown): { workspace: PyhfWorkspace; poi: string } {
    const bad = (message: string, path?: string): HistuneError =>
      new HistuneError('E_WORKSPACE', `${model.function} returned an invalid workspace: ${message}`, { path })
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`expected a dict, got ${Array.isArray(value) ? 'a list' : typeof value}`)
    let poi: string
    try {
      poi = summarizeWorkspace(JSON.stringify(value), undefined, model.measurement).poi
    } catch (error) {
      const api = toApiError(error)
      throw bad(api.path === undefined ? api.message : `${api.message} (at ${api.path})`, api.path)
    }
    return { workspace: value as PyhfWorkspace, poi }
  }

  async function evaluate(params: Record<string, BuilderValue>): Promise<TrialEvaluation> {
    const started = performance.now()
    const { workspace, poi } = validated(await builder.build(builderArguments(config.parameters, params)))
    const bins = Object.values(workspaceBinYields(workspace, poi)).flat()
    const check = feasibility(bins, config.constraints, true)
    // The bins of a built workspace have no known edges, so no widths.
    delete check.metrics.min_width
    const { values, metrics } = await scoreWorkspace(workspace, config.objectives, { measurement: model.measurement })
    const out: TrialEvaluation = {
      values,
      edges: {},
      feasible: check.feasible,
      constraints: check.values,
      workspace,
      metrics: { ...metrics, ...check.metrics, eval_ms: performance.now() - started },
    }
    for (const [k, v] of Object.entries(out.metrics)) if (!Number.isFinite(v)) delete out.metrics[k]
    return out
  }

  return {
    config,
    directions: config.study.directions,
    objectiveNames: config.objectives.map((o) => o.kind),
    space,
    constraintNames: names,
    decode: () => ({}),
    encode: () => null,
    evaluate,
    evaluateEdges: () => Promise.reject(noEdges('scoring given edges')),
    baselines: () => Promise.resolve({}),
    workspaceFor: () => {
      throw noEdges('a workspace at given edges')
    },
    channels: [],
    hasMcStatistics: true,
    binYields: () => {
      throw noEdges('bin yields at given edges')
    },
    fineHistograms: () => {
      throw noEdges('fine histograms')
    },
    close: () => builder.close(),
  }
}
