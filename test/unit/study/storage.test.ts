import { afterEach, describe, expect, it } from 'vitest'
import { CategoricalDistribution, FloatDistribution, IntDistribution } from '../../../main/study/distributions.js'
import { DuplicatedStudyError, StudyNotFoundError, type StudyStorage } from '../../../main/study/storage/base.js'
import { Study } from '../../../main/study/study.js'
import { TPESampler } from '../../../main/study/samplers/tpe.js'
import { backends } from './storages.js'

for (const backend of backends()) {
  describe.skipIf(backend.skipReason !== null)(`${backend.name} storage${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let storage: StudyStorage
    afterEach(async () => {
      await storage?.close()
      await backend.cleanup()
    })

    it('creates, names, finds and deletes studies', async () => {
      storage = await backend.make()
      const id = await storage.createNewStudy(['minimize', 'maximize'], 'binning')
      expect(await storage.getStudyIdFromName('binning')).toBe(id)
      expect(await storage.getStudyNameFromId(id)).toBe('binning')
      expect(await storage.getStudyDirections(id)).toEqual(['minimize', 'maximize'])
      await expect(storage.createNewStudy(['minimize'], 'binning')).rejects.toBeInstanceOf(DuplicatedStudyError)
      await storage.setStudyUserAttr(id, 'model', { channels: ['SR', 'CR'], lumi: 139 })
      await storage.setStudySystemAttr(id, 'study:metric_names', ['Z0', 'edges'])
      expect(await storage.getStudyUserAttrs(id)).toEqual({ model: { channels: ['SR', 'CR'], lumi: 139 } })
      const all = await storage.getAllStudies()
      expect(all.map((s) => [s.studyName, s.directions, s.nTrials])).toEqual([['binning', ['minimize', 'maximize'], 0]])
      await storage.createNewTrial(id)
      await storage.deleteStudy(id)
      await expect(storage.getStudyIdFromName('binning')).rejects.toBeInstanceOf(StudyNotFoundError)
    })

    it('round-trips a trial: params, values, intermediate values, attrs, states', async () => {
      storage = await backend.make()
      const studyId = await storage.createNewStudy(['maximize'], 's')
      const { trialId, number } = await storage.createNewTrial(studyId)
      expect(number).toBe(0)
      const lr = new FloatDistribution(1e-5, 1, { log: true })
      const nBins = new IntDistribution(2, 40, { step: 2 })
      const kind = new CategoricalDistribution(['uniform', null, 3, 2.5, true])
      await storage.setTrialParam(trialId, 'lr', 0.00123, lr)
      await storage.setTrialParam(trialId, 'n_bins', 12, nBins)
      await storage.setTrialParam(trialId, 'kind', 1, kind)
      await storage.setTrialIntermediateValue(trialId, 0, 1.5)
      await storage.setTrialIntermediateValue(trialId, 1, NaN)
      await storage.setTrialIntermediateValue(trialId, 2, -Infinity)
      await storage.setTrialUserAttr(trialId, 'edges', [0, 0.5, 1])
      await storage.setTrialSystemAttr(trialId, 'constraints', [-1, 0.5])
      expect(await storage.setTrialStateValues(trialId, 'COMPLETE', [Infinity])).toBe(true)
      const [t] = await storage.getAllTrials(studyId)
      expect(t!.state).toBe('COMPLETE')
      expect(t!.values).toEqual([Infinity])
      expect(t!.params).toEqual({ lr: 0.00123, n_bins: 12, kind: null })
      expect(t!.distributions.kind).toEqual(kind)
      expect(t!.distributions.lr).toEqual(lr)
      expect([...t!.intermediateValues.entries()]).toEqual([[0, 1.5], [1, NaN], [2, -Infinity]])
      expect(t!.userAttrs).toEqual({ edges: [0, 0.5, 1] })
      expect(t!.systemAttrs).toEqual({ constraints: [-1, 0.5] })
      expect(t!.datetimeStart).toBeInstanceOf(Date)
      expect(t!.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(t!.datetimeStart!.getTime())
      await expect(storage.setTrialUserAttr(trialId, 'late', 1)).rejects.toThrow(/already finished/)
      await expect(storage.setTrialStateValues(trialId, 'FAIL')).rejects.toThrow(/already finished/)
    })

    it('refuses a param whose distribution kind changes within a study', async () => {
      storage = await backend.make()
      const studyId = await storage.createNewStudy(['minimize'], 's')
      const a = await storage.createNewTrial(studyId)
      await storage.setTrialParam(a.trialId, 'x', 1, new FloatDistribution(0, 2))
      const b = await storage.createNewTrial(studyId)
      await expect(storage.setTrialParam(b.trialId, 'x', 1, new IntDistribution(0, 2))).rejects.toThrow(/different distribution kind/)
      await expect(storage.setTrialParam(b.trialId, 'x', 1, new FloatDistribution(0.5, 2, { log: true }))).rejects.toThrow(/log/)
      await storage.setTrialParam(b.trialId, 'x', 1, new FloatDistribution(-5, 5))
    })

    it('hands a WAITING trial to exactly one worker', async () => {
      storage = await backend.make()
      const studyId = await storage.createNewStudy(['minimize'], 's')
      const { trialId } = await storage.createNewTrial(studyId, { state: 'WAITING', systemAttrs: { fixed_params: { x: 1 } } })
      const results = await Promise.all([0, 1, 2].map(() => storage.setTrialStateValues(trialId, 'RUNNING')))
      expect(results.filter(Boolean)).toHaveLength(1)
      const t = await storage.getTrial(trialId)
      expect(t.state).toBe('RUNNING')
      expect(t.systemAttrs.fixed_params).toEqual({ x: 1 })
    })

    it('numbers trials uniquely and densely under concurrent creation', async () => {
      storage = await backend.make()
      const studyId = await storage.createNewStudy(['minimize'], 's')
      const other = await storage.createNewStudy(['minimize'], 'other')
      const created = await Promise.all(
        Array.from({ length: 24 }, (_, i) => storage.createNewTrial(i % 3 === 0 ? other : studyId)),
      )
      const numbers = (await storage.getAllTrials(studyId)).map((t) => t.number).sort((a, b) => a - b)
      expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => i))
      expect(new Set(created.map((c) => c.trialId)).size).toBe(24)
    })

    it('fails RUNNING trials whose heartbeat is older than the grace period', async () => {
      storage = await backend.make()
      const studyId = await storage.createNewStudy(['minimize'], 's')
      const stale = await storage.createNewTrial(studyId)
      const alive = await storage.createNewTrial(studyId)
      const silent = await storage.createNewTrial(studyId)
      await storage.recordHeartbeat(stale.trialId)
      await new Promise((r) => setTimeout(r, 1100))
      await storage.recordHeartbeat(alive.trialId)
      expect(await storage.failStaleTrials(studyId, 1)).toEqual([stale.trialId])
      const states = (await storage.getAllTrials(studyId)).map((t) => t.state)
      expect(states).toEqual(['FAIL', 'RUNNING', 'RUNNING'])
      expect(silent.number).toBe(2)
    })

    it('lets workers that create the same study at once share it', async () => {
      storage = await backend.make()
      const studies = await Promise.all([0, 1, 2, 3].map(() => Study.create({ storage, studyName: 'shared', loadIfExists: true })))
      expect(new Set(studies.map((s) => s.studyId)).size).toBe(1)
      await expect(Study.create({ storage, studyName: 'shared' })).rejects.toBeInstanceOf(DuplicatedStudyError)
      await expect(Study.create({ storage, studyName: 'shared', loadIfExists: true, direction: 'maximize' })).rejects.toThrow(/direction/)
    })

    it('runs a study and resumes it from the same storage', async () => {
      storage = await backend.make()
      const study = await Study.create({ storage, studyName: 'resume', sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }) })
      await study.optimize((t) => (t.suggestFloat('x', -3, 3) - 1) ** 2 + t.suggestInt('n', 1, 8, { log: true }), { nTrials: 12 })
      const best = await study.bestValue()
      const again = await Study.load({ storage, studyName: 'resume', sampler: new TPESampler({ seed: 2 }) })
      expect(await again.bestValue()).toBe(best)
      await again.optimize((t) => (t.suggestFloat('x', -3, 3) - 1) ** 2 + t.suggestInt('n', 1, 8, { log: true }), { nTrials: 3 })
      const trials = await again.getTrials()
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 15 }, (_, i) => i))
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true)
    })
  })
}
