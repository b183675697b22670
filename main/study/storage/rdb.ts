import {
  checkDistributionCompatibility,
  distributionToJson,
  jsonToDistribution,
  toExternal,
  type Distribution,
} from '../distributions.js'
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from '../frozen-trial.js'
import { isFinished, TRIAL_STATES } from '../frozen-trial.js'
import {
  DuplicatedStudyError,
  StorageError,
  StudyNotFoundError,
  type StudyStorage,
  type StudySummary,
  type TrialTemplate,
  type TrialWrite,
} from './base.js'
import { ALEMBIC_REVISION, LIBRARY_VERSION, POSTGRES_ENUMS, SCHEMA_VERSION, TABLES, tableDefinitions } from './schema.js'
import type { Row, SqlClient, SqlExecutor, SqlValue } from './sql.js'

/** Optuna's naive-UTC datetime text, `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function formatDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '000')
}

export function parseDatetime(v: unknown): Date | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return v
  const s = String(v).trim().replace(' ', 'T')
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s)
  if (m === null) return null
  const frac = m[2] === undefined ? '' : m[2].slice(0, 4)
  return new Date(`${m[1]}${frac}${m[3] ?? 'Z'}`)
}

function encodeValue(v: number): [number | null, string] {
  if (v === Infinity) return [null, 'INF_POS']
  if (v === -Infinity) return [null, 'INF_NEG']
  if (Number.isNaN(v)) return [null, 'NAN']
  return [v, 'FINITE']
}

function decodeValue(value: unknown, type: unknown): number {
  switch (type) {
    case 'INF_POS':
      return Infinity
    case 'INF_NEG':
      return -Infinity
    case 'NAN':
      return NaN
    default:
      return Number(value)
  }
}

function directionName(d: StudyDirection): string {
  return d === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE'
}

function parseDirection(s: unknown): StudyDirection {
  if (s === 'MAXIMIZE') return 'maximize'
  if (s === 'MINIMIZE') return 'minimize'
  throw new StorageError(`Unsupported study direction ${String(s)}`)
}

function parseState(s: unknown): TrialState {
  if (TRIAL_STATES.includes(s as TrialState)) return s as TrialState
  throw new StorageError(`Unknown trial state ${String(s)}`)
}

/** `json.dumps`-compatible text for an attribute value (NaN/Infinity as Python writes them). */
function dumpJson(value: JsonValue): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `__histune_${String(v)}__`
    return v
  }).replace(/"__histune_(NaN|Infinity|-Infinity)__"/g, '$1')
}

function loadJson(text: unknown): JsonValue {
  const s = String(text)
  try {
    return JSON.parse(s) as JsonValue
  } catch {
    // Python's json.dumps writes NaN and ±Infinity as bare tokens.
    return JSON.parse(s.replace(/(?<![\w"])(-?Infinity|NaN)(?![\w"])/g, '"__histune_$1__"'), (_k, v: unknown) => {
      if (v === '__histune_NaN__') return NaN
      if (v === '__histune_Infinity__') return Infinity
      if (v === '__histune_-Infinity__') return -Infinity
      return v
    }) as JsonValue
  }
}

const num = (v: unknown): number => Number(v)

/**
 * Study storage over Optuna's RDB schema (version 12). One implementation for SQLite and PostgreSQL;
 * the dialects differ only in placeholders, enum types and row locking, which `SqlClient` hides.
 */
export class RDBStorage implements StudyStorage {
  readonly client: SqlClient
  private readonly distributionCache = new Map<string, Distribution>()
  /** First distribution seen per `${studyId}\0${param}`: stored params never change, so it is checked once. */
  private readonly paramDistributions = new Map<string, Distribution>()

  private constructor(client: SqlClient) {
    this.client = client
  }

  /**
   * Opens a database: an empty one gets the whole schema; an Optuna database at revision v3.2.0.a
   * is used as it is (missing tables are created, as Optuna does); anything else is refused.
   */
  static async open(client: SqlClient): Promise<RDBStorage> {
    const storage = new RDBStorage(client)
    try {
      await storage.initialise()
    } catch (e) {
      await client.close()
      throw e
    }
    return storage
  }

