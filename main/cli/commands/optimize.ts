import type { Command } from 'commander'
import { runBinningStudy, type OptimizeOptions, type OptimizeSummary } from '../../services/optimize'
import { getStorage, Study, type FrozenTrial, type StudyStorage } from '../../study'
import { HistuneError } from '../../errors'
import { fail, print } from '../run'

interface StudyFlags {
  trials?: string
  seed?: string
  storage?: string
  study?: string
  workers?: string
  device?: string
  heartbeat?: string
  workspaceOut?: string
  json?: boolean
}

function positiveInt(flag: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new HistuneError('E_BAD_REQUEST', `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`)
  return n
}

function scoringDevice(value: string | undefined): OptimizeOptions['device'] {
  if (value === undefined) return undefined
  if (value === 'auto' || value === 'cpu' || value === 'gpu') return value
  throw new HistuneError('E_BAD_REQUEST', `--device must be auto, cpu or gpu, got ${value}`)
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(n > 0) || !Number.isFinite(n)) throw new HistuneError('E_BAD_REQUEST', `${flag} must be a positive number of seconds, got ${value}`)
  return n
}

/** A one-line progress bar on stderr, redrawn at most ten times a second (only on a terminal). */
function progressBar(): NonNullable<OptimizeOptions['onTrial']> {
  const started = performance.now()
  let last = 0
  let best: number | undefined
  return (event, nTrials) => {
    const v = event.trial.values?.[0]
    if (v !== undefined && (best === undefined || v > best)) best = v
    const now = performance.now()
    if (now - last < 100 && event.finished < nTrials) return
    last = now
    const width = 30
    const done = Math.min(1, event.finished / nTrials)
    const rate = event.finished / ((now - started) / 1000)
    const left = rate > 0 ? (nTrials - event.finished) / rate : 0
    const bar = '█'.repeat(Math.round(done * width)).padEnd(width, '·')
    process.stderr.write(
      `\r${bar} ${event.finished}/${nTrials}  ${rate.toFixed(0)} trials/s  ${left.toFixed(1)} s left` +
        (best !== undefined ? `  best ${best.toPrecision(5)}` : '') +
        (event.finished >= nTrials ? '\n' : ''),
    )
  }
}

function formatSummary(s: OptimizeSummary): string {
  const lines = [`study ${s.study} (${s.storage}): ${s.n_complete}/${s.n_trials} complete, ${s.n_fail} failed, ${s.n_infeasible} infeasible, ${s.elapsed_s.toFixed(2)} s`]
  if (s.best_value !== null) {
    lines.push(`best value ${s.best_value.toPrecision(6)}  params ${JSON.stringify(s.best_params)}`)
    for (const [channel, edges] of Object.entries(s.edges ?? {})) lines.push(`  ${channel} edges: ${edges.map((e) => Number(e.toPrecision(6))).join(', ')}`)
    for (const [channel, line] of Object.entries(s.binning_exports?.trexfitter ?? {})) lines.push(`  ${channel} TRExFitter  ${line}`)
    for (const [channel, line] of Object.entries(s.binning_exports?.cabinetry ?? {})) lines.push(`  ${channel} cabinetry   ${line}`)
    if (s.heldout_value !== undefined) lines.push(`  held-out value ${s.heldout_value.toPrecision(6)}`)
    if (s.selection !== undefined) {
      const sel = s.selection
      lines.push(
        `  chosen by ${sel.method} (k = ${sel.k}, ${sel.candidates} candidates): mean ${sel.kfold_value.toPrecision(6)} over folds ` +
          `[${sel.kfold_values.map((v) => v.toPrecision(4)).join(', ')}]; best training trial #${sel.best_training_trial}`,
      )
    }
  } else if (s.best_trials) {
    lines.push(`Pareto front: ${s.best_trials.length} trials`)
    for (const t of s.best_trials) lines.push(`  #${t.number} values ${t.values.map((v) => v.toPrecision(5)).join(', ')}`)
  } else {
    lines.push('no feasible complete trial')
  }
  const constraints = Object.entries(s.constraints)
  if (constraints.length > 0) lines.push(`constraints per bin: ${constraints.map(([name, v]) => `${name} ${v}`).join(', ')}`)
  for (const [name, b] of Object.entries(s.baselines)) {
    lines.push(`baseline ${name}: ${Number.isFinite(b.value) ? b.value.toPrecision(6) : (b.error ?? 'n/a')}` + (b.heldout_value !== undefined ? ` (held-out ${b.heldout_value.toPrecision(6)})` : ''))
  }
  return lines.join('\n')
}

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Trials as a table, the columns of Optuna's `trials_dataframe()` plus Histune's edges and constraints. */
function trialsCsv(trials: FrozenTrial[], nObjectives: number): string {
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort()
  const valueCols = nObjectives === 1 ? ['value'] : Array.from({ length: nObjectives }, (_, i) => `values_${i}`)
  const header = ['number', ...valueCols, 'datetime_start', 'datetime_complete', 'duration_s', ...paramNames.map((p) => `params_${p}`), 'constraints', 'edges', 'state']
  const rows = trials.map((t) => [
    t.number,
    ...valueCols.map((_, i) => t.values?.[i]),
    t.datetimeStart?.toISOString(),
    t.datetimeComplete?.toISOString(),
    t.datetimeStart && t.datetimeComplete ? (t.datetimeComplete.getTime() - t.datetimeStart.getTime()) / 1000 : undefined,
    ...paramNames.map((p) => t.params[p]),
    t.systemAttrs.constraints,
    t.userAttrs.edges,
    t.state,
  ])
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')
}

