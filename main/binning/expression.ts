/**
 * A small, safe expression language for analytic densities: numbers (1, 0.5, 2e-3), the variable
 * `x`, the constant `pi`, + - * / ^ (right-associative, binding tighter than unary minus, so
 * -x^2 = -(x^2)), parentheses and the functions exp log sqrt abs erf pow min max. Expressions are
 * parsed once into closures; nothing is ever passed to `eval`.
 */

export class ExpressionError extends Error {
  /** 0-based character offset of the problem in the expression. */
  readonly position: number

  constructor(message: string, position: number) {
    super(`${message} (at character ${position + 1})`)
    this.name = 'ExpressionError'
    this.position = position
  }
}

export type Density = (x: number) => number

type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number }

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) {
      i++
    } else if (/[0-9.]/.test(c)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i))
      if (!match) throw new ExpressionError(`malformed number`, i)
      tokens.push({ kind: 'number', value: Number(match[0]), at: i })
      i += match[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0]
      tokens.push({ kind: 'name', value: name, at: i })
      i += name.length
    } else if ('+-*/^(),'.includes(c)) {
      tokens.push({ kind: 'op', value: c, at: i })
      i++
    } else {
      throw new ExpressionError(`unexpected character "${c}"`, i)
    }
  }
  tokens.push({ kind: 'end', at: text.length })
  return tokens
}

const SQRT_PI = Math.sqrt(Math.PI)

/** erfc(x) for x ≥ 3 from its continued fraction (modified Lentz), to about 1e-15 relative. */
function erfcTail(x: number): number {
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300
  let f = x
  let C = x
  let D = 0
  for (let n = 1; n < 500; n++) {
    const a = n / 2
    D = x + a * D
    D = D === 0 ? tiny : 1 / D
    C = x + a / C
    if (C === 0) C = tiny
    const delta = C * D
    f *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(-x * x) / SQRT_PI / f
}

/**
 * erf to about 1e-15 relative: for |x| < 3 the series 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!! (positive
 * terms, no cancellation); beyond, 1 − erfc.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN
  const ax = Math.abs(x)
  if (ax >= 3) return Math.sign(x) * (1 - erfcTail(ax))
  let term = ax
  let sum = ax
  for (let n = 1; n < 200; n++) {
    term *= (2 * ax * ax) / (2 * n + 1)
    sum += term
    if (term < 1e-17 * sum) break
  }
  return Math.sign(x) * (2 / SQRT_PI) * Math.exp(-ax * ax) * sum
}

/** 1 − erf(x), without cancellation for large x. */
export function erfc(x: number): number {
  return x >= 3 ? erfcTail(x) : 1 - erf(x)
}

const FUNCTIONS: Record<string, { arity: number | 'many'; f: (...args: number[]) => number }> = {
  exp: { arity: 1, f: Math.exp },
  log: { arity: 1, f: Math.log },
  sqrt: { arity: 1, f: Math.sqrt },
  abs: { arity: 1, f: Math.abs },
  erf: { arity: 1, f: erf },
  pow: { arity: 2, f: Math.pow },
  min: { arity: 'many', f: Math.min },
  max: { arity: 'many', f: Math.max },
}

const CONSTANTS: Record<string, number> = { pi: Math.PI }

/** Parse `text` into a function of the variable (named `variable`, `x` unless given). */
export function compileExpression(text: string, variable = 'x'): Density {
  if (typeof text !== 'string' || text.trim() === '') throw new ExpressionError('the expression is empty', 0)
  const tokens = tokenize(text)
  let k = 0
  const peek = (): Token => tokens[k]
  const isOp = (t: Token, value: string): boolean => t.kind === 'op' && t.value === value
  const describe = (t: Token): string => (t.kind === 'end' ? 'the end' : `"${String(t.value)}"`)

  function expect(value: string): void {
    const t = peek()
    if (!isOp(t, value)) throw new ExpressionError(`expected "${value}" but found ${describe(t)}`, t.at)
    k++
  }

  // sum := product (('+'|'-') product)*
  function sum(): Density {
    let left = product()
    for (let t = peek(); isOp(t, '+') || isOp(t, '-'); t = peek()) {
      k++
      const a = left
      const b = product()
      left = isOp(t, '+') ? (x) => a(x) + b(x) : (x) => a(x) - b(x)
    }
    return left
  }

  // product := unary (('*'|'/') unary)*
  function product(): Density {
    let left = unary()
    for (let t = peek(); isOp(t, '*') || isOp(t, '/'); t = peek()) {
      k++
      const a = left
      const b = unary()
      left = isOp(t, '*') ? (x) => a(x) * b(x) : (x) => a(x) / b(x)
    }
    return left
  }

  // unary := ('-'|'+') unary | power
  function unary(): Density {
    const t = peek()
    if (isOp(t, '-')) {
      k++
      const a = unary()
      return (x) => -a(x)
    }
    if (isOp(t, '+')) {
      k++
      return unary()
    }
    return power()
  }

  // power := atom ('^' unary)?   (right-associative: 2^3^2 = 2^9)
  function power(): Density {
    const base = atom()
    if (!isOp(peek(), '^')) return base
    k++
    const exponent = unary()
    return (x) => Math.pow(base(x), exponent(x))
  }

  function atom(): Density {
    const t = peek()
    if (t.kind === 'number') {
      k++
      const v = t.value
      return () => v
    }
    if (isOp(t, '(')) {
      k++
      const inner = sum()
      expect(')')
      return inner
    }
    if (t.kind === 'name') {
      k++
      if (t.value === variable) return (x) => x
      if (Object.hasOwn(CONSTANTS, t.value)) {
        const v = CONSTANTS[t.value]
        return () => v
      }
      const fn = Object.hasOwn(FUNCTIONS, t.value) ? FUNCTIONS[t.value] : undefined
      if (fn === undefined) {
        const known = [variable, ...Object.keys(CONSTANTS), ...Object.keys(FUNCTIONS)].join(', ')
        throw new ExpressionError(`unknown name "${t.value}" (known: ${known})`, t.at)
      }
      if (!isOp(peek(), '(')) throw new ExpressionError(`function ${t.value} needs its arguments in parentheses`, peek().at)
      k++
      const args = [sum()]
      while (isOp(peek(), ',')) {
        k++
        args.push(sum())
      }
      expect(')')
      if (fn.arity === 'many' ? args.length < 2 : args.length !== fn.arity) {
        const wanted = fn.arity === 'many' ? 'at least 2 arguments' : `${fn.arity} argument${fn.arity === 1 ? '' : 's'}`
        throw new ExpressionError(`${t.value} takes ${wanted}, got ${args.length}`, t.at)
      }
      if (args.length === 1) {
        const [a] = args
        return (x) => fn.f(a(x))
      }
      if (args.length === 2) {
        const [a, b] = args
        return (x) => fn.f(a(x), b(x))
      }
      return (x) => fn.f(...args.map((a) => a(x)))
    }
    throw new ExpressionError(`expected a number, "${variable}", a function or "(" but found ${describe(t)}`, t.at)
  }

  const root = sum()
  const rest = peek()
  if (rest.kind !== 'end') throw new ExpressionError(`unexpected ${describe(rest)}`, rest.at)
  return root
}
