/**
 * A finely binned pyhf workspace as a binned model: binnings are contiguous merges of each listed
 * channel's bins (rebinWorkspace). Signal = samples with the POI normfactor; the background's MC
 * variance is the sum of its samples' staterror uncertainties squared.
 */

import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'

import { HistuneError } from '../errors'
import type { BinnedModel, ChannelEdges, ChannelInfo } from './binned-model'
import { yieldsOf } from './binned-model'
import type { BinYields } from './constraints'
import type { WorkspaceModelConfig } from './config'
import { cutsFromEdges, type Histogram, mergeHistogram } from './histogram'
import { type PyhfChannel, type PyhfWorkspace, rebinWorkspace } from './rebin-workspace'

interface Measurement {
  name: string
  config: { poi: string }
}

export class WorkspaceModel implements BinnedModel {
  readonly hasMcStatistics = true
  readonly channels: ChannelInfo[]
  private readonly poi: string

  constructor(
    private readonly fine: PyhfWorkspace,
    config: WorkspaceModelConfig,
    file?: string,
  ) {
    const measurements = (fine.measurements as Measurement[] | undefined) ?? []
    const measurement = config.measurement === undefined ? measurements[0] : measurements.find((m) => m.name === config.measurement)
    if (measurement === undefined) {
      throw new HistuneError('E_WORKSPACE', config.measurement === undefined ? 'the workspace has no measurement' : `the workspace has no measurement "${config.measurement}"`, { file, path: 'measurements' })
    }
    this.poi = measurement.config.poi
    this.channels = Object.entries(config.channels).map(([name, c]) => {
      const channel = fine.channels.find((x) => x.name === name)
      if (channel === undefined) throw new HistuneError('E_SCHEMA', `the workspace has no channel "${name}"`, { path: `model.channels.${name}` })
      const nBins = channel.samples[0]?.data.length ?? 0
      const grid = c.edges ?? Array.from({ length: nBins + 1 }, (_, i) => i)
      if (grid.length !== nBins + 1) {
        throw new HistuneError('E_SCHEMA', `channel "${name}" has ${nBins} bins, so ${nBins + 1} edges, got ${grid.length}`, { path: `model.channels.${name}.edges` })
      }
      return { name, range: [grid[0], grid[nBins]] as [number, number], grid }
    })
  }

  static load(config: WorkspaceModelConfig, configFile?: string): WorkspaceModel {
    const base = configFile ? dirname(resolve(configFile)) : process.cwd()
    const file = isAbsolute(config.file) ? config.file : resolve(base, config.file)
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new HistuneError('E_IO', `cannot read the workspace: ${(error as Error).message}`, { file: configFile, path: 'model.file' })
    }
    let workspace: PyhfWorkspace
    try {
      workspace = JSON.parse(text) as PyhfWorkspace
    } catch (error) {
      throw new HistuneError('E_JSON_SYNTAX', (error as Error).message, { file })
    }
    if (!Array.isArray(workspace?.channels)) throw new HistuneError('E_WORKSPACE', 'a workspace needs a list of channels', { file })
    return new WorkspaceModel(workspace, config, file)
  }

  private cuts(edges: ChannelEdges): Record<string, number[]> {
    const out: Record<string, number[]> = {}
    for (const c of this.channels) {
      const e = edges[c.name]
      if (e === undefined) throw new RangeError(`no edges for channel "${c.name}"`)
      out[c.name] = cutsFromEdges(c.grid!, e)
    }
    return out
  }

  workspace(edges: ChannelEdges): PyhfWorkspace {
    return rebinWorkspace(this.fine, this.cuts(edges))
  }

  private channel(name: string): { channel: PyhfChannel; grid: number[] } {
    const info = this.channels.find((c) => c.name === name)
    const channel = this.fine.channels.find((c) => c.name === name)
    if (info === undefined || channel === undefined) throw new RangeError(`no channel "${name}"`)
    return { channel, grid: info.grid! }
  }

  /** Signal and background on the channel's own fine bins. */
  private ownHistograms(name: string): { signal: Histogram; background: Histogram } {
    const { channel, grid } = this.channel(name)
    const n = grid.length - 1
    const zeros = (): number[] => new Array<number>(n).fill(0)
    const signal: Histogram = { edges: [...grid], sumw: zeros(), sumw2: zeros(), entries: zeros() }
    const background: Histogram = { edges: [...grid], sumw: zeros(), sumw2: zeros(), entries: zeros() }
    for (const sample of channel.samples) {
      const isSignal = sample.modifiers.some((m) => m.type === 'normfactor' && m.name === this.poi)
      const target = isSignal ? signal : background
      sample.data.forEach((v, i) => (target.sumw[i] += v))
      const staterror = sample.modifiers.find((m) => m.type === 'staterror')
      if (Array.isArray(staterror?.data)) (staterror.data as number[]).forEach((d, i) => (target.sumw2[i] += d * d))
    }
    return { signal, background }
  }

  fineHistograms(channel: string, edges: number[]): { signal: Histogram; background: Histogram } {
    const own = this.ownHistograms(channel)
    const cuts = cutsFromEdges(own.signal.edges, edges)
    return { signal: mergeHistogram(own.signal, cuts), background: mergeHistogram(own.background, cuts) }
  }

  binYields(edges: ChannelEdges): Record<string, BinYields[]> {
    const out: Record<string, BinYields[]> = {}
    for (const c of this.channels) {
      const { signal, background } = this.fineHistograms(c.name, edges[c.name])
      out[c.name] = yieldsOf(signal, background)
    }
    return out
  }
}
