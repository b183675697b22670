/**
 * TRExFitter's automatic binnings (`Binning: "AutoBin","TransfoD",zSig,zBkg` and `"TransfoF"`),
 * as TRExFitter::ComputeBinning defines them: fine bins are merged walking down from the highest
 * bin; a new bin closes as soon as its pass condition holds. Totals S and B exclude under/overflow.
 *
 *  - TransfoD: passes when Z = zSig·s/S + zBkg·b/B > 1. Among passing extensions it keeps the one
 *    whose 1/Z is closest to 1 (a fine bin that moves 1/Z further from 1 is left for the next bin).
 *    When the bottom is reached with more than zSig+zBkg bins, the last, incomplete bin joins its
 *    neighbour above. Gives about zSig+zBkg bins.
 *  - TransfoF: passes when sqrt(zBkg·b/B) + sqrt(zSig·L) > 1 with L = Σ_fine s_i ln(1+s_i/b_i),
 *    and the background's relative MC error sqrt(Σw²)/b < 10%. The incomplete last bin always joins
 *    its neighbour.
 *  - TransfoJ(p1 = 5, p2 = 1, p3 = 5): the first bin needs b > p1, each next one event more, while
 *    closed bins keep s/b ≥ p2·S/B; from the first bin below that, every bin needs more than 1/p3
 *    of the background at or below the fine bin where the switch happened (under/overflow are not
 *    part of fine histograms here). No tail merge.
 */

import type { Histogram } from './histogram'

interface Accumulated {
  signal: number
  background: number
  backgroundSumw2: number
  /** Σ s_i ln(1 + s_i/b_i) over fine bins with s_i, b_i > 0 (TransfoF's signal term). */
  signalLog: number
}

interface Verdict {
  pass: boolean
  /** How far the bin is from its target; `null` when the rule does not look for the closest. */
  distance: number | null
}

interface TransfoRule {
  /** Verdict on the bin built so far, whose lowest fine bin is `lowest`. */
  judge(bin: Accumulated, lowest: number): Verdict
  /** Whether the incomplete bin at the bottom joins its neighbour, given the bins counted so far. */
  mergeTail(binsSoFar: number): boolean
}

function walkFromTop(signal: Histogram, background: Histogram, rule: TransfoRule): number[] {
  const n = signal.sumw.length
  if (background.sumw.length !== n) throw new RangeError('signal and background must have the same fine binning')
  // lows[k]: lowest fine bin of the k-th bin from the top; starts with the upper boundary n.
  const lows = [n]
  let i = n - 1
  while (i >= 0) {
    const bin: Accumulated = { signal: 0, background: 0, backgroundSumw2: 0, signalLog: 0 }
    let pass = false
    let previousDistance = Infinity
    while (!pass && i >= 0) {
      const s = signal.sumw[i]
      const b = background.sumw[i]
      bin.signal += s
      bin.background += b
      bin.backgroundSumw2 += background.sumw2[i]
      if (s > 0 && b > 0) bin.signalLog += s * Math.log1p(s / b)
      const verdict = rule.judge(bin, i)
      pass = verdict.pass
      const distance = verdict.distance ?? -Infinity
      const fineBinMakesItWorse = pass && distance > previousDistance
      if (!fineBinMakesItWorse) i--
      previousDistance = distance
    }
    if (i < 0 && lows.length > 1 && rule.mergeTail(lows.length)) lows.pop()
    lows.push(i + 1)
  }
  return lows.reverse()
}

function totals(signal: Histogram, background: Histogram): { S: number; B: number } {
  const sum = (v: number[]): number => v.reduce((a, x) => a + x, 0)
  return { S: sum(signal.sumw), B: sum(background.sumw) }
}

/** Cuts (fine-edge indices) of TRExFitter's TransfoD(zSig, zBkg). */
export function transfoD(signal: Histogram, background: Histogram, zSig: number, zBkg: number): number[] {
  const { S, B } = totals(signal, background)
  // Same arithmetic as TRExFitter: err2Rel = 1/Z, with one-term fallbacks when s or b is zero.
  const rule: TransfoRule = {
    judge: ({ signal: s, background: b }) => {
      let err2Rel = 1
      if (b !== 0 && s !== 0) err2Rel = 1 / (b / (B / zBkg) + s / (S / zSig))
      else if (b !== 0) err2Rel = B / zBkg / b
      else if (s !== 0) err2Rel = S / zSig / s
      return { pass: Math.sqrt(err2Rel) < 1, distance: Math.abs(err2Rel - 1) }
    },
    mergeTail: (binsSoFar) => binsSoFar > zSig + zBkg + 0.01,
  }
  return walkFromTop(signal, background, rule)
}

/** Cuts of TRExFitter's TransfoF(zSig, zBkg), including its 10% background MC-error requirement. */
export function transfoF(signal: Histogram, background: Histogram, zSig: number, zBkg: number): number[] {
  const { B } = totals(signal, background)
  const rule: TransfoRule = {
    judge: ({ background: b, backgroundSumw2, signalLog }) => {
      let err2Rel = 1
      if (b !== 0 && signalLog !== 0) err2Rel = 1 / (Math.sqrt(b / (B / zBkg)) + Math.sqrt(signalLog / (1 / zSig)))
      else if (b !== 0) err2Rel = Math.sqrt(B / zBkg / b)
      else if (signalLog !== 0) err2Rel = Math.sqrt(1 / zSig / signalLog)
      const relativeMcError2 = b !== 0 ? backgroundSumw2 / (b * b) : 1
      return { pass: Math.sqrt(err2Rel) < 1 && Math.sqrt(relativeMcError2) < 0.1, distance: null }
    },
    mergeTail: () => true,
  }
  return walkFromTop(signal, background, rule)
}

/** Cuts of TRExFitter's TransfoJ(p1, p2, p3): a rising minimum background, then ~p3 equal-background bins. */
export function transfoJ(signal: Histogram, background: Histogram, p1 = 5, p2 = 1, p3 = 5): number[] {
  const { S, B } = totals(signal, background)
  const backgroundUpTo: number[] = []
  background.sumw.reduce((acc, b, i) => (backgroundUpTo[i] = acc + b), 0)
  let goal = p1
  let switched = false
  let target = 1e5
  const rule: TransfoRule = {
    judge: ({ signal: s, background: b }, lowest) => {
      const pass = switched ? b > target : b > goal
      if (pass && !switched) {
        if (s / b < (p2 * S) / B) {
          switched = true
          target = backgroundUpTo[lowest] / p3
        } else {
          goal += 1
        }
      }
      return { pass, distance: null }
    },
    mergeTail: () => false,
  }
  return walkFromTop(signal, background, rule)
}
