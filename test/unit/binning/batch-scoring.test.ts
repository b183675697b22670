import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { DiscoveryBatcher, groupByStructure, structureKey } from '../../../main/binning/batch-scoring'
import type { ChannelEdges } from '../../../main/binning/binned-model'
import { parseStudyConfig } from '../../../main/binning/config'
import { createBinningObjective } from '../../../main/binning/objective'
import type { PyhfWorkspace } from '../../../main/binning/rebin-workspace'
import { discoveryFit } from '../../../main/binning/scoring'

const TUTORIAL = join(__dirname, '../../../resources/examples/tutorial/study.yaml')
const config = parseStudyConfig(readFileSync(TUTORIAL, 'utf8'))

const uniform = (n: number, lo: number, hi: number): ChannelEdges => ({ SR: Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n) })

/** q0 agrees to the fits' tolerance between the lockstep batch and the engine's own fits. */
const closeQ0 = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a)))

describe('structure groups', () => {
  it('keys workspaces by channels and bins per channel', () => {
    const ws = (bins: number[]): PyhfWorkspace =>
      ({ channels: bins.map((n, i) => ({ name: `c${i}`, samples: [{ name: 's', data: new Array<number>(n).fill(1), modifiers: [] }] })) }) as unknown as PyhfWorkspace
    expect(structureKey(ws([3, 4]))).toBe('c0:3|c1:4')
    const requests = [3, 5, 3, 5, 4].map((n, i) => ({ i, key: structureKey(ws([n])) }))
    expect(groupByStructure(requests).map((g) => g.map((r) => r.i))).toEqual([[0, 2], [1, 3], [4]])
  })
})

describe('batched discovery fits of a parallel study', () => {
  it('scores proposals in flight together in one batch, with the per-trial Z0', async () => {
    const batched = await createBinningObjective(config, { scoring: { concurrency: 4, device: 'gpu' } })
    const single = await createBinningObjective(config)
    const binnings = [uniform(8, 0, 1), uniform(8, 0.1, 0.9), uniform(8, 0.2, 0.95), uniform(8, 0.05, 0.8)]
    const together = await Promise.all(binnings.map((e) => batched.evaluateEdges(e)))
    for (const [i, edges] of binnings.entries()) {
      const alone = await single.evaluateEdges(edges)
      closeQ0(together[i]!.metrics.z0! ** 2, alone.metrics.z0! ** 2)
      expect(together[i]!.feasible).toBe(alone.feasible)
      expect(together[i]!.constraints).toEqual(alone.constraints)
      expect(together[i]!.metrics.mu_hat).toBeCloseTo(alone.metrics.mu_hat!, 4)
    }
    const report = batched.scoringReport!()!
    expect(single.scoringReport!()).toBeNull()
    expect(report).toMatchObject({ device: 'gpu', batches: 1, batchedRequests: 4, singleRequests: 0 })
    // On the GPU when there is one; else the CPU, with the reason noted once.
    const backends = Object.keys(report.groups)
    if (report.adapter === null) {
      expect(backends).toEqual(['cpu'])
      expect(report.notes.length).toBe(1)
    } else {
      expect(backends.every((b) => b.startsWith('gpu-'))).toBe(true)
    }
  })

  it('scores a lone structure on the per-trial path and fails only the failing candidate', async () => {
    const objective = await createBinningObjective(config)
    const workspaces = [uniform(6, 0, 1), uniform(6, 0.1, 1), uniform(6, 0, 0.9), uniform(6, 0.2, 1), uniform(9, 0, 1)].map((e) => objective.workspaceFor(e))
    // Candidate 3: the POI fixed, so q0 has nothing to fit (the per-trial path refuses it too).
    const fixed = structuredClone(workspaces[3]!) as PyhfWorkspace & { measurements: { config: { parameters: Record<string, unknown>[] } }[] }
    fixed.measurements[0]!.config.parameters = [...(fixed.measurements[0]!.config.parameters ?? []), { name: 'mu', fixed: true }]
    workspaces[3] = fixed
    const batcher = new DiscoveryBatcher({ device: 'gpu', batchSize: 5 })
    const outcomes = await Promise.allSettled(workspaces.map((w) => batcher.discover(JSON.stringify(w), w)))
    const perTrial = await Promise.allSettled(workspaces.map((w) => discoveryFit(JSON.stringify(w))))
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(perTrial[3]!.status).toBe('rejected')
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toMatch(/fixed/)
    for (const i of [0, 1, 2, 4]) {
      const got = (outcomes[i] as PromiseFulfilledResult<{ value: number }>).value
      const want = (perTrial[i] as PromiseFulfilledResult<{ value: number }>).value
      closeQ0(got.value, want.value)
    }
    expect(batcher.report()).toMatchObject({ batches: 1, batchedRequests: 4, singleRequests: 1 })
  })

  it('scores each request on its own when the batch call itself fails (an addon without it)', async () => {
    const objective = await createBinningObjective(config)
    const workspaces = [uniform(7, 0, 1), uniform(7, 0.1, 1), uniform(7, 0, 0.9)].map((e) => objective.workspaceFor(e))
    const missing = () => Promise.reject(new TypeError('n.inferDiscoveryBatch is not a function'))
    const batcher = new DiscoveryBatcher({ device: 'gpu', batchSize: 3, scoreBatch: missing })
    const fits = await Promise.all(workspaces.map((w) => batcher.discover(JSON.stringify(w), w)))
    for (const [i, w] of workspaces.entries()) expect(fits[i]!.value).toBe((await discoveryFit(JSON.stringify(w))).value)
    const report = batcher.report()
    expect(report).toMatchObject({ batches: 0, batchedRequests: 0, singleRequests: 3 })
    expect(report.notes).toEqual(['batched scoring failed (n.inferDiscoveryBatch is not a function); scoring each trial on its own'])
  })

  it('flushes a partial batch after its wait and leaves the CPU device to the per-trial path', async () => {
    const objective = await createBinningObjective(config, { scoring: { concurrency: 8, device: 'gpu' } })
    const edges = [uniform(5, 0, 1), uniform(5, 0.1, 1)]
    const values = await Promise.all(edges.map((e) => objective.evaluateEdges(e)))
    expect(values.every((v) => Number.isFinite(v.values[0]))).toBe(true)
    expect(objective.scoringReport!()).toMatchObject({ batches: 1, batchedRequests: 2 })
    // auto: the tutorial's workspaces are tiny, so their fits stay on the calling thread.
    const auto = await createBinningObjective(config, { scoring: { concurrency: 8, device: 'auto' } })
    await Promise.all(edges.map((e) => auto.evaluateEdges(e)))
    expect(auto.scoringReport!()).toMatchObject({ batches: 0, singleRequests: 2 })
    const cpu = await createBinningObjective(config, { scoring: { concurrency: 8, device: 'cpu' } })
    expect(cpu.scoringReport!()).toBeNull()
  })
})
