/** The parts of a pyhf workspace (schema 1.0.0) the structure tree shows, read leniently from parsed JSON. */

export interface PyhfModifier {
  name: string
  type: string
}

export interface PyhfSample {
  name: string
  data: number[]
  modifiers: PyhfModifier[]
}

export interface PyhfChannel {
  name: string
  samples: PyhfSample[]
}

export interface PyhfParameterConfig {
  name: string
  inits?: number[]
  bounds?: [number, number][]
  fixed?: boolean
  [key: string]: unknown
}

export interface PyhfMeasurement {
  name: string
  poi: string
  parameters: PyhfParameterConfig[]
}

export interface PyhfObservation {
  name: string
  data: number[]
}

export interface PyhfOutline {
  channels: PyhfChannel[]
  observations: PyhfObservation[]
  measurements: PyhfMeasurement[]
}

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const text = (v: unknown): string => (typeof v === 'string' ? v : '')
const numbers = (v: unknown): number[] => list(v).filter((x): x is number => typeof x === 'number')

/** Whatever of a workspace's structure parsed JSON holds (a draft being edited may be incomplete). */
export function outline(json: unknown): PyhfOutline {
  const ws = record(json)
  return {
    channels: list(ws.channels).map((c) => ({
      name: text(record(c).name),
      samples: list(record(c).samples).map((s) => ({
        name: text(record(s).name),
        data: numbers(record(s).data),
        modifiers: list(record(s).modifiers).map((m) => ({ name: text(record(m).name), type: text(record(m).type) })),
      })),
    })),
    observations: list(ws.observations).map((o) => ({ name: text(record(o).name), data: numbers(record(o).data) })),
    measurements: list(ws.measurements).map((m) => ({
      name: text(record(m).name),
      poi: text(record(record(m).config).poi),
      parameters: list(record(record(m).config).parameters).map((p) => record(p) as PyhfParameterConfig),
    })),
  }
}

/** A pyhf patchset, recognised by its shape (metadata.digests and a patches list), not its file name. */
export function isPatchset(json: unknown): boolean {
  const ps = record(json)
  return Array.isArray(ps.patches) && typeof record(ps.metadata).digests === 'object' && !('channels' in ps)
}
