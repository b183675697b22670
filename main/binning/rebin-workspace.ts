/**
 * Rebin a pyhf (HistFactory JSON) workspace by merging contiguous bins per channel:
 * observed data, sample yields and histosys hi/lo templates are summed; staterror and shapesys
 * absolute uncertainties are added in quadrature; normsys, normfactor, lumi and shapefactor carry no
 * per-bin data and are kept (a shapefactor gets one parameter per new bin from the bin count).
 */

import { HistuneError } from '../errors'
import { checkCuts, mergeValues } from './histogram'

export interface PyhfModifier {
  name: string
  type: string
  data: unknown
}

export interface PyhfSample {
  name: string
  data: number[]
  modifiers: PyhfModifier[]
  [key: string]: unknown
}

export interface PyhfChannel {
  name: string
  samples: PyhfSample[]
  [key: string]: unknown
}

export interface PyhfObservation {
  name: string
  data: number[]
  [key: string]: unknown
}

export interface PyhfWorkspace {
  channels: PyhfChannel[]
  observations?: PyhfObservation[]
  [key: string]: unknown
}

/** Cuts (increasing bin-boundary indices from 0 to the channel's bin count) per channel name. */
export type ChannelMerges = Record<string, readonly number[]>

function mergeQuadrature(values: readonly number[], cuts: readonly number[]): number[] {
  return mergeValues(
    values.map((v) => v * v),
    cuts,
  ).map(Math.sqrt)
}

function numbers(data: unknown, path: string, length: number): number[] {
  if (!Array.isArray(data) || data.length !== length || data.some((x) => typeof x !== 'number')) {
    throw new HistuneError('E_WORKSPACE', `expected ${length} numbers (one per bin)`, { path })
  }
  return data as number[]
}

function rebinModifier(modifier: PyhfModifier, cuts: readonly number[], nBins: number, path: string): PyhfModifier {
  switch (modifier.type) {
    case 'normfactor':
    case 'lumi':
    case 'normsys':
    case 'shapefactor':
      return structuredClone(modifier)
    case 'staterror':
    case 'shapesys':
      return { ...modifier, data: mergeQuadrature(numbers(modifier.data, `${path}/data`, nBins), cuts) }
    case 'histosys': {
      const data = modifier.data as { hi_data?: unknown; lo_data?: unknown } | null
      if (typeof data !== 'object' || data === null) throw new HistuneError('E_WORKSPACE', 'histosys needs hi_data and lo_data', { path: `${path}/data` })
      return {
        ...modifier,
        data: {
          ...data,
          hi_data: mergeValues(numbers(data.hi_data, `${path}/data/hi_data`, nBins), cuts),
          lo_data: mergeValues(numbers(data.lo_data, `${path}/data/lo_data`, nBins), cuts),
        },
      }
    }
    default:
      // Refuse rather than copy: a modifier with per-bin data left unmerged would be silently wrong.
      throw new HistuneError('E_WORKSPACE', `cannot rebin a modifier of type "${modifier.type}"`, { path: `${path}/type` })
  }
}

/** A new workspace with the listed channels merged; other channels and all other fields are copied. */
export function rebinWorkspace(workspace: PyhfWorkspace, merges: ChannelMerges): PyhfWorkspace {
  const channelNames = new Set(workspace.channels.map((c) => c.name))
  for (const name of Object.keys(merges)) {
    if (!channelNames.has(name)) throw new HistuneError('E_BAD_REQUEST', `the workspace has no channel "${name}"`)
  }
  const out = structuredClone(workspace)
  out.channels = workspace.channels.map((channel, c) => {
    const cuts = merges[channel.name]
    if (cuts === undefined) return structuredClone(channel)
    const nBins = channel.samples[0]?.data.length ?? 0
    try {
      checkCuts(cuts, nBins)
    } catch (error) {
      throw new HistuneError('E_BAD_REQUEST', `channel "${channel.name}" has ${nBins} bins: ${(error as Error).message}`, { path: `/channels/${c}` })
    }
    return {
      ...structuredClone(channel),
      samples: channel.samples.map((sample, s) => {
        const path = `/channels/${c}/samples/${s}`
        return {
          ...structuredClone(sample),
          data: mergeValues(numbers(sample.data, `${path}/data`, nBins), cuts),
          modifiers: sample.modifiers.map((m, k) => rebinModifier(m, cuts, nBins, `${path}/modifiers/${k}`)),
        }
      }),
    }
  })
  if (workspace.observations !== undefined) {
    out.observations = workspace.observations.map((observation, o) => {
      const cuts = merges[observation.name]
      if (cuts === undefined) return structuredClone(observation)
      const nBins = cuts[cuts.length - 1]
      return { ...structuredClone(observation), data: mergeValues(numbers(observation.data, `/observations/${o}/data`, nBins), cuts) }
    })
  }
  return out
}
