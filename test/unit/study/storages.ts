import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { StudyStorage } from '../../../main/study/storage/base.js'
import { InMemoryStorage } from '../../../main/study/storage/memory.js'
import { openPostgresStorage } from '../../../main/study/storage/postgres.js'
import { loadSqliteBinding, openSqliteStorage } from '../../../main/study/storage/sqlite.js'

export interface StorageBackend {
  name: string
  /** Why this backend's tests are skipped here, or null when they run. */
  skipReason: string | null
  /** A fresh, empty storage. */
  make(): Promise<StudyStorage>
  /** Drops what `make` created. */
  cleanup(): Promise<void>
}

export function sqliteSkipReason(): string | null {
  try {
    loadSqliteBinding()
    return null
  } catch (e) {
    return `SQLite binding unavailable: ${e instanceof Error ? e.message : String(e)}`
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'histune-study-'))
}

/** A PostgreSQL URL whose connections live in a fresh schema, so tests never see each other's tables. */
export async function freshPostgresSchema(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `histune_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const sep = baseUrl.includes('?') ? '&' : '?'
  return {
    url: `${baseUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl })
      await c.connect()
      await c.query(`DROP SCHEMA ${schema} CASCADE`)
      await c.end()
    },
  }
}

export function backends(): StorageBackend[] {
  const pgUrl = process.env.HISTUNE_TEST_POSTGRES_URL
  const cleanups: (() => Promise<void>)[] = []
  const drain = async () => {
    for (const c of cleanups.splice(0)) await c()
  }
  return [
    { name: 'memory', skipReason: null, make: async () => new InMemoryStorage(), cleanup: drain },
    {
      name: 'sqlite',
      skipReason: sqliteSkipReason(),
      make: async () => openSqliteStorage(join(tempDir(), 'study.db')),
      cleanup: drain,
    },
    {
      name: 'postgres',
      skipReason: pgUrl === undefined ? 'HISTUNE_TEST_POSTGRES_URL is not set (CI sets it to a scratch PostgreSQL database)' : null,
      make: async () => {
        const schema = await freshPostgresSchema(pgUrl!)
        const storage = await openPostgresStorage(schema.url)
        cleanups.push(async () => {
          await storage.close().catch(() => undefined)
          await schema.drop()
        })
        return storage
      },
      cleanup: drain,
    },
  ]
}
