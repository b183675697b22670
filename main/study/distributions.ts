/**
 * Parameter distributions with Optuna's semantics and its JSON format (`distribution_json` in the
 * RDB schema), so that studies written here are read by Optuna and the other way round.
 */

export type CategoricalChoice = null | boolean | number | string
export type ParamValue = CategoricalChoice

export class DistributionError extends Error {
  override name = 'DistributionError'
}

export class FloatDistribution {
  readonly kind = 'float'
  readonly low: number
  readonly high: number
  readonly log: boolean
  readonly step: number | null

  constructor(low: number, high: number, options: { log?: boolean; step?: number | null } = {}) {
    const log = options.log ?? false
    const step = options.step ?? null
    if (!Number.isFinite(low) || !Number.isFinite(high)) {
      throw new DistributionError(`low and high must be finite numbers, got low=${low}, high=${high}`)
    }
    if (log && step !== null) {
      throw new DistributionError('The parameters `step` and `log` cannot be used at the same time')
    }
    if (step !== null && !(step > 0)) {
      throw new DistributionError(`The step must be larger than 0, got step=${step}`)
    }
    if (low > high) {
      throw new DistributionError(`low must not be larger than high, got low=${low}, high=${high}`)
    }
    if (log && low <= 0) {
      throw new DistributionError(`low must be larger than 0 for a log distribution, got low=${low}`)
    }
    this.low = low
    this.high = step !== null ? adjustDiscreteHigh(low, high, step) : high
    this.log = log
    this.step = step
  }

  single(): boolean {
    if (this.step === null) return this.low === this.high
    if (this.low === this.high) return true
    return this.high - this.low < this.step
  }

  contains(internal: number): boolean {
    if (this.step === null) return this.low <= internal && internal <= this.high
    const k = (internal - this.low) / this.step
    return this.low <= internal && internal <= this.high && Math.abs(k - Math.round(k)) < 1e-8
  }
}

export class IntDistribution {
  readonly kind = 'int'
  readonly low: number
  readonly high: number
  readonly log: boolean
  readonly step: number

  constructor(low: number, high: number, options: { log?: boolean; step?: number } = {}) {
    const log = options.log ?? false
    const step = options.step ?? 1
    if (!Number.isInteger(low) || !Number.isInteger(high)) {
      throw new DistributionError(`low and high must be integers, got low=${low}, high=${high}`)
    }
    if (log && step !== 1) {
      throw new DistributionError('Samplers and other components in Histune only accept step 1 when `log` is true')
    }
    if (!Number.isInteger(step) || step <= 0) {
      throw new DistributionError(`The step must be a positive integer, got step=${step}`)
    }
    if (low > high) {
      throw new DistributionError(`low must not be larger than high, got low=${low}, high=${high}`)
    }
    if (log && low < 1) {
      throw new DistributionError(`low must be at least 1 for a log distribution, got low=${low}`)
    }
    this.low = low
    this.high = Math.floor((high - low) / step) * step + low
    this.log = log
    this.step = step
  }

  single(): boolean {
    return this.low === this.high
  }

  contains(internal: number): boolean {
    return (
      Number.isInteger(internal) &&
      this.low <= internal &&
      internal <= this.high &&
      (internal - this.low) % this.step === 0
    )
  }
}

export class CategoricalDistribution {
  readonly kind = 'categorical'
  readonly choices: readonly CategoricalChoice[]

  constructor(choices: readonly CategoricalChoice[]) {
    if (choices.length === 0) {
      throw new DistributionError('The `choices` must contain one or more elements')
    }
    for (const c of choices) {
      const t = typeof c
      if (!(c === null || t === 'boolean' || t === 'number' || t === 'string')) {
        throw new DistributionError(`Choices must be null, boolean, number or string, got ${String(c)}`)
      }
    }
    this.choices = [...choices]
  }

  single(): boolean {
    return this.choices.length === 1
  }

