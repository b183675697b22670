/** The little SQL surface the RDB storage needs; implemented over the SQLite binding and over `pg`. */

export type SqlValue = null | number | string
export type Row = Record<string, unknown>

export interface SqlExecutor {
  /** Statements use `?` placeholders; the PostgreSQL client numbers them. */
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
}

export interface SqlClient extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres'
  /**
   * Runs `fn` in one transaction that holds the write lock from its start (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: rows are locked explicitly with FOR UPDATE where it matters).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export { AsyncMutex } from '../mutex.js'