  private async tableNames(ex: SqlExecutor): Promise<Set<string>> {
    const rows =
      this.client.dialect === 'sqlite'
        ? await ex.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        : await ex.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()")
    return new Set(rows.map((r) => String(r.name)))
  }

  private async initialise(): Promise<void> {
    await this.client.transaction(async (tx) => {
      // Two workers opening an empty PostgreSQL database at once must not both create the schema.
      if (this.client.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7346110)')
      const existing = await this.tableNames(tx)
      const known = new Set<string>(TABLES)
      if (existing.size > 0 && !existing.has('studies')) {
        const foreign = [...existing].filter((t) => !known.has(t)).slice(0, 5)
        throw new StorageError(
          `This database is not a study database (it has tables ${foreign.join(', ')} but no 'studies'); refusing to use it`,
        )
      }
      if (existing.has('alembic_version')) {
        const rev = await tx.query('SELECT version_num FROM alembic_version')
        const version = rev[0]?.version_num
        if (version !== undefined && version !== ALEMBIC_REVISION) {
          throw new StorageError(
            `The study database is at schema revision ${String(version)}, Histune needs ${ALEMBIC_REVISION}; upgrade it with \`optuna storage upgrade --storage <url>\``,
          )
        }
      }
      if (this.client.dialect === 'postgres') await this.createPostgresEnums(tx)
      const defs = tableDefinitions(this.client.dialect)
      for (const table of TABLES) {
        if (existing.has(table)) continue
        for (const stmt of defs[table]) await tx.run(stmt)
      }
      const info = await tx.query('SELECT schema_version FROM version_info')
      if (info.length === 0) {
        await tx.run('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)', [
          SCHEMA_VERSION,
          LIBRARY_VERSION,
        ])
      } else if (num(info[0]!.schema_version) !== SCHEMA_VERSION) {
        throw new StorageError(`Unsupported study schema version ${String(info[0]!.schema_version)} (Histune reads ${SCHEMA_VERSION})`)
      }
      const rev = await tx.query('SELECT version_num FROM alembic_version')
      if (rev.length === 0) await tx.run('INSERT INTO alembic_version (version_num) VALUES (?)', [ALEMBIC_REVISION])
    })
  }

  private async createPostgresEnums(tx: SqlExecutor): Promise<void> {
    const rows = await tx.query(
      "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' AND n.nspname = current_schema()",
    )
    const have = new Set(rows.map((r) => String(r.typname)))
    for (const [name, labels] of Object.entries(POSTGRES_ENUMS)) {
      if (!have.has(name)) await tx.run(`CREATE TYPE ${name} AS ENUM (${labels.map((l) => `'${l}'`).join(', ')})`)
    }
  }

  private lockClause(): string {
    return this.client.dialect === 'postgres' ? ' FOR UPDATE' : ''
  }

  // ---- studies ----

  async createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number> {
    const name = studyName ?? `no-name-${crypto.randomUUID()}`
    const duplicate = () => new DuplicatedStudyError(`Another study with name '${name}' already exists`)
    try {
      return await this.client.transaction(async (tx) => {
        const dup = await tx.query('SELECT study_id FROM studies WHERE study_name = ?', [name])
        if (dup.length > 0) throw duplicate()
        const rows = await tx.query('INSERT INTO studies (study_name) VALUES (?) RETURNING study_id', [name])
        const studyId = num(rows[0]!.study_id)
        for (const [i, d] of directions.entries()) {
          await tx.run('INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)', [directionName(d), studyId, i])
        }
        return studyId
      })
    } catch (e) {
      // Two workers creating the same study at once: the unique index stops the second (PostgreSQL).
      if ((e as { code?: unknown }).code === '23505') throw duplicate()
      throw e
    }
  }

  async deleteStudy(studyId: number): Promise<void> {
    for (const key of [...this.paramDistributions.keys()]) if (key.startsWith(`${studyId}\0`)) this.paramDistributions.delete(key)
    await this.client.transaction(async (tx) => {
      await this.requireStudy(tx, studyId)
      const sub = 'SELECT trial_id FROM trials WHERE study_id = ?'
      for (const table of ['trial_params', 'trial_values', 'trial_intermediate_values', 'trial_user_attributes', 'trial_system_attributes', 'trial_heartbeats']) {
        await tx.run(`DELETE FROM ${table} WHERE trial_id IN (${sub})`, [studyId])
      }
      for (const table of ['trials', 'study_directions', 'study_user_attributes', 'study_system_attributes', 'studies']) {
        await tx.run(`DELETE FROM ${table} WHERE study_id = ?`, [studyId])
      }
    })
  }

