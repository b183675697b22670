const fixed = new Map<number, Intl.NumberFormat>()

function fixedFormat(fractionDigits: number): Intl.NumberFormat {
  let format = fixed.get(fractionDigits)
  if (!format) {
    format = new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits })
    fixed.set(fractionDigits, format)
  }
  return format
}

/** Event yields and parameter values: grouped digits, precision scaled to magnitude, exponent when extreme. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '∞'
  if (value === -Infinity) return '−∞'
  if (value === 0) return '0'
  const magnitude = Math.abs(value)
  if (magnitude >= 1e7 || magnitude < 1e-3) {
    return value.toExponential(2).replace(/\.?0+e/, 'e').replace(/-/g, '−')
  }
  const digits = magnitude >= 1000 ? 1 : magnitude >= 10 ? 2 : magnitude >= 1 ? 3 : 4
  return fixedFormat(digits).format(value).replace(/-/g, '−')
}

/** A parameter's per-component values, compact when they are all equal or when there are many. */
export function formatVector(values: readonly number[]): string {
  const [first] = values
  if (first === undefined) return '—'
  if (values.length === 1) return formatNumber(first)
  if (values.every((v) => v === first)) return `${formatNumber(first)} ×${values.length}`
  if (values.length <= 4) return values.map(formatNumber).join(', ')
  const last = values[values.length - 1] as number
  return `${formatNumber(first)}, ${formatNumber(values[1] as number)}, …, ${formatNumber(last)}`
}

export function formatBounds(bounds: readonly (readonly [number, number])[]): string {
  const [first] = bounds
  if (first === undefined) return '—'
  const interval = (b: readonly [number, number]) => `[${formatNumber(b[0])}, ${formatNumber(b[1])}]`
  const allEqual = bounds.every((b) => b[0] === first[0] && b[1] === first[1])
  if (allEqual) return bounds.length === 1 ? interval(first) : `${interval(first)} ×${bounds.length}`
  return bounds.map(interval).join(' ')
}

export function sum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}

/** Last path segment, for both POSIX and Windows paths. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/)
  return parts[parts.length - 1] || path
}

export function directoryName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return cut > 0 ? path.slice(0, cut) : ''
}

export function formatOpenedAt(iso: string, now: Date = new Date()): string {
  const opened = new Date(iso)
  if (Number.isNaN(opened.getTime())) return ''
  const sameDay = opened.toDateString() === now.toDateString()
  return sameDay
    ? opened.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : opened.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`
}
