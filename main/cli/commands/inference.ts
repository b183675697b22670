import { Option, type Command } from 'commander'

import { Model } from '../../engine'
import * as gpu from '../../engine/gpu'
import * as infer from '../../engine/inference'
import type { InferenceDiagnostics, InferenceOptions } from '../../engine/inference'
import { HistuneError } from '../../errors'
import { readWorkspaceFile } from '../../workspace/load'
import { patchedWorkspace, withPatchOptions, type PatchOptions } from '../patch-options'
import { fail, print } from '../run'

interface CommonOptions extends PatchOptions {
  json?: boolean
  measurement?: string
  fix?: string[]
}

const bad = (message: string): HistuneError => new HistuneError('E_BAD_REQUEST', message)

/** The workspace file's text, with --patch / --patchset applied. */
const readWorkspace = async (path: string, opts: PatchOptions): Promise<string> => patchedWorkspace(await readWorkspaceFile(path), opts)

function number(value: string, what: string): number {
  const x = Number(value)
  if (value.trim() === '' || !Number.isFinite(x)) throw bad(`${what} must be a number, got '${value}'`)
  return x
}

function integer(value: string, what: string, min: number): number {
  const x = number(value, what)
  if (!Number.isInteger(x) || x < min) throw bad(`${what} must be an integer ≥ ${min}, got '${value}'`)
  return x
}

/** `--fix NAME=VALUE` (repeatable) as a map. */
function fixes(list: string[] | undefined): Record<string, number> | undefined {
  if (!list || list.length === 0) return undefined
  const out: Record<string, number> = {}
  for (const item of list) {
    const eq = item.lastIndexOf('=')
    if (eq <= 0) throw bad(`--fix takes NAME=VALUE, got '${item}'`)
    out[item.slice(0, eq)] = number(item.slice(eq + 1), `--fix ${item.slice(0, eq)}`)
  }
  return out
}

function inferenceOptions(opts: CommonOptions, extra: InferenceOptions = {}): InferenceOptions {
  const out: InferenceOptions = { ...extra }
  if (opts.measurement !== undefined) out.measurement = opts.measurement
  const fix = fixes(opts.fix)
  if (fix) out.fix = fix
  return out
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function withCommon(cmd: Command): Command {
  return withPatchOptions(cmd.argument('<workspace>', 'pyhf workspace JSON file'))
    .option('--measurement <name>', 'measurement to use (default: the first)')
    .option('--fix <name=value>', 'hold a parameter at a value (repeatable)', collect)
    .option('--json', 'print the result as JSON')
}

const fmt = (x: number | null | undefined, digits = 6): string => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toPrecision(digits))

function footer(d: InferenceDiagnostics): string {
  const lines = [`(${d.fits} fits, ${d.converged ? 'all converged' : `${d.failedFits} NOT converged`}, ${d.timeMs.toFixed(1)} ms)`]
  for (const w of d.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}

/** Run a command body, reporting any error the way every command does. */
async function guarded(json: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    fail(error, json === true)
  }
}

function registerFit(program: Command): void {
  withCommon(program.command('fit').description('maximum-likelihood fit of a workspace (pyhf semantics, constants included in the NLL)'))
    .option('--errors', 'also compute uncertainties from the Hessian')
    .action(async (workspace: string, opts: CommonOptions & { errors?: boolean }) =>
      guarded(opts.json, async () => {
        const text = await readWorkspace(workspace, opts)
        const started = performance.now()
        const model = Model.compile(text, opts.measurement !== undefined ? { measurement: opts.measurement } : undefined)
        const fix = fixes(opts.fix)
        const r = await model.fit({ ...(fix ? { fix } : {}), uncertainties: opts.errors === true })
        const out = {
          nll: r.nll,
          twice_nll: r.twiceNll,
          converged: r.converged,
          status: r.status,
          iterations: r.iterations,
          bestfit: r.bestfitByName,
          uncertainties: r.uncertaintyByName ?? null,
          ...(r.uncertaintyError ? { uncertainty_error: r.uncertaintyError } : {}),
          poi: model.poiName,
          time_ms: performance.now() - started,
        }
        print(opts.json === true, out, () => {
          const lines = [`2NLL = ${fmt(r.twiceNll, 12)} (${r.converged ? 'converged' : `NOT converged: ${r.status}`}, ${r.iterations} iterations)`]
          const width = Math.max(...model.parNames.map((n) => n.length))
          model.parNames.forEach((name, i) => {
            const err = r.uncertainties ? ` ± ${fmt(r.uncertainties[i]!)}` : ''
            lines.push(`  ${name.padEnd(width)}  ${fmt(r.bestfit[i]!)}${err}`)
          })
          if (r.uncertaintyError) lines.push(`warning: no uncertainties: ${r.uncertaintyError}`)
          return lines.join('\n')
        })
      }),
    )
}

