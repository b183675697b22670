import type { Trial } from '../../../main/study/trial.js'

/** Analytic test functions (minimum 0). */
export function sphere(dim: number, bound = 5) {
  return (t: Trial): number => {
    let s = 0
    for (let i = 0; i < dim; i++) s += t.suggestFloat(`x${i}`, -bound, bound) ** 2
    return s
  }
}

export function rosenbrock(dim: number) {
  return (t: Trial): number => {
    const x = Array.from({ length: dim }, (_, i) => t.suggestFloat(`x${i}`, -2, 2))
    let s = 0
    for (let i = 0; i + 1 < dim; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2
    return s
  }
}

/** Mixed space: an int with a step, a log float and a categorical with one good choice. */
export function mixed(t: Trial): number {
  const n = t.suggestInt('n', 0, 20, { step: 2 })
  const lr = t.suggestFloat('lr', 1e-4, 1, { log: true })
  const kind = t.suggestCategorical('kind', ['a', 'b', 'c', 'd'])
  return (n - 10) ** 2 / 100 + Math.log10(lr / 1e-2) ** 2 + (kind === 'c' ? 0 : 1)
}