  contains(internal: number): boolean {
    return Number.isInteger(internal) && internal >= 0 && internal < this.choices.length
  }

  indexOf(value: CategoricalChoice): number {
    for (let i = 0; i < this.choices.length; i++) {
      const c = this.choices[i]
      if (c === value || (typeof c === 'number' && typeof value === 'number' && Number.isNaN(c) && Number.isNaN(value))) {
        return i
      }
    }
    return -1
  }
}

export type NumericalDistribution = FloatDistribution | IntDistribution
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution

function adjustDiscreteHigh(low: number, high: number, step: number): number {
  const r = high - low
  const n = Math.floor(r / step + 1e-9)
  const adjusted = n * step + low
  return Math.abs(adjusted - high) < 1e-12 * Math.max(1, Math.abs(high)) ? high : adjusted
}

/** External value (what the objective sees) → internal float (what storage holds). */
export function toInternal(dist: Distribution, value: ParamValue): number {
  if (dist instanceof CategoricalDistribution) {
    const i = dist.indexOf(value)
    if (i < 0) throw new DistributionError(`${JSON.stringify(value)} is not among the choices ${JSON.stringify(dist.choices)}`)
    return i
  }
  if (typeof value !== 'number') {
    throw new DistributionError(`Expected a number for a ${dist.kind} parameter, got ${JSON.stringify(value)}`)
  }
  return value
}

/** Internal float → external value. */
export function toExternal(dist: Distribution, internal: number): ParamValue {
  if (dist instanceof CategoricalDistribution) {
    const c = dist.choices[Math.round(internal)]
    if (c === undefined) throw new DistributionError(`Choice index ${internal} out of range`)
    return c
  }
  if (dist instanceof IntDistribution) return Math.round(internal)
  return internal
}

export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a instanceof CategoricalDistribution || b instanceof CategoricalDistribution) {
    if (!(a instanceof CategoricalDistribution && b instanceof CategoricalDistribution)) return false
    return a.choices.length === b.choices.length && a.choices.every((c, i) => Object.is(c, b.choices[i]))
  }
  return a.kind === b.kind && a.low === b.low && a.high === b.high && a.log === b.log && a.step === b.step
}

/** Optuna's rule: a param keeps its distribution class, log flag and (categorical) choices in a study. */
export function checkDistributionCompatibility(old: Distribution, next: Distribution): void {
  if (old.kind !== next.kind) {
    throw new DistributionError(`Cannot set different distribution kind to the same parameter name (${old.kind} != ${next.kind})`)
  }
  if (old instanceof CategoricalDistribution) {
    if (!distributionsEqual(old, next)) {
      throw new DistributionError(
        `CategoricalDistribution does not support dynamic value space (${JSON.stringify(old.choices)} != ${JSON.stringify((next as CategoricalDistribution).choices)})`,
      )
    }
    return
  }
  if (old.log !== (next as NumericalDistribution).log) {
    throw new DistributionError('Cannot change the `log` flag of a parameter within a study')
  }
}

// ---- JSON (Optuna's `distribution_to_json` / `json_to_distribution`) ----

/** Python's `repr(float)`: shortest round-trip digits, always with a `.0` or an exponent. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, expPart] = x.toExponential().split('e') as [string, string]
  const exp = Number(expPart)
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+'
    const e = Math.abs(exp).toString().padStart(2, '0')
    return `${mantissa}e${sign}${e}`
  }
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  let s: string
  if (exp >= 0) {
    const intDigits = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
    const frac = digits.slice(exp + 1)
    s = `${intDigits}.${frac === '' ? '0' : frac}`
  } else {
    s = `0.${'0'.repeat(-exp - 1)}${digits}`
  }
  return negative ? `-${s}` : s
}

function pyValue(v: CategoricalChoice, asFloat = false): string {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'string') return pyString(v)
  if (asFloat || !Number.isInteger(v)) return pythonFloatRepr(v)
  return String(v)
}

/** `json.dumps` of a string (ensure_ascii=True). */
export function pyString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (code < 0x20 || (code > 0x7e && code <= 0xffff)) out += `\\u${code.toString(16).padStart(4, '0')}`
    else if (code > 0xffff) {
      const u = code - 0x10000
      out += `\\u${(0xd800 + (u >> 10)).toString(16)}\\u${(0xdc00 + (u & 0x3ff)).toString(16)}`
    } else out += ch
  }
  return out + '"'
}