  private async requireStudy(ex: SqlExecutor, studyId: number): Promise<string> {
    const rows = await ex.query('SELECT study_name FROM studies WHERE study_id = ?', [studyId])
    if (rows.length === 0) throw new StudyNotFoundError(`No study with id ${studyId}`)
    return String(rows[0]!.study_name)
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    const rows = await this.client.query('SELECT study_id FROM studies WHERE study_name = ?', [studyName])
    if (rows.length === 0) throw new StudyNotFoundError(`Record does not exist: study '${studyName}'`)
    return num(rows[0]!.study_id)
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    return this.requireStudy(this.client, studyId)
  }

  async getStudyDirections(studyId: number): Promise<StudyDirection[]> {
    await this.requireStudy(this.client, studyId)
    const rows = await this.client.query('SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective', [studyId])
    return rows.map((r) => parseDirection(r.direction))
  }

  async getAllStudies(): Promise<StudySummary[]> {
    const studies = await this.client.query('SELECT study_id, study_name FROM studies ORDER BY study_id')
    const directions = await this.client.query('SELECT study_id, direction FROM study_directions ORDER BY study_id, objective')
    const user = await this.client.query('SELECT study_id, "key", value_json FROM study_user_attributes')
    const system = await this.client.query('SELECT study_id, "key", value_json FROM study_system_attributes')
    const counts = await this.client.query('SELECT study_id, COUNT(*) AS n FROM trials GROUP BY study_id')
    return studies.map((s) => {
      const id = num(s.study_id)
      const attrs = (rows: Row[]) =>
        Object.fromEntries(rows.filter((r) => num(r.study_id) === id).map((r) => [String(r.key), loadJson(r.value_json)]))
      return {
        studyId: id,
        studyName: String(s.study_name),
        directions: directions.filter((d) => num(d.study_id) === id).map((d) => parseDirection(d.direction)),
        userAttrs: attrs(user),
        systemAttrs: attrs(system),
        nTrials: num(counts.find((c) => num(c.study_id) === id)?.n ?? 0),
      }
    })
  }

  async setStudyUserAttr(studyId: number, key: string, value: JsonValue): Promise<void> {
    await this.setAttr('study_user_attributes', 'study_id', studyId, key, value)
  }