const testStatOption = (choices: string[], fallback: string): Option =>
  new Option('--test-stat <name>', 'test statistic').choices(choices).default(fallback)

export function registerInference(program: Command): void {
  // The engine's own `fit` command wins if it is ever registered first.
  if (!program.commands.some((c) => c.name() === 'fit')) registerFit(program)

  withCommon(program.command('significance').description('discovery significance: p0, Z0 = √q0 and the median expected Z0 (asymptotic, q0)')).action(
    async (workspace: string, opts: CommonOptions) =>
      guarded(opts.json, async () => {
        const r = await infer.discovery(await readWorkspace(workspace, opts), inferenceOptions(opts))
        const out = { z0: r.z0, p0: r.p0, q0: r.q0, z0_expected: r.z0Expected, p0_expected: r.p0Expected, mu_hat: r.muHat, diagnostics: r.diagnostics }
        print(opts.json === true, out, () =>
          [`Z0 = ${fmt(r.z0)}  (p0 = ${fmt(r.p0)}, q0 = ${fmt(r.q0)}, μ̂ = ${fmt(r.muHat)})`, `expected Z0 = ${fmt(r.z0Expected)}`, footer(r.diagnostics)].join('\n'),
        )
      }),
  )

  withCommon(program.command('hypotest').description('asymptotic CLs at a POI value, with the expected band'))
    .requiredOption('--mu <value>', 'POI value to test')
    .addOption(testStatOption(['qtilde', 'q', 'q0'], 'qtilde'))
    .action(async (workspace: string, opts: CommonOptions & { mu: string; testStat: string }) =>
      guarded(opts.json, async () => {
        const mu = number(opts.mu, '--mu')
        const r = await infer.hypotest(await readWorkspace(workspace, opts), mu, inferenceOptions(opts, { testStat: opts.testStat as InferenceOptions['testStat'] }))
        const out = {
          mu: r.mu,
          test_stat: r.testStat,
          cls: r.cls,
          clsb: r.clsb,
          clb: r.clb,
          cls_expected: r.clsExpected,
          q: r.q,
          qA: r.qAsimov,
          mu_hat: r.muHat,
          diagnostics: r.diagnostics,
        }
        print(opts.json === true, out, () =>
          [
            `${r.testStat === 'q0' ? 'p0' : 'CLs'}(μ = ${r.mu}) = ${fmt(r.cls)}  (CLs+b = ${fmt(r.clsb)}, CLb = ${fmt(r.clb)}; q = ${fmt(r.q)}, qA = ${fmt(r.qAsimov)})`,
            `expected −2σ…+2σ: ${r.clsExpected.map((x) => fmt(x, 4)).join('  ')}`,
            footer(r.diagnostics),
          ].join('\n'),
        )
      }),
    )

  withCommon(program.command('limit').description('observed and expected upper limits on the POI (asymptotic CLs, root finding)'))
    .option('--cl <level>', 'confidence level', '0.95')
    .option('--rtol <tol>', 'relative tolerance on the limits', '1e-4')
    .addOption(testStatOption(['qtilde', 'q'], 'qtilde'))
    .action(async (workspace: string, opts: CommonOptions & { cl: string; rtol: string; testStat: string }) =>
      guarded(opts.json, async () => {
        const cl = number(opts.cl, '--cl')
        if (!(cl > 0 && cl < 1)) throw bad(`--cl must lie between 0 and 1, got ${opts.cl}`)
        const rtol = number(opts.rtol, '--rtol')
        const r = await infer.upperLimit(
          await readWorkspace(workspace, opts),
          inferenceOptions(opts, { cl, rtol, testStat: opts.testStat as InferenceOptions['testStat'] }),
        )
        const out = { cl: r.cl, observed: r.observed, expected: r.expected, mu_hat: r.muHat, diagnostics: r.diagnostics }
        print(opts.json === true, out, () =>
          [
            `${(cl * 100).toFixed(1)}% CL upper limit: observed ${fmt(r.observed)}`,
            `expected −2σ…+2σ: ${r.expected.map((x) => fmt(x)).join('  ')}`,
            footer(r.diagnostics),
          ].join('\n'),
        )
      }),
    )

  withCommon(program.command('rank').description('impact of each nuisance parameter on the POI (post-fit and pre-fit), largest first'))
    .option('--top <n>', 'show the N largest')
    .addOption(
      new Option('--device <device>', 'where the refits run: cpu, gpu (one lockstep batch) or auto (measured CPU/GPU crossover)')
        .choices([...gpu.GPU_DEVICES])
        .default('auto'),
    )
    .action(async (workspace: string, opts: CommonOptions & { top?: string; device: gpu.GpuDevice }) =>
      guarded(opts.json, async () => {
        const topN = opts.top !== undefined ? integer(opts.top, '--top', 1) : undefined
        const r = await gpu.rankingOn(await readWorkspace(workspace, opts), opts.device, inferenceOptions(opts, topN !== undefined ? { topN } : {}))
        const d = r.device
        const device = { requested: d.requested, backend: d.backend, adapter: d.adapter, reason: d.reason, notes: d.notes, fits: d.fits, fits_per_second: d.fitsPerSecond }
        const out = { poi: r.poi, mu_hat: r.muHat, mu_hat_uncertainty: r.muHatUncertainty, impacts: r.impacts, n_ranked: r.nRanked, device, diagnostics: r.diagnostics }
        print(opts.json === true, out, () => {
          const width = Math.max(4, ...r.impacts.map((i) => i.name.length))
          const lines = [
            `${r.poi} = ${fmt(r.muHat)} ± ${fmt(r.muHatUncertainty)}`,
            `${'parameter'.padEnd(width)}  ${['pull', 'constraint', 'post +1σ', 'post −1σ', 'pre +1σ', 'pre −1σ'].map((h) => h.padStart(11)).join('')}`,
          ]
          for (const i of r.impacts) {
            const cells = [i.pull, i.constraint, i.postfitUp, i.postfitDown, i.prefitUp, i.prefitDown].map((x) => fmt(x, 4).padStart(11))
            lines.push(`${i.name.padEnd(width)}  ${cells.join('')}`)
          }
          lines.push(`refits on ${d.backend}${d.adapter ? ` (${d.adapter})` : ''}: ${d.fitsPerSecond.toFixed(0)} fits/s; ${d.reason}${d.notes.map((n) => `\nnote: ${n}`).join('')}`)
          lines.push(footer(r.diagnostics))
          return lines.join('\n')
        })
      }),
    )

  withCommon(program.command('scan').description('profile-likelihood scan of one parameter'))
    .requiredOption('--param <name>', 'parameter to scan (`name` or `name[i]`)')
    .requiredOption('--range <bounds...>', 'scan range: LO HI')
    .option('--points <n>', 'number of points', '21')
    .action(async (workspace: string, opts: CommonOptions & { param: string; range: string[]; points: string }) =>
      guarded(opts.json, async () => {
        if (opts.range.length !== 2) throw bad(`--range takes two numbers LO HI, got ${opts.range.length}`)
        const [lo, hi] = [number(opts.range[0]!, '--range LO'), number(opts.range[1]!, '--range HI')]
        if (!(lo < hi)) throw bad(`--range needs LO < HI, got ${lo} ${hi}`)
        const points = integer(opts.points, '--points', 2)
        const r = await infer.profileScan(await readWorkspace(workspace, opts), opts.param, lo, hi, points, inferenceOptions(opts))
        const out = {
          parameter: r.parameter,
          values: r.values,
          twice_nll: r.twiceNll,
          delta_twice_nll: r.deltaTwiceNll,
          converged: r.converged,
          poi: r.poi,
          bestfit: r.bestfitValue,
          twice_nll_min: r.twiceNllMin,
          diagnostics: r.diagnostics,
        }
        print(opts.json === true, out, () => {
          const lines = [`${r.parameter}: best fit ${fmt(r.bestfitValue)}, 2NLL min ${fmt(r.twiceNllMin, 10)}`, `${'value'.padStart(12)}  ${'Δ2NLL'.padStart(12)}`]
          r.values.forEach((v, i) => lines.push(`${fmt(v).padStart(12)}  ${fmt(r.deltaTwiceNll[i]).padStart(12)}${r.converged[i] ? '' : '  (not converged)'}`))
          lines.push(footer(r.diagnostics))
          return lines.join('\n')
        })
      }),
    )

  withCommon(program.command('toys').description('pseudo-experiments: CLs at --mu, or the discovery p0 with --mu 0'))
    .requiredOption('--mu <value>', 'POI value to test (0: discovery with q0)')
    .option('--n <count>', 'toys per hypothesis', '1000')
    .option('--seed <seed>', 'random seed', '0')
    .addOption(new Option('--test-stat <name>', 'test statistic (default: q0 for --mu 0, else qtilde)').choices(['qtilde', 'q', 'q0']))
    .addOption(
      new Option('--device <device>', 'where the toy fits run: cpu, gpu (lockstep batches) or auto (measured CPU/GPU crossover)')
        .choices([...gpu.GPU_DEVICES])
        .default('auto'),
    )
    .action(async (workspace: string, opts: CommonOptions & { mu: string; n: string; seed: string; testStat?: string; device: gpu.GpuDevice }) =>
      guarded(opts.json, async () => {
        const mu = number(opts.mu, '--mu')
        const nToys = integer(opts.n, '--n', 1)
        const seed = integer(opts.seed, '--seed', 0)
        if (seed > Number.MAX_SAFE_INTEGER) throw bad('--seed is too large')
        const testStat = (opts.testStat ?? (mu === 0 ? 'q0' : 'qtilde')) as InferenceOptions['testStat']
        const r = await gpu.toysOn(await readWorkspace(workspace, opts), mu, opts.device, inferenceOptions(opts, { nToys, seed, testStat }))
        const d = r.device
        const device = { requested: d.requested, backend: d.backend, adapter: d.adapter, reason: d.reason, notes: d.notes, toy_fits: d.toyFits, fits_per_second: d.fitsPerSecond }
        const common = { mu: r.mu, test_stat: r.testStat, n_toys: r.nToys, seed: r.seed, observed: r.observed, device }
        const out =
          r.testStat === 'q0'
            ? { ...common, p0: r.p0, p0_error: r.p0Error, z0: r.z0, p0_expected: r.clsExpected, diagnostics: r.diagnostics }
            : { ...common, cls: r.cls, cls_error: r.clsError, clsb: r.clsb, clsb_error: r.clsbError, clb: r.clb, clb_error: r.clbError, cls_expected: r.clsExpected, diagnostics: r.diagnostics }
        print(opts.json === true, out, () => {
          const head =
            r.testStat === 'q0'
              ? `p0 = ${fmt(r.p0)} ± ${fmt(r.p0Error, 2)}  (Z0 = ${fmt(r.z0)}; ${r.nToys} toys, seed ${r.seed})`
              : `CLs(μ = ${r.mu}) = ${fmt(r.cls)} ± ${fmt(r.clsError, 2)}  (CLs+b = ${fmt(r.clsb)}, CLb = ${fmt(r.clb)}; ${r.nToys} toys per hypothesis, seed ${r.seed})`
          const ran = `toy fits on ${d.backend}${d.adapter ? ` (${d.adapter})` : ''}: ${d.fitsPerSecond.toFixed(0)} fits/s; ${d.reason}${d.notes.map((n) => `\nnote: ${n}`).join('')}`
          return [head, `expected −2σ…+2σ: ${r.clsExpected.map((x) => fmt(x, 4)).join('  ')}`, ran, footer(r.diagnostics)].join('\n')
        })
      }),
    )
}
