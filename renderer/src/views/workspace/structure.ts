import type { ParameterSummary } from '../../../../preload/api'
import { formatJsonPath, type JsonPath } from '../../editor/jsonPath'
import type { PyhfOutline } from '../../editor/pyhf'
import { formatNumber, sum } from '../../format'

export type NodeKind = 'group' | 'channel' | 'sample' | 'modifier' | 'observation' | 'measurement' | 'parameter'

export interface StructureNode {
  /** The JSON path as text: unique, and what the JSON view reveals. */
  key: string
  path: JsonPath
  kind: NodeKind
  label: string
  detail?: string
  children: StructureNode[]
  /** Where this node sits (for the inspector's edits). */
  channel?: number
  sample?: number
  measurement?: number
  parameter?: string
}

function node(path: JsonPath, kind: NodeKind, label: string, detail: string | undefined, children: StructureNode[] = [], extra: Partial<StructureNode> = {}): StructureNode {
  // A parameter keeps its key when an edit adds its config entry (its path changes then).
  const key = kind === 'parameter' ? `measurements[${extra.measurement}]#${extra.parameter}` : formatJsonPath(path)
  const out: StructureNode = { key, path, kind, label, children, ...extra }
  if (detail !== undefined) out.detail = detail
  return out
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * The structure tree of a workspace: channels → samples → modifiers, observations, measurements →
 * parameters. Parameters are the model's (from the engine's summary) with their config entries.
 */
export function structureOf(ws: PyhfOutline, parameters: readonly ParameterSummary[]): StructureNode[] {
  const channels = ws.channels.map((channel, c) =>
    node(
      ['channels', c],
      'channel',
      channel.name || `channel ${c}`,
      plural(channel.samples[0]?.data.length ?? 0, 'bin'),
      channel.samples.map((sample, s) =>
        node(
          ['channels', c, 'samples', s],
          'sample',
          sample.name || `sample ${s}`,
          formatNumber(sum(sample.data)),
          sample.modifiers.map((modifier, m) =>
            node(['channels', c, 'samples', s, 'modifiers', m], 'modifier', modifier.name, modifier.type),
          ),
          { channel: c, sample: s },
        ),
      ),
      { channel: c },
    ),
  )
  const observations = ws.observations.map((o, i) => node(['observations', i], 'observation', o.name, formatNumber(sum(o.data))))
  const measurements = ws.measurements.map((measurement, m) => {
    const names = [...parameters.map((p) => p.name), ...measurement.parameters.map((p) => p.name)]
    const unique = [...new Set(names.filter((n) => typeof n === 'string' && n !== ''))]
    const children = unique.map((name) => {
      const index = measurement.parameters.findIndex((p) => p.name === name)
      const path: JsonPath = index >= 0 ? ['measurements', m, 'config', 'parameters', index] : ['measurements', m, 'config']
      const model = parameters.find((p) => p.name === name)
      return node(path, 'parameter', name, index >= 0 ? 'configured' : model?.modifierType, [], { measurement: m, parameter: name })
    })
    return node(['measurements', m], 'measurement', measurement.name || `measurement ${m}`, `POI ${measurement.poi}`, children, { measurement: m })
  })
  return [
    node(['channels'], 'group', 'Channels', String(ws.channels.length), channels),
    node(['observations'], 'group', 'Observations', String(ws.observations.length), observations),
    node(['measurements'], 'group', 'Measurements', String(ws.measurements.length), measurements),
  ]
}

/** All nodes in display order (for keyboard moves and look-ups). */
export function flatten(nodes: readonly StructureNode[], expanded: ReadonlySet<string>): StructureNode[] {
  const out: StructureNode[] = []
  const walk = (list: readonly StructureNode[]): void => {
    for (const n of list) {
      out.push(n)
      if (n.children.length > 0 && expanded.has(n.key)) walk(n.children)
    }
  }
  walk(nodes)
  return out
}

export function findNode(nodes: readonly StructureNode[], key: string): StructureNode | null {
  for (const n of nodes) {
    if (n.key === key) return n
    const inner = findNode(n.children, key)
    if (inner) return inner
  }
  return null
}

/** The deepest node whose path starts the given path (the node that holds a value), with its ancestors' keys. */
export function nodeAt(nodes: readonly StructureNode[], path: readonly (string | number)[]): { node: StructureNode; ancestors: string[] } | null {
  const within = (n: StructureNode): boolean => n.path.length <= path.length && n.path.every((s, i) => s === path[i])
  let found: { node: StructureNode; ancestors: string[] } | null = null
  const walk = (list: readonly StructureNode[], ancestors: string[]): void => {
    for (const n of list) {
      // a parameter without a config entry has its measurement's config path: it holds nothing there
      if (!within(n) || (n.kind === 'parameter' && n.path.length !== 5)) continue
      found = { node: n, ancestors }
      walk(n.children, [...ancestors, n.key])
    }
  }
  walk(nodes, [])
  return found
}
