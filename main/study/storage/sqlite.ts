import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { StorageError } from './base.js'
import { RDBStorage } from './rdb.js'
import { nativeAddon } from '../../engine/native.js'
import { AsyncMutex, type Row, type SqlClient, type SqlExecutor, type SqlValue } from './sql.js'

/** The `SqliteDatabase` class of the native addon (native/node/src/store.rs). */
export interface NativeSqliteDatabase {
  exec(sql: string): void
  query(sql: string, params?: SqlValue[]): Row[]
  run(sql: string, params?: SqlValue[]): { changes: number; lastInsertRowid: number }
  beginImmediate(): void
  commit(): void
  rollback(): void
  readonly inTransaction: boolean
  close(): void
}

interface NativeSqliteModule {
  SqliteDatabase?: new (path: string, busyTimeoutMs?: number) => NativeSqliteDatabase
}

let nativeModule: NativeSqliteModule | null = null

/** Loads the addon's SQLite binding, or explains why it is unavailable. */
export function loadSqliteBinding(): new (path: string, busyTimeoutMs?: number) => NativeSqliteDatabase {
  if (nativeModule === null) {
    try {
      nativeModule = nativeAddon() as unknown as NativeSqliteModule
    } catch (e) {
      throw new StorageError(`SQLite storage needs the native addon: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const cls = nativeModule.SqliteDatabase
  if (cls === undefined) {
    throw new StorageError('The native addon has no SqliteDatabase (built without histune-store); run `npm run build:native`')
  }
  return cls
}

/** Turns the binding's errors (`code` set by index.cjs, or raw `{"code","message"}` JSON) into StorageErrors. */
function translate(e: unknown): Error {
  if (e instanceof StorageError) return e
  const code = (e as { code?: unknown } | null)?.code
  if (e instanceof Error && typeof code === 'string' && code.startsWith('E_')) {
    return Object.assign(new StorageError(e.message), { code })
  }
  if (e instanceof Error && e.message.startsWith('{"code"')) {
    try {
      const payload = JSON.parse(e.message) as { code: string; message: string }
      return Object.assign(new StorageError(payload.message), { code: payload.code })
    } catch {
      return e
    }
  }
  return e instanceof Error ? e : new Error(String(e))
}

/**
 * SqlClient over one native connection; a mutex keeps async callers from interleaving transactions.
 * The binding is synchronous, so a second connection to the same file in the same process would block
 * the event loop on SQLite's busy timeout while the first waits for the loop to commit: connections
 * are therefore shared per file within a process (other processes are serialised by SQLite's lock).
 */
export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const
  private readonly db: NativeSqliteDatabase
  private readonly mutex = new AsyncMutex()
  private refs = 1
  private readonly onLastClose: () => void

  constructor(db: NativeSqliteDatabase, onLastClose: () => void = () => undefined) {
    this.db = db
    this.onLastClose = onLastClose
  }

  /** Another user of the shared connection; each user calls `close()` once. */
  retain(): this {
    this.refs++
    return this
  }

  private readonly direct: SqlExecutor = {
    query: async (sql, params = []) => this.call(() => this.db.query(sql, [...params])),
    run: async (sql, params = []) => this.call(() => this.db.run(sql, [...params]).changes),
  }

  private call<T>(f: () => T): T {
    try {
      return f()
    } catch (e) {
      throw translate(e)
    }
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.mutex.lock(() => this.direct.query(sql, params))
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.mutex.lock(() => this.direct.run(sql, params))
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.lock(async () => {
      this.call(() => this.db.beginImmediate())
      try {
        const result = await fn(this.direct)
        this.call(() => this.db.commit())
        return result
      } catch (e) {
        this.call(() => this.db.rollback())
        throw e
      }
    })
  }

  async close(): Promise<void> {
    if (this.refs <= 0) return
    if (--this.refs > 0) return
    this.onLastClose()
    await this.mutex.lock(async () => this.call(() => this.db.close()))
  }
}

const SQLITE_HEADER = 'SQLite format 3\0'

/**
 * Opens (or creates) a study database file. A file that exists but is not an SQLite database, or is
 * an SQLite database without Optuna's tables, is refused and left untouched.
 */
export async function openSqliteStorage(path: string, options: { busyTimeoutMs?: number } = {}): Promise<RDBStorage> {
  if (existsSync(path)) {
    const head = readFileSync(path).subarray(0, 16).toString('latin1')
    if (head.length > 0 && head !== SQLITE_HEADER) {
      throw Object.assign(new StorageError(`${path} exists and is not a study database; refusing to open it`), { code: 'E_NOT_A_DATABASE' })
    }
  }
  const key = existsSync(path) ? realpathSync(path) : resolve(path)
  const shared = openClients.get(key)
  if (shared !== undefined) return RDBStorage.open(shared.retain())
  const SqliteDatabase = loadSqliteBinding()
  let db: NativeSqliteDatabase
  try {
    db = new SqliteDatabase(path, options.busyTimeoutMs ?? 30_000)
  } catch (e) {
    throw translate(e)
  }
  const client = new SqliteClient(db, () => openClients.delete(key))
  openClients.set(key, client)
  return RDBStorage.open(client)
}

const openClients = new Map<string, SqliteClient>()