/** Serialise exactly as Optuna's `json.dumps({"name": ..., "attributes": ...})` does. */
export function distributionToJson(dist: Distribution): string {
  if (dist instanceof FloatDistribution) {
    const step = dist.step === null ? 'null' : pythonFloatRepr(dist.step)
    return `{"name": "FloatDistribution", "attributes": {"step": ${step}, "low": ${pythonFloatRepr(dist.low)}, "high": ${pythonFloatRepr(dist.high)}, "log": ${dist.log}}}`
  }
  if (dist instanceof IntDistribution) {
    return `{"name": "IntDistribution", "attributes": {"log": ${dist.log}, "step": ${dist.step}, "low": ${dist.low}, "high": ${dist.high}}}`
  }
  const choices = dist.choices.map((c) => pyValue(c)).join(', ')
  return `{"name": "CategoricalDistribution", "attributes": {"choices": [${choices}]}}`
}

type JsonObject = Record<string, unknown>

function num(attrs: JsonObject, key: string): number {
  const v = attrs[key]
  if (typeof v !== 'number') throw new DistributionError(`Distribution attribute ${key} must be a number`)
  return v
}

/** Parse Optuna's distribution JSON, including the legacy class names and the abbreviated form. */
export function jsonToDistribution(json: string): Distribution {
  const parsed = JSON.parse(json) as JsonObject
  if (typeof parsed.type === 'string') {
    switch (parsed.type) {
      case 'float':
        return new FloatDistribution(num(parsed, 'low'), num(parsed, 'high'), {
          log: parsed.log === true,
          step: (parsed.step as number | null | undefined) ?? null,
        })
      case 'int':
        return new IntDistribution(num(parsed, 'low'), num(parsed, 'high'), {
          log: parsed.log === true,
          step: (parsed.step as number | undefined) ?? 1,
        })
      case 'categorical':
        return new CategoricalDistribution(parsed.choices as CategoricalChoice[])
      default:
        throw new DistributionError(`Unknown distribution type ${String(parsed.type)}`)
    }
  }
  const name = parsed.name
  const a = (parsed.attributes ?? {}) as JsonObject
  switch (name) {
    case 'FloatDistribution':
      return new FloatDistribution(num(a, 'low'), num(a, 'high'), {
        log: a.log === true,
        step: (a.step as number | null | undefined) ?? null,
      })
    case 'IntDistribution':
      return new IntDistribution(Math.round(num(a, 'low')), Math.round(num(a, 'high')), {
        log: a.log === true,
        step: Math.round((a.step as number | undefined) ?? 1),
      })
    case 'CategoricalDistribution':
      return new CategoricalDistribution(a.choices as CategoricalChoice[])
    case 'UniformDistribution':
      return new FloatDistribution(num(a, 'low'), num(a, 'high'))
    case 'LogUniformDistribution':
      return new FloatDistribution(num(a, 'low'), num(a, 'high'), { log: true })
    case 'DiscreteUniformDistribution':
      return new FloatDistribution(num(a, 'low'), num(a, 'high'), { step: num(a, 'q') })
    case 'IntUniformDistribution':
      return new IntDistribution(Math.round(num(a, 'low')), Math.round(num(a, 'high')), {
        step: Math.round((a.step as number | undefined) ?? 1),
      })
    case 'IntLogUniformDistribution':
      return new IntDistribution(Math.round(num(a, 'low')), Math.round(num(a, 'high')), { log: true })
    default:
      throw new DistributionError(`Unknown distribution ${String(name)}`)
  }
}
