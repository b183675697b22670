import type { ParameterSummary, WorkspaceSummary } from '../../preload/api'

const fmt = (x: number): string => {
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6)) return String(Number(x.toPrecision(6)))
  return x.toExponential(3)
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const range = (values: number[]): string => {
  const distinct = [...new Set(values.map(fmt))]
  return distinct.length === 1 ? distinct[0]! : `${distinct[0]}…${distinct[distinct.length - 1]} (${values.length})`
}

const parameterRow = (p: ParameterSummary, poi: string): string[] => [
  p.name + (p.name === poi ? ' (POI)' : ''),
  p.modifierType,
  String(p.n),
  range(p.inits),
  p.bounds.length ? `[${fmt(Math.min(...p.bounds.map((b) => b[0])))}, ${fmt(Math.max(...p.bounds.map((b) => b[1])))}]` : '',
  p.fixed ? 'yes' : 'no',
  p.constraint ?? '-',
]

/** The human-readable summary `histune inspect` prints. */
export function formatSummary(s: WorkspaceSummary): string {
  const out: string[] = []
  out.push(`Workspace ${s.file ?? ''}`.trimEnd())
  out.push(`  measurement ${s.measurement}, POI ${s.poi}; ${s.channels.length} channel(s), ${s.nBins} bins, ${s.nParameters} parameters`)
  out.push('')
  out.push(table(['channel', 'bins', 'observed'], s.channels.map((c) => [c.name, String(c.nBins), fmt(c.observed.reduce((a, b) => a + b, 0))])))
  out.push('')
  out.push(
    table(
      ['channel', 'sample', 'yield', 'modifiers'],
      s.samples.map((x) => [x.channel, x.name, fmt(x.total), x.modifiers.map((m) => `${m.name}(${m.type})`).join(' ')]),
    ),
  )
  out.push('')
  out.push(table(['modifier type', 'count', 'parameters'], s.modifiers.map((m) => [m.type, String(m.count), m.names.join(' ')])))
  out.push('')
  out.push(table(['parameter', 'type', 'n', 'init', 'bounds', 'fixed', 'constraint'], s.parameters.map((p) => parameterRow(p, s.poi))))
  return out.join('\n')
}
