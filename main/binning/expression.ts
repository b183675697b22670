/**
 * A small, safe expression language for analytic densities: numbers (1, 0.5, 2e-3), the variable
 * `x`, the constant `pi`, + - * / ^ (right-associative, binding tighter than unary minus, so
 * -x^2 = -(x^2)), parentheses and the functions exp log sqrt abs erf pow min max. Expressions are
 * parsed into a tree, then compiled to a JavaScript function written from the tree alone (numbers,
 * `x`, operators, whitelisted functions), or to closures where code generation is disabled; the
 * user's text itself is never evaluated.
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

/** The parsed expression. */
type Node =
  | { kind: 'number'; value: number }
  | { kind: 'variable' }
  | { kind: 'negate'; a: Node }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; a: Node; b: Node }
  | { kind: 'power'; a: Node; b: Node }
  | { kind: 'call'; name: string; args: Node[] }

/** Parse `text` into a function of the variable (named `variable`, `x` unless given). */
export function compileExpression(text: string, variable = 'x'): Density {
  const tree = foldConstants(parseExpression(text, variable))
  return generated(tree) ?? closure(tree)
}

function parseExpression(text: string, variable: string): Node {
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
  function sum(): Node {
    let left = product()
    for (let t = peek(); isOp(t, '+') || isOp(t, '-'); t = peek()) {
      k++
      left = { kind: 'binary', op: isOp(t, '+') ? '+' : '-', a: left, b: product() }
    }
    return left
  }

  // product := unary (('*'|'/') unary)*
  function product(): Node {
    let left = unary()
    for (let t = peek(); isOp(t, '*') || isOp(t, '/'); t = peek()) {
      k++
      left = { kind: 'binary', op: isOp(t, '*') ? '*' : '/', a: left, b: unary() }
    }
    return left
  }

  // unary := ('-'|'+') unary | power
  function unary(): Node {
    const t = peek()
    if (isOp(t, '-')) {
      k++
      return { kind: 'negate', a: unary() }
    }
    if (isOp(t, '+')) {
      k++
      return unary()
    }
    return power()
  }

  // power := atom ('^' unary)?   (right-associative: 2^3^2 = 2^9)
  function power(): Node {
    const base = atom()
    if (!isOp(peek(), '^')) return base
    k++
    return { kind: 'power', a: base, b: unary() }
  }

  function atom(): Node {
    const t = peek()
    if (t.kind === 'number') {
      k++
      return { kind: 'number', value: t.value }
    }
    if (isOp(t, '(')) {
      k++
      const inner = sum()
      expect(')')
      return inner
    }
    if (t.kind === 'name') {
      k++
      if (t.value === variable) return { kind: 'variable' }
      if (Object.hasOwn(CONSTANTS, t.value)) return { kind: 'number', value: CONSTANTS[t.value] }
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
      return { kind: 'call', name: t.value, args }
    }
    throw new ExpressionError(`expected a number, "${variable}", a function or "(" but found ${describe(t)}`, t.at)
  }

  const root = sum()
  const rest = peek()
  if (rest.kind !== 'end') throw new ExpressionError(`unexpected ${describe(rest)}`, rest.at)
  return root
}

const dependsOnVariable = (node: Node): boolean => {
  switch (node.kind) {
    case 'number':
      return false
    case 'variable':
      return true
    case 'negate':
      return dependsOnVariable(node.a)
    case 'binary':
    case 'power':
      return dependsOnVariable(node.a) || dependsOnVariable(node.b)
    case 'call':
      return node.args.some(dependsOnVariable)
  }
}

/** Evaluates the parts without the variable once (the same operations in the same order, so the same values). */
function foldConstants(node: Node): Node {
  if (node.kind !== 'variable' && node.kind !== 'number' && !dependsOnVariable(node)) return { kind: 'number', value: closure(node)(0) }
  switch (node.kind) {
    case 'negate':
      return { ...node, a: foldConstants(node.a) }
    case 'binary':
    case 'power':
      return { ...node, a: foldConstants(node.a), b: foldConstants(node.b) }
    case 'call':
      return { ...node, args: node.args.map(foldConstants) }
    default:
      return node
  }
}

/** The expression as nested closures (where generating code is not allowed). */
function closure(node: Node): Density {
  switch (node.kind) {
    case 'number': {
      const v = node.value
      return () => v
    }
    case 'variable':
      return (x) => x
    case 'negate': {
      const a = closure(node.a)
      return (x) => -a(x)
    }
    case 'binary': {
      const a = closure(node.a)
      const b = closure(node.b)
      if (node.op === '+') return (x) => a(x) + b(x)
      if (node.op === '-') return (x) => a(x) - b(x)
      if (node.op === '*') return (x) => a(x) * b(x)
      return (x) => a(x) / b(x)
    }
    case 'power': {
      const a = closure(node.a)
      const b = closure(node.b)
      return (x) => Math.pow(a(x), b(x))
    }
    case 'call': {
      const f = FUNCTIONS[node.name].f
      const args = node.args.map(closure)
      if (args.length === 1) {
        const [a] = args
        return (x) => f(a(x))
      }
      if (args.length === 2) {
        const [a, b] = args
        return (x) => f(a(x), b(x))
      }
      return (x) => f(...args.map((a) => a(x)))
    }
  }
}

/**
 * JavaScript source for the tree. Only numbers (printed from their values), the parameter `x`,
 * operators and the whitelisted functions (looked up in `F`) are ever written, never the user's
 * text, so the result is as safe as the closures and evaluates the same operations in the same order.
 */
function source(node: Node): string {
  switch (node.kind) {
    case 'number':
      return Number.isFinite(node.value) ? `(${String(node.value)})` : Number.isNaN(node.value) ? '(0/0)' : node.value > 0 ? '(1/0)' : '(-1/0)'
    case 'variable':
      return 'x'
    case 'negate':
      return `(-${source(node.a)})`
    case 'binary':
      return `(${source(node.a)} ${node.op} ${source(node.b)})`
    case 'power':
      return `F.pow(${source(node.a)}, ${source(node.b)})`
    case 'call':
      return `F.${node.name}(${node.args.map(source).join(', ')})`
  }
}

/**
 * The tree compiled to one JavaScript function, which V8 optimises as a whole (several times faster
 * than the closures in the integrals of every trial); undefined where code generation is disabled.
 */
function generated(node: Node): Density | undefined {
  const F = Object.fromEntries(Object.entries(FUNCTIONS).map(([name, { f }]) => [name, f]))
  try {
    const make = new Function('F', `"use strict"; return function density(x) { return ${source(node)} }`) as (f: typeof F) => Density
    return make(F)
  } catch (error) {
    if (error instanceof EvalError) return undefined
    throw error
  }
}
