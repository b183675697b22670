import pg from 'pg'
import { RDBStorage } from './rdb.js'
import type { Row, SqlClient, SqlExecutor, SqlValue } from './sql.js'

/** `?` placeholders → `$1, $2, …` (none of our statements has a `?` inside a string literal). */
function numbered(sql: string): string {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

// Keep `timestamp without time zone` as text: it holds naive UTC, which pg would read as local time.
const TIMESTAMP_OID = 1114
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP_OID ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

class PgExecutor implements SqlExecutor {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.target.query({ text: numbered(sql), values: [...params], types })
    return result.rows as Row[]
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.target.query({ text: numbered(sql), values: [...params], types })
    return result.rowCount ?? 0
  }
}

export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres' as const
  private readonly pool: pg.Pool
  private readonly direct: PgExecutor

  constructor(connectionString: string, options: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString, max: options.max ?? 4 })
    this.direct = new PgExecutor(this.pool)
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.direct.query(sql, params)
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params)
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(new PgExecutor(client))
      await client.query('COMMIT')
      return result
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

/** Opens a PostgreSQL study storage, e.g. `postgresql://user:pass@host/db`, creating Optuna's schema if empty. */
export async function openPostgresStorage(url: string, options: { maxConnections?: number } = {}): Promise<RDBStorage> {
  return RDBStorage.open(new PostgresClient(url, { max: options.maxConnections }))
}
