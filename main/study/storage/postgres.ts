import type pg from 'pg'
import { RDBStorage } from './rdb.js'
import type { Row, SqlClient, SqlExecutor, SqlValue } from './sql.js'

/** `?` placeholders → `$1, $2, …` (none of our statements has a `?` inside a string literal). */
function numbered(sql: string): string {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

type PgModule = typeof pg
type TypeParsers = { getTypeParser: typeof pg.types.getTypeParser }

// Keep `timestamp without time zone` as text: it holds naive UTC, which pg would read as local time.
const TIMESTAMP_OID = 1114
const typeParsers = (module: PgModule): TypeParsers => ({
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP_OID ? (v: string) => v : module.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
})

class PgExecutor implements SqlExecutor {
  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly types: TypeParsers,
  ) {}

  async query(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.target.query({ text: numbered(sql), values: [...params], types: this.types })
    return result.rows as Row[]
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.target.query({ text: numbered(sql), values: [...params], types: this.types })
    return result.rowCount ?? 0
  }
}

export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres' as const
  private readonly pool: pg.Pool
  private readonly direct: PgExecutor
  private readonly types: TypeParsers

  /** `module` is the pg package, imported only when a PostgreSQL storage is opened (it is slow to load). */
  constructor(module: PgModule, connectionString: string, options: { max?: number } = {}) {
    this.pool = new module.Pool({ connectionString, max: options.max ?? 4 })
    this.types = typeParsers(module)
    this.direct = new PgExecutor(this.pool, this.types)
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
      const result = await fn(new PgExecutor(client, this.types))
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
  const { default: module } = await import('pg')
  return RDBStorage.open(new PostgresClient(module, url, { max: options.maxConnections }))
}