  async setStudySystemAttr(studyId: number, key: string, value: JsonValue): Promise<void> {
    await this.setAttr('study_system_attributes', 'study_id', studyId, key, value)
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, JsonValue>> {
    return this.getAttrs('study_user_attributes', 'study_id', studyId)
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, JsonValue>> {
    return this.getAttrs('study_system_attributes', 'study_id', studyId)
  }

  private async setAttr(table: string, owner: string, id: number, key: string, value: JsonValue, ex: SqlExecutor = this.client): Promise<void> {
    await ex.run(
      `INSERT INTO ${table} (${owner}, "key", value_json) VALUES (?, ?, ?) ON CONFLICT (${owner}, "key") DO UPDATE SET value_json = excluded.value_json`,
      [id, key, dumpJson(value)],
    )
  }

  private async getAttrs(table: string, owner: string, id: number): Promise<Record<string, JsonValue>> {
    const rows = await this.client.query(`SELECT "key", value_json FROM ${table} WHERE ${owner} = ?`, [id])
    return Object.fromEntries(rows.map((r) => [String(r.key), loadJson(r.value_json)]))
  }

  // ---- trials ----

  async createNewTrial(studyId: number, template?: TrialTemplate): Promise<{ trialId: number; number: number }> {
    return this.client.transaction(async (tx) => {
      // Locking the study row serialises trial creation per study on PostgreSQL, so `number` (the
      // count of earlier trials) is unique and dense; SQLite's BEGIN IMMEDIATE already serialises.
      const study = await tx.query(`SELECT study_id FROM studies WHERE study_id = ?${this.lockClause()}`, [studyId])
      if (study.length === 0) throw new StudyNotFoundError(`No study with id ${studyId}`)
      const count = await tx.query('SELECT COUNT(*) AS n FROM trials WHERE study_id = ?', [studyId])
      const number = num(count[0]!.n)
      const state = template?.state ?? 'RUNNING'
      const now = new Date()
      const start = template?.datetimeStart !== undefined ? template.datetimeStart : state === 'WAITING' ? null : now
      const complete = template?.datetimeComplete ?? (isFinished(state) ? now : null)
      const rows = await tx.query(
        'INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, ?, ?, ?) RETURNING trial_id',
        [number, studyId, state, start === null ? null : formatDatetime(start), complete === null ? null : formatDatetime(complete)],
      )
      const trialId = num(rows[0]!.trial_id)
      if (template !== undefined) {
        for (const [name, internal] of Object.entries(template.params ?? {})) {
          const dist = template.distributions?.[name]
          if (dist === undefined) throw new StorageError(`No distribution for param ${name}`)
          await this.insertParam(tx, studyId, trialId, name, internal, dist)
        }
        for (const [i, v] of (template.values ?? []).entries()) await this.insertValue(tx, trialId, i, v)
        for (const [step, v] of template.intermediateValues ?? []) await this.upsertIntermediate(tx, trialId, step, v)
        for (const [k, v] of Object.entries(template.userAttrs ?? {})) await this.setAttr('trial_user_attributes', 'trial_id', trialId, k, v, tx)
        for (const [k, v] of Object.entries(template.systemAttrs ?? {})) await this.setAttr('trial_system_attributes', 'trial_id', trialId, k, v, tx)
      }
      return { trialId, number }
    })
  }

  private distribution(json: string): Distribution {
    let d = this.distributionCache.get(json)
    if (d === undefined) {
      d = jsonToDistribution(json)
      this.distributionCache.set(json, d)
    }
    return d
  }

  private async insertParam(tx: SqlExecutor, studyId: number, trialId: number, name: string, internal: number, dist: Distribution): Promise<void> {
    const key = `${studyId}\0${name}`
    let previous = this.paramDistributions.get(key)
    if (previous === undefined) {
      const rows = await tx.query(
        'SELECT p.distribution_json FROM trial_params p JOIN trials t ON p.trial_id = t.trial_id WHERE t.study_id = ? AND p.param_name = ? LIMIT 1',
        [studyId, name],
      )
      if (rows.length > 0) {
        previous = this.distribution(String(rows[0]!.distribution_json))
        this.paramDistributions.set(key, previous)
      }
    }
    if (previous !== undefined) checkDistributionCompatibility(previous, dist)
    await tx.run(
      'INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json',
      [trialId, name, internal, distributionToJson(dist)],
    )
  }

  private async insertValue(tx: SqlExecutor, trialId: number, objective: number, v: number): Promise<void> {
    const [value, type] = encodeValue(v)
    if (type === 'NAN') throw new StorageError('Objective values cannot be NaN')
    await tx.run(
      'INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type',
      [trialId, objective, value, type],
    )
  }

  private async upsertIntermediate(tx: SqlExecutor, trialId: number, step: number, v: number): Promise<void> {
    const [value, type] = encodeValue(v)
    await tx.run(
      'INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type',
      [trialId, step, value, type],
    )
  }

  /** Locks the trial row (PostgreSQL) and refuses to touch a finished trial. */
  private async updatableTrial(tx: SqlExecutor, trialId: number): Promise<{ studyId: number; state: TrialState; number: number }> {
    const rows = await tx.query(`SELECT study_id, state, number FROM trials WHERE trial_id = ?${this.lockClause()}`, [trialId])
    if (rows.length === 0) throw new StorageError(`No trial with id ${trialId}`)
    const state = parseState(rows[0]!.state)
    if (isFinished(state)) {
      throw new StorageError(`Trial#${String(rows[0]!.number)} has already finished and can not be updated`)
    }
    return { studyId: num(rows[0]!.study_id), state, number: num(rows[0]!.number) }
  }

  async setTrialParam(trialId: number, name: string, internal: number, distribution: Distribution): Promise<void> {
    await this.client.transaction(async (tx) => {
      const { studyId } = await this.updatableTrial(tx, trialId)
      await this.insertParam(tx, studyId, trialId, name, internal, distribution)
    })
  }

  async setTrialStateValues(trialId: number, state: TrialState, values?: number[] | null): Promise<boolean> {
    return this.client.transaction(async (tx) => {
      const current = await this.updatableTrial(tx, trialId)
      if (state === 'RUNNING' && current.state !== 'WAITING') return false
      const now = formatDatetime(new Date())
      if (state === 'RUNNING') {
        await tx.run('UPDATE trials SET state = ?, datetime_start = ? WHERE trial_id = ?', [state, now, trialId])
      } else if (isFinished(state)) {
        await tx.run('UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?', [state, now, trialId])
      } else {
        await tx.run('UPDATE trials SET state = ? WHERE trial_id = ?', [state, trialId])
      }
      for (const [i, v] of (values ?? []).entries()) await this.insertValue(tx, trialId, i, v)
      return true
    })
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    await this.client.transaction(async (tx) => {
      await this.updatableTrial(tx, trialId)
      await this.upsertIntermediate(tx, trialId, step, value)
    })
  }

  async setTrialUserAttr(trialId: number, key: string, value: JsonValue): Promise<void> {
    await this.client.transaction(async (tx) => {
      await this.updatableTrial(tx, trialId)
      await this.setAttr('trial_user_attributes', 'trial_id', trialId, key, value, tx)
    })
  }

  async setTrialSystemAttr(trialId: number, key: string, value: JsonValue): Promise<void> {
    await this.client.transaction(async (tx) => {
      await this.updatableTrial(tx, trialId)
      await this.setAttr('trial_system_attributes', 'trial_id', trialId, key, value, tx)
    })
  }

  async applyTrialWrites(trialId: number, writes: readonly TrialWrite[]): Promise<void> {
    if (writes.length === 0) return
    await this.client.transaction(async (tx) => {
      const { studyId } = await this.updatableTrial(tx, trialId)
      for (const w of writes) {
        if (w.kind === 'param') await this.insertParam(tx, studyId, trialId, w.name, w.internal, w.distribution)
        else if (w.kind === 'intermediate') await this.upsertIntermediate(tx, trialId, w.step, w.value)
        else if (w.kind === 'userAttr') await this.setAttr('trial_user_attributes', 'trial_id', trialId, w.key, w.value, tx)
        else await this.setAttr('trial_system_attributes', 'trial_id', trialId, w.key, w.value, tx)
      }
    })
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const rows = await this.client.query('SELECT study_id FROM trials WHERE trial_id = ?', [trialId])
    if (rows.length === 0) throw new StorageError(`No trial with id ${trialId}`)
    const trials = await this.loadTrials('t.trial_id = ?', [trialId])
    return trials[0]!
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    if (states !== undefined && states.length === 0) return []
    const known = (states ?? []).filter((s) => TRIAL_STATES.includes(s))
    const where = states === undefined ? 't.study_id = ?' : `t.study_id = ? AND t.state IN (${known.map(() => '?').join(', ')})`
    return this.loadStudyTrials(studyId, where, [studyId, ...known])
  }

  /** Trials of a study; an empty answer checks that the study exists (saves a round trip otherwise). */
  private async loadStudyTrials(studyId: number, where: string, params: SqlValue[]): Promise<FrozenTrial[]> {
    const trials = await this.loadTrials(where, params)
    if (trials.length === 0) await this.requireStudy(this.client, studyId)
    return trials
  }

  async getTrialsAfter(studyId: number, afterTrialId: number, alsoTrialIds: readonly number[]): Promise<FrozenTrial[]> {
    const ids = alsoTrialIds.filter((id) => Number.isInteger(id))
    const also = ids.length > 0 ? ` OR t.trial_id IN (${ids.map(() => '?').join(', ')})` : ''
    return this.loadStudyTrials(studyId, `t.study_id = ? AND (t.trial_id > ?${also})`, [studyId, afterTrialId, ...ids])
  }

  private async loadTrials(where: string, params: SqlValue[]): Promise<FrozenTrial[]> {
    const trialRows = await this.client.query(
      `SELECT t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete FROM trials t WHERE ${where} ORDER BY t.number, t.trial_id`,
      params,
    )
    const byId = new Map<number, FrozenTrial>()
    const trials = trialRows.map((r) => {
      const trial: FrozenTrial = {
        trialId: num(r.trial_id),
        number: num(r.number),
        state: parseState(r.state),
        values: null,
        datetimeStart: parseDatetime(r.datetime_start),
        datetimeComplete: parseDatetime(r.datetime_complete),
        params: {},
        distributions: {},
        userAttrs: {},
        systemAttrs: {},
        intermediateValues: new Map(),
      }
      byId.set(trial.trialId, trial)
      return trial
    })
    if (trials.length === 0) return trials
    const join = (table: string, columns: string) =>
      this.client.query(`SELECT x.trial_id, ${columns} FROM ${table} x JOIN trials t ON x.trial_id = t.trial_id WHERE ${where}`, params)
    const [paramRows, valueRows, ivRows, userRows, systemRows] = await Promise.all([
      join('trial_params', 'x.param_name, x.param_value, x.distribution_json'),
      join('trial_values', 'x.objective, x.value, x.value_type'),
      join('trial_intermediate_values', 'x.step, x.intermediate_value, x.intermediate_value_type'),
      join('trial_user_attributes', 'x."key", x.value_json'),
      join('trial_system_attributes', 'x."key", x.value_json'),
    ])
    // Rows of trials created after the first query (another worker) are skipped.
    for (const r of paramRows) {
      const t = byId.get(num(r.trial_id))
      if (t === undefined) continue
      const dist = this.distribution(String(r.distribution_json))
      const name = String(r.param_name)
      t.distributions[name] = dist
      t.params[name] = toExternal(dist, num(r.param_value))
    }
    const valuesById = new Map<number, [number, number][]>()
    for (const r of valueRows) {
      const id = num(r.trial_id)
      const list = valuesById.get(id) ?? []
      list.push([num(r.objective), decodeValue(r.value, r.value_type)])
      valuesById.set(id, list)
    }
    for (const [id, list] of valuesById) {
      const t = byId.get(id)
      if (t !== undefined) t.values = list.sort((a, b) => a[0] - b[0]).map((x) => x[1])
    }
    for (const r of ivRows) {
      byId.get(num(r.trial_id))?.intermediateValues.set(num(r.step), decodeValue(r.intermediate_value, r.intermediate_value_type))
    }
    for (const r of userRows) {
      const t = byId.get(num(r.trial_id))
      if (t !== undefined) t.userAttrs[String(r.key)] = loadJson(r.value_json)
    }
    for (const r of systemRows) {
      const t = byId.get(num(r.trial_id))
      if (t !== undefined) t.systemAttrs[String(r.key)] = loadJson(r.value_json)
    }
    for (const t of trials) {
      const sorted = [...t.intermediateValues.entries()].sort((a, b) => a[0] - b[0])
      t.intermediateValues = new Map(sorted)
    }
    return trials
  }

  // ---- heartbeats ----

  private nowSql(): string {
    return this.client.dialect === 'sqlite' ? "strftime('%Y-%m-%d %H:%M:%f', 'now')" : "(now() AT TIME ZONE 'UTC')"
  }

  async recordHeartbeat(trialId: number): Promise<void> {
    await this.client.run(
      `INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ${this.nowSql()}) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat`,
      [trialId],
    )
  }

  async failStaleTrials(studyId: number, gracePeriodSeconds: number): Promise<number[]> {
    const limit =
      this.client.dialect === 'sqlite'
        ? `strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ? || ' seconds')`
        : `((now() AT TIME ZONE 'UTC') - make_interval(secs => ?))`
    return this.client.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT t.trial_id FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING' AND h.heartbeat < ${limit}`,
        [studyId, gracePeriodSeconds],
      )
      const ids = rows.map((r) => num(r.trial_id))
      const now = formatDatetime(new Date())
      for (const id of ids) {
        await tx.run("UPDATE trials SET state = 'FAIL', datetime_complete = ? WHERE trial_id = ? AND state = 'RUNNING'", [now, id])
      }
      return ids
    })
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}
