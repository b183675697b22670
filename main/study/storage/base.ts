import type { Distribution } from '../distributions.js'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozen-trial.js'

export class StorageError extends Error {
  override name = 'StorageError'
}

/** Raised when a study name is taken (create) or unknown (load). */
export class DuplicatedStudyError extends StorageError {
  override name = 'DuplicatedStudyError'
}

export class StudyNotFoundError extends StorageError {
  override name = 'StudyNotFoundError'
}

export interface StudySummary {
  studyId: number
  studyName: string
  directions: StudyDirection[]
  userAttrs: Record<string, JsonValue>
  systemAttrs: Record<string, JsonValue>
  nTrials: number
}

/** One write to a running trial; `applyTrialWrites` takes several in one transaction. */
export type TrialWrite =
  | { kind: 'param'; name: string; internal: number; distribution: Distribution }
  | { kind: 'intermediate'; step: number; value: number }
  | { kind: 'userAttr'; key: string; value: JsonValue }
  | { kind: 'systemAttr'; key: string; value: JsonValue }

/** What a new trial starts with: enqueued trials and `addTrial` use it. */
export interface TrialTemplate {
  state: TrialState
  values?: number[] | null
  params?: Record<string, number> // internal representation
  distributions?: Record<string, Distribution>
  userAttrs?: Record<string, JsonValue>
  systemAttrs?: Record<string, JsonValue>
  intermediateValues?: Map<number, number>
  datetimeStart?: Date | null
  datetimeComplete?: Date | null
}

/**
 * The study storage (Optuna's `BaseStorage`, asynchronous). Params cross this interface in their
 * internal representation (categorical = index), as the RDB schema stores them.
 */
export interface StudyStorage {
  createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number>
  deleteStudy(studyId: number): Promise<void>
  getStudyIdFromName(studyName: string): Promise<number>
  getStudyNameFromId(studyId: number): Promise<string>
  getStudyDirections(studyId: number): Promise<StudyDirection[]>
  getAllStudies(): Promise<StudySummary[]>
  setStudyUserAttr(studyId: number, key: string, value: JsonValue): Promise<void>
  setStudySystemAttr(studyId: number, key: string, value: JsonValue): Promise<void>
  getStudyUserAttrs(studyId: number): Promise<Record<string, JsonValue>>
  getStudySystemAttrs(studyId: number): Promise<Record<string, JsonValue>>

  /** Creates a trial; its number is unique and dense within the study even under concurrent workers. */
  createNewTrial(studyId: number, template?: TrialTemplate): Promise<{ trialId: number; number: number }>
  setTrialParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void>
  /**
   * Sets the state (and values when COMPLETE). Returns false when the trial is asked to become
   * RUNNING but is no longer WAITING (another worker took it). Throws if the trial is finished.
   */
  setTrialStateValues(trialId: number, state: TrialState, values?: number[] | null): Promise<boolean>
  setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void>
  setTrialUserAttr(trialId: number, key: string, value: JsonValue): Promise<void>
  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): Promise<void>
  /** Several writes to one unfinished trial, all or none (one transaction in an RDB). */
  applyTrialWrites(trialId: number, writes: readonly TrialWrite[]): Promise<void>
  getTrial(trialId: number): Promise<FrozenTrial>
  getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]>
  /**
   * Trials of the study with trial_id > `afterTrialId`, plus those listed in `alsoTrialIds`: what a
   * reader that has cached every finished trial up to `afterTrialId` needs to catch up. Trial ids
   * grow in creation order within a study, so nothing is missed.
   */
  getTrialsAfter(studyId: number, afterTrialId: number, alsoTrialIds: readonly number[]): Promise<FrozenTrial[]>

  recordHeartbeat(trialId: number): Promise<void>
  /** Marks RUNNING trials whose heartbeat is older than `gracePeriodSeconds` as FAIL; returns their ids. */
  failStaleTrials(studyId: number, gracePeriodSeconds: number): Promise<number[]>

  close(): Promise<void>
}
