/**
 * Objective values of a binned workspace from the native engine (pyhf semantics, asymptotic
 * formulae, all systematics profiled):
 *  - z0: discovery significance √q0, the Z0 of `pyhf.infer.hypotest(0, …, test_stat='q0')` (only
 *    the two fits of q0: the expected-significance fits of a full discovery report can fail on
 *    binnings whose fitted templates go negative, and are not needed);
 *  - expected_limit: the median expected CLs upper limit on the POI;
 *  - z0_minus_impact: z0 − λ·sqrt(Σ impact²) over the top_n nuisance parameters ranked by their
 *    impact on the POI (all when top_n is absent) — favours binnings that are not dominated by a
 *    few systematics;
 *  - n_bins: the number of bins over all channels.
 * With `data: asimov` (the default) the fits see the nominal expectation — signal + background for
 * z0 and z0_minus_impact, background only for expected_limit — so the binning is chosen blind.
 */

import { HistuneError } from '../errors'
import { rankImpacts, type RankingReport, testStatistic, testStatisticSync, TINY_WORKSPACE_CHARS, upperLimit, type UpperLimitReport } from '../engine/inference'
import type { FitData, ObjectiveSpec } from './config'
import { erfc } from './expression'
import type { PyhfWorkspace } from './rebin-workspace'

interface Measurement {
  name: string
  config: { poi: string; parameters?: { name: string; inits?: number[]; auxdata?: number[] }[] }
}

/** The workspace's measurement (`name`, or the first). */
function measurementOf(workspace: PyhfWorkspace, name?: string): Measurement {
  const measurements = (workspace.measurements as Measurement[] | undefined) ?? []
  const m = name === undefined ? measurements[0] : measurements.find((x) => x.name === name)
  if (m === undefined) throw new HistuneError('E_WORKSPACE', name === undefined ? 'the workspace has no measurement' : `no measurement "${name}"`)
  return m
}

/**
 * The workspace with its observations replaced by the nominal expectation at POI = `mu`: each
 * sample's yield times its normfactors and lumi at their initial values (1 unless set in the
 * measurement), the POI at `mu`.
 */
export function withAsimovData(workspace: PyhfWorkspace, mu: number, measurementName?: string): PyhfWorkspace {
  const measurement = measurementOf(workspace, measurementName)
  const poi = measurement.config.poi
  const init = new Map<string, number>()
  for (const p of measurement.config.parameters ?? []) {
    const v = p.inits?.[0] ?? p.auxdata?.[0]
    if (typeof v === 'number') init.set(p.name, v)
  }
  const observations = workspace.channels.map((channel) => {
    const data = new Array<number>(channel.samples[0]?.data.length ?? 0).fill(0)
    for (const sample of channel.samples) {
      let factor = 1
      for (const m of sample.modifiers) {
        if (m.type === 'normfactor') factor *= m.name === poi ? mu : (init.get(m.name) ?? 1)
        else if (m.type === 'lumi') factor *= init.get(m.name) ?? 1
      }
      sample.data.forEach((v, i) => (data[i] += factor * v))
    }
    return { name: channel.name, data }
  })
  return { ...workspace, observations }
}

interface Discovery {
  z0: number
  p0: number
  muHat: number
  converged: boolean
}

export interface Score {
  values: number[]
  metrics: Record<string, number>
}

function engineFailure(what: string, error: unknown): HistuneError {
  const message = error instanceof Error ? error.message : String(error)
  return new HistuneError('E_ENGINE', `${what} failed: ${message}`)
}

async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw engineFailure(what, error)
  }
}

/** The two fits of q0 at μ = 0 as the objective uses them. */
export interface DiscoveryFit {
  value: number
  muHat: number
  converged: boolean
}

