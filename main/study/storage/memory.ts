import type { Distribution } from '../distributions.js'
import { checkDistributionCompatibility, toExternal } from '../distributions.js'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozen-trial.js'
import { cloneTrial, isFinished } from '../frozen-trial.js'
import {
  DuplicatedStudyError,
  StorageError,
  StudyNotFoundError,
  type StudyStorage,
  type StudySummary,
  type TrialTemplate,
  type TrialWrite,
} from './base.js'

interface MemoryStudy {
  studyId: number
  name: string
  directions: StudyDirection[]
  userAttrs: Record<string, JsonValue>
  systemAttrs: Record<string, JsonValue>
  trials: FrozenTrial[]
}

/** Storage in process memory; the default when no URL is given. */
export class InMemoryStorage implements StudyStorage {
  private studies = new Map<number, MemoryStudy>()
  private trialOwner = new Map<number, { study: MemoryStudy; index: number }>()
  private heartbeats = new Map<number, number>()
  private nextStudyId = 1
  private nextTrialId = 1

  async createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number> {
    const name = studyName ?? `no-name-${crypto.randomUUID()}`
    for (const s of this.studies.values()) {
      if (s.name === name) throw new DuplicatedStudyError(`Another study with name '${name}' already exists`)
    }
    const studyId = this.nextStudyId++
    this.studies.set(studyId, { studyId, name, directions: [...directions], userAttrs: {}, systemAttrs: {}, trials: [] })
    return studyId
  }

  async deleteStudy(studyId: number): Promise<void> {
    const s = this.study(studyId)
    for (const t of s.trials) this.trialOwner.delete(t.trialId)
    this.studies.delete(studyId)
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    for (const s of this.studies.values()) if (s.name === studyName) return s.studyId
    throw new StudyNotFoundError(`Record does not exist: study '${studyName}'`)
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    return this.study(studyId).name
  }

  async getStudyDirections(studyId: number): Promise<StudyDirection[]> {
    return [...this.study(studyId).directions]
  }

  async getAllStudies(): Promise<StudySummary[]> {
    return [...this.studies.values()].map((s) => ({
      studyId: s.studyId,
      studyName: s.name,
      directions: [...s.directions],
      userAttrs: structuredClone(s.userAttrs),
      systemAttrs: structuredClone(s.systemAttrs),
      nTrials: s.trials.length,
    }))
  }

  async setStudyUserAttr(studyId: number, key: string, value: JsonValue): Promise<void> {
    this.study(studyId).userAttrs[key] = structuredClone(value)
  }

