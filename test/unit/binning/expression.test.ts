import { describe, expect, it } from 'vitest'

import { compileExpression, erf, erfc, ExpressionError } from '../../../main/binning/expression'

const at = (text: string, x = 0): number => compileExpression(text)(x)

function failure(text: string): ExpressionError {
  try {
    compileExpression(text)
  } catch (error) {
    if (error instanceof ExpressionError) return error
    throw error
  }
  throw new Error(`"${text}" compiled`)
}

describe('density expressions', () => {
  it('follows the usual precedence and associativity', () => {
    expect(at('2 + 3 * 4')).toBe(14)
    expect(at('(2 + 3) * 4')).toBe(20)
    expect(at('8 / 4 / 2')).toBe(1)
    expect(at('10 - 4 - 3')).toBe(3)
    expect(at('2^3^2')).toBe(512)
    expect(at('-2^2')).toBe(-4)
    expect(at('2^-1')).toBe(0.5)
    expect(at('--3')).toBe(3)
    expect(at('1.5e2 + .5 + 2E-1')).toBeCloseTo(150.7, 12)
  })

  it('evaluates x, pi and the functions', () => {
    expect(at('x^2 - 3*x', 2)).toBe(-2)
    expect(at('50 * exp(-(x - 0.5)^2 / (2 * 0.08^2))', 0.5)).toBe(50)
    expect(at('200*exp(-2*x)', 0.25)).toBeCloseTo(200 * Math.exp(-0.5), 12)
    expect(at('log(exp(2)) + sqrt(16) + abs(-3)')).toBeCloseTo(9, 14)
    expect(at('pow(2, 10) + min(3, x, 7) + max(1, 2, 3, 4)', -1)).toBe(1027)
    expect(at('2 * pi')).toBe(2 * Math.PI)
    expect(compileExpression('t + 1', 't')(2)).toBe(3)
  })

  it('evaluates the same operations in the same order as the formula written in JavaScript', () => {
    const signal = compileExpression('50 * exp(-(x - 0.5)^2 / (2 * 0.08^2)) + min(x, 0.3, 1/x) - -erf(x)')
    for (const x of [0, 0.1, 0.37, 0.5, 0.93, 1, -2.5]) {
      const expected = 50 * Math.exp(-Math.pow(x - 0.5, 2) / (2 * Math.pow(0.08, 2))) + Math.min(x, 0.3, 1 / x) - -erf(x)
      expect(signal(x)).toBe(expected)
    }
    expect(compileExpression('1e999 - x')(1)).toBe(Infinity)
    expect(compileExpression('-1e999 * x')(2)).toBe(-Infinity)
    expect(compileExpression('x^0.5')(-1)).toBeNaN()
  })

  it('computes erf to double precision (values from Python math.erf)', () => {
    const reference: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.99, 0.9999764743969194],
      [3.01, 0.9999792610363629],
      [3.5, 0.9999992569016276],
      [-1.2, -0.9103139782296353],
      [1e-8, 1.1283791670955126e-8],
    ]
    for (const [x, value] of reference) expect(Math.abs(erf(x) - value)).toBeLessThanOrEqual(4e-16 * Math.abs(value))
    const tails: [number, number][] = [
      [1, 0.15729920705028513],
      [3.5, 7.430983723414128e-7],
      [5, 1.5374597944280351e-12],
      [8, 1.1224297172982928e-29],
    ]
    for (const [x, value] of tails) expect(Math.abs(erfc(x) - value)).toBeLessThanOrEqual(2e-15 * value)
    expect(erf(0)).toBe(0)
    expect(erf(40)).toBe(1)
    expect(at('erf(x)', 1)).toBe(erf(1))
  })

  it('reports errors with their position', () => {
    expect(failure('x +* 2').position).toBe(3)
    expect(failure('x +* 2').message).toContain('at character 4')
    const unknown = failure('2 * y')
    expect(unknown.position).toBe(4)
    expect(unknown.message).toContain('unknown name "y"')
    expect(failure('(x + 1').message).toContain('expected ")" but found the end')
    expect(failure('x 2').message).toContain('unexpected "2"')
    expect(failure('exp(1, 2)').message).toContain('exp takes 1 argument, got 2')
    expect(failure('max(1)').message).toContain('at least 2 arguments')
    expect(failure('sqrt 4').message).toContain('needs its arguments in parentheses')
    expect(failure('x $ 2').position).toBe(2)
    expect(failure('1.2.3').message).toContain('unexpected')
    expect(failure('   ').message).toContain('empty')
  })

  it('never evaluates JavaScript', () => {
    expect(() => compileExpression('constructor')).toThrow(/unknown name "constructor"/)
    expect(() => compileExpression('__proto__(1)')).toThrow(ExpressionError)
    expect(() => compileExpression('process.exit(1)')).toThrow(ExpressionError)
    expect(() => compileExpression('toString(1, 2)')).toThrow(/unknown name "toString"/)
  })
})