/** q0 of one workspace text, per trial (tiny workspaces on the calling thread, see TINY_WORKSPACE_CHARS). */
export async function discoveryFit(text: string, measurement?: string): Promise<DiscoveryFit> {
  const q0Options = { ...(measurement === undefined ? {} : { measurement }), testStat: 'q0' as const }
  const q0 = text.length <= TINY_WORKSPACE_CHARS ? testStatisticSync(text, 0, q0Options) : await testStatistic(text, 0, q0Options)
  return { value: q0.value, muHat: q0.muHat, converged: q0.freeFit.converged && q0.conditionalFit.converged }
}

/** Supplies q0 for a workspace text in place of `discoveryFit` (the batch scorer of a parallel study). */
export type DiscoveryProvider = (text: string, workspace: PyhfWorkspace) => Promise<DiscoveryFit>

function finite(value: number | null | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HistuneError('E_ENGINE', `${what} is ${value === null || value === undefined ? 'undefined' : value}`)
  return value
}

/** Evaluate `objectives` on `workspace` (fits run once per data set and reused across objectives). */
export async function scoreWorkspace(
  workspace: PyhfWorkspace,
  objectives: readonly ObjectiveSpec[],
  options: { measurement?: string; discovery?: DiscoveryProvider } = {},
): Promise<Score> {
  const fitOptions = options.measurement === undefined ? {} : { measurement: options.measurement }
  const fitDiscovery: DiscoveryProvider = options.discovery ?? ((text) => discoveryFit(text, options.measurement))
  const texts = new Map<string, string>()
  const textFor = (data: FitData, mu: number): string => {
    const key = `${data}:${mu}`
    let text = texts.get(key)
    if (text === undefined) {
      text = JSON.stringify(data === 'asimov' ? withAsimovData(workspace, mu, options.measurement) : workspace)
      texts.set(key, text)
    }
    return text
  }
  const discoveries = new Map<FitData, Promise<Discovery>>()
  const discover = (data: FitData): Promise<Discovery> => {
    let d = discoveries.get(data)
    if (d === undefined) {
      d = guarded('the discovery fit', async () => {
        const q0 = await fitDiscovery(textFor(data, 1), workspace)
        const z0 = Math.sqrt(Math.max(finite(q0.value, 'q0'), 0))
        return { z0, p0: erfc(z0 / Math.SQRT2) / 2, muHat: q0.muHat, converged: q0.converged }
      })
      discoveries.set(data, d)
    }
    return d
  }
  const metrics: Record<string, number> = {}
  const nBins = workspace.channels.reduce((a, c) => a + (c.samples[0]?.data.length ?? 0), 0)
  metrics.n_bins = nBins
  const values: number[] = []
  for (const objective of objectives) {
    switch (objective.kind) {
      case 'z0': {
        const d = await discover(objective.data)
        values.push(d.z0)
        Object.assign(metrics, { z0: d.z0, p0: d.p0, mu_hat: d.muHat, fit_converged: d.converged ? 1 : 0 })
        break
      }
      case 'expected_limit': {
        const report: UpperLimitReport = await guarded('the upper-limit scan', () =>
          upperLimit(textFor(objective.data, 0), { ...fitOptions, cl: objective.cl }),
        )
        const median = finite(report.expected[2], 'the median expected limit (CLs does not cross 1 − CL in the searched range)')
        values.push(median)
        metrics.expected_limit = median
        break
      }
      case 'z0_minus_impact': {
        const d = await discover(objective.data)
        const z0 = d.z0
        const ranking: RankingReport = await guarded('the impact ranking', () =>
          rankImpacts(textFor(objective.data, 1), { ...fitOptions, ...(objective.topN === null ? {} : { topN: objective.topN }) }),
        )
        const impacts = objective.topN === null ? ranking.impacts : ranking.impacts.slice(0, objective.topN)
        const impact = Math.sqrt(impacts.reduce((a, i) => a + i.total * i.total, 0))
        values.push(z0 - objective.lambda * finite(impact, 'the impact sum'))
        Object.assign(metrics, { z0, p0: d.p0, mu_hat: d.muHat, top_impact: impact })
        break
      }
      case 'n_bins':
        values.push(nBins)
        break
    }
  }
  return { values, metrics }
}