  async setStudySystemAttr(studyId: number, key: string, value: JsonValue): Promise<void> {
    this.study(studyId).systemAttrs[key] = structuredClone(value)
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, JsonValue>> {
    return structuredClone(this.study(studyId).userAttrs)
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, JsonValue>> {
    return structuredClone(this.study(studyId).systemAttrs)
  }

  async createNewTrial(studyId: number, template?: TrialTemplate): Promise<{ trialId: number; number: number }> {
    const s = this.study(studyId)
    const trialId = this.nextTrialId++
    const number = s.trials.length
    const state = template?.state ?? 'RUNNING'
    const distributions = { ...(template?.distributions ?? {}) }
    const params: FrozenTrial['params'] = {}
    for (const [name, internal] of Object.entries(template?.params ?? {})) {
      params[name] = toExternal(distributions[name]!, internal)
    }
    const now = new Date()
    s.trials.push({
      trialId,
      number,
      state,
      values: template?.values ?? null,
      datetimeStart: template?.datetimeStart !== undefined ? template.datetimeStart : state === 'WAITING' ? null : now,
      datetimeComplete: template?.datetimeComplete ?? (isFinished(state) ? now : null),
      params,
      distributions,
      userAttrs: structuredClone(template?.userAttrs ?? {}),
      systemAttrs: structuredClone(template?.systemAttrs ?? {}),
      intermediateValues: new Map(template?.intermediateValues ?? []),
    })
    this.trialOwner.set(trialId, { study: s, index: number })
    return { trialId, number }
  }

  async setTrialParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    const t = this.updatableTrial(trialId)
    const s = this.trialOwner.get(trialId)!.study
    for (const other of s.trials) {
      const old = other.distributions[name]
      if (old !== undefined) {
        checkDistributionCompatibility(old, distribution)
        break
      }
    }
    t.params[name] = toExternal(distribution, internal)
    t.distributions[name] = distribution
  }

  async setTrialStateValues(trialId: number, state: TrialState, values?: number[] | null): Promise<boolean> {
    const t = this.updatableTrial(trialId)
    if (state === 'RUNNING' && t.state !== 'WAITING') return false
    t.state = state
    if (values !== undefined && values !== null) t.values = [...values]
    if (state === 'RUNNING') t.datetimeStart = new Date()
    if (isFinished(state)) t.datetimeComplete = new Date()
    return true
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    this.updatableTrial(trialId).intermediateValues.set(step, value)
  }

  async setTrialUserAttr(trialId: number, key: string, value: JsonValue): Promise<void> {
    this.updatableTrial(trialId).userAttrs[key] = structuredClone(value)
  }

  async setTrialSystemAttr(trialId: number, key: string, value: JsonValue): Promise<void> {
    this.updatableTrial(trialId).systemAttrs[key] = structuredClone(value)
  }

  async applyTrialWrites(trialId: number, writes: readonly TrialWrite[]): Promise<void> {
    const t = this.updatableTrial(trialId)
    const s = this.trialOwner.get(trialId)!.study
    // Validate every param first, so that a refused batch changes nothing.
    for (const w of writes) {
      if (w.kind !== 'param') continue
      const old = s.trials.find((o) => o.distributions[w.name] !== undefined)?.distributions[w.name]
      if (old !== undefined) checkDistributionCompatibility(old, w.distribution)
    }
    for (const w of writes) {
      if (w.kind === 'param') {
        t.params[w.name] = toExternal(w.distribution, w.internal)
        t.distributions[w.name] = w.distribution
      } else if (w.kind === 'intermediate') t.intermediateValues.set(w.step, w.value)
      else if (w.kind === 'userAttr') t.userAttrs[w.key] = structuredClone(w.value)
      else t.systemAttrs[w.key] = structuredClone(w.value)
    }
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return cloneTrial(this.trial(trialId))
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    const trials = this.study(studyId).trials
    return trials.filter((t) => states === undefined || states.includes(t.state)).map(cloneTrial)
  }

  async getTrialsAfter(studyId: number, afterTrialId: number, alsoTrialIds: readonly number[]): Promise<FrozenTrial[]> {
    const also = new Set(alsoTrialIds)
    return this.study(studyId).trials.filter((t) => t.trialId > afterTrialId || also.has(t.trialId)).map(cloneTrial)
  }

  async recordHeartbeat(trialId: number): Promise<void> {
    this.trial(trialId)
    this.heartbeats.set(trialId, Date.now())
  }

  async failStaleTrials(studyId: number, gracePeriodSeconds: number): Promise<number[]> {
    const failed: number[] = []
    const limit = Date.now() - gracePeriodSeconds * 1000
    for (const t of this.study(studyId).trials) {
      const beat = this.heartbeats.get(t.trialId)
      if (t.state === 'RUNNING' && beat !== undefined && beat < limit) {
        t.state = 'FAIL'
        t.datetimeComplete = new Date()
        failed.push(t.trialId)
      }
    }
    return failed
  }

  async close(): Promise<void> {}

  private study(studyId: number): MemoryStudy {
    const s = this.studies.get(studyId)
    if (s === undefined) throw new StudyNotFoundError(`No study with id ${studyId}`)
    return s
  }

  private trial(trialId: number): FrozenTrial {
    const o = this.trialOwner.get(trialId)
    if (o === undefined) throw new StorageError(`No trial with id ${trialId}`)
    return o.study.trials[o.index]!
  }

  private updatableTrial(trialId: number): FrozenTrial {
    const t = this.trial(trialId)
    if (isFinished(t.state)) {
      throw new StorageError(`Trial#${t.number} has already finished and can not be updated`)
    }
    return t
  }
}
