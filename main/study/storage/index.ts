export * from './base.js'
export { InMemoryStorage } from './memory.js'
export { RDBStorage } from './rdb.js'
export { openSqliteStorage } from './sqlite.js'
export { openPostgresStorage } from './postgres.js'
import { StorageError, type StudyStorage } from './base.js'
import { InMemoryStorage } from './memory.js'
import { openPostgresStorage } from './postgres.js'
import { openSqliteStorage } from './sqlite.js'

/**
 * Storage from a URL as Optuna spells them: `sqlite:///relative.db`, `sqlite:////abs/path.db`,
 * `postgresql://…` (also `postgresql+psycopg2://…`), or `:memory:` / undefined for process memory.
 * A bare path is taken as an SQLite file.
 */
export async function getStorage(url?: string): Promise<StudyStorage> {
  if (url === undefined || url === ':memory:' || url === '') return new InMemoryStorage()
  const pgMatch = /^postgres(?:ql)?(?:\+\w+)?:\/\//.exec(url)
  if (pgMatch !== null) return openPostgresStorage(url.replace(pgMatch[0], 'postgresql://'))
  if (url.startsWith('sqlite:///')) return openSqliteStorage(url.slice('sqlite:///'.length))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new StorageError(`Unsupported storage URL ${url}: use sqlite:/// or postgresql://`)
  return openSqliteStorage(url)
}