async function withStorage(url: string, use: (storage: StudyStorage) => Promise<void>): Promise<void> {
  const storage = await getStorage(url)
  try {
    await use(storage)
  } finally {
    await storage.close()
  }
}

async function run(options: OptimizeOptions, flags: StudyFlags): Promise<void> {
  if (process.stderr.isTTY && flags.json !== true) options.onTrial = progressBar()
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  options.signal = abort.signal
  const summary = await runBinningStudy(options)
  print(flags.json === true, summary, () => formatSummary(summary))
}

export function registerOptimize(program: Command): void {
  program
    .command('optimize')
    .description('search the binning that optimises the objective of a study config (YAML or JSON)')
    .argument('<config>', 'study config, e.g. resources/examples/tutorial/study.yaml')
    .option('--trials <n>', 'trials to run (default: the config\'s study.trials)')
    .option('--seed <s>', 'sampler seed (default: the config\'s study.seed)')
    .option('--storage <url>', 'sqlite:///file.db or postgresql://… (default: in memory)')
    .option('--study <name>', 'study name (default: the config\'s study.name); an existing study is resumed')
    .option('--workers <k>', 'objective evaluations in flight in this process', '1')
    .option('--device <d>', "where the discovery fits of evaluations in flight together run: auto, cpu or gpu (default: the config's study.device, else auto)")
    .option('--heartbeat <s>', 'seconds between heartbeats of running trials in shared storage (default 10)')
    .option('--workspace-out <file>', "write the best binning's pyhf workspace (all MC, observed data) to this file")
    .option('--json', 'print the summary as JSON')
    .action(async (config: string, flags: StudyFlags) => {
      try {
        await run(
          {
            configFile: config,
            storage: flags.storage,
            studyName: flags.study,
            trials: positiveInt('--trials', flags.trials, true),
            seed: flags.seed === undefined ? undefined : positiveInt('--seed', flags.seed, true),
            workers: positiveInt('--workers', flags.workers),
            device: scoringDevice(flags.device),
            heartbeat: positiveNumber('--heartbeat', flags.heartbeat),
            workspaceOut: flags.workspaceOut,
          },
          flags,
        )
      } catch (error) {
        fail(error, flags.json === true)
      }
    })

  program
    .command('worker')
    .description('join a study in shared storage (e.g. PostgreSQL) from another machine and run trials')
    .requiredOption('--storage <url>', 'the study storage, e.g. postgresql://user@host/db')
    .requiredOption('--study <name>', 'the study to join (created by histune optimize)')
    .option('--trials <n>', 'trials this worker runs (default: the config\'s study.trials)')
    .option('--workers <k>', 'objective evaluations in flight in this process', '1')
    .option('--device <d>', "where the discovery fits of evaluations in flight together run: auto, cpu or gpu (default: the config's study.device, else auto)")
    .option('--heartbeat <s>', 'seconds between heartbeats of running trials (default 10)')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: StudyFlags) => {
      try {
        await run(
          {
            storage: flags.storage,
            studyName: flags.study,
            trials: positiveInt('--trials', flags.trials, true),
            workers: positiveInt('--workers', flags.workers),
            device: scoringDevice(flags.device),
            heartbeat: positiveNumber('--heartbeat', flags.heartbeat),
          },
          flags,
        )
      } catch (error) {
        fail(error, flags.json === true)
      }
    })

  program
    .command('studies')
    .description('list the studies in a storage')
    .requiredOption('--storage <url>', 'sqlite:///file.db or postgresql://…')
    .option('--json', 'print as JSON')
    .action(async (flags: StudyFlags) => {
      try {
        await withStorage(flags.storage!, async (storage) => {
          const studies = (await storage.getAllStudies()).map((s) => ({ name: s.studyName, directions: s.directions, n_trials: s.nTrials }))
          print(flags.json === true, studies, () =>
            studies.length === 0 ? 'no studies' : studies.map((s) => `${s.name}\t${s.directions.join(',')}\t${s.n_trials} trials`).join('\n'),
          )
        })
      } catch (error) {
        fail(error, flags.json === true)
      }
    })

  program
    .command('export')
    .description('export the trials of a study as CSV')
    .requiredOption('--storage <url>', 'sqlite:///file.db or postgresql://…')
    .requiredOption('--study <name>', 'study name')
    .option('--csv', 'CSV on stdout (the default and only format)')
    .action(async (flags: StudyFlags) => {
      try {
        await withStorage(flags.storage!, async (storage) => {
          const study = await Study.load({ storage, studyName: flags.study })
          process.stdout.write(trialsCsv(await study.getTrials(), study.directions.length) + '\n')
        })
      } catch (error) {
        fail(error, false)
      }
    })
}
