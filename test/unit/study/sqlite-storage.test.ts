import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadSqliteBinding, openSqliteStorage } from '../../../main/study/storage/sqlite.js'
import { TABLES } from '../../../main/study/storage/schema.js'
import { sqliteSkipReason, tempDir } from './storages.js'

const skip = sqliteSkipReason()

describe.skipIf(skip !== null)(`SQLite study files${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('creates all 13 tables of Optuna schema 12 with version rows', async () => {
    const path = join(tempDir(), 'new.db')
    const storage = await openSqliteStorage(path)
    await storage.close()
    const db = new (loadSqliteBinding())(path)
    const tables = db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name)
    expect(tables).toEqual([...TABLES].sort())
    expect(db.query('SELECT version_info_id, schema_version FROM version_info')).toEqual([{ version_info_id: 1, schema_version: 12 }])
    expect(db.query('SELECT version_num FROM alembic_version')).toEqual([{ version_num: 'v3.2.0.a' }])
    db.close()
  })

  it('refuses a file that is not a database and leaves it byte-for-byte untouched', async () => {
    const path = join(tempDir(), 'notes.db')
    writeFileSync(path, 'bin edges: 0 10 20 50 100\n')
    await expect(openSqliteStorage(path)).rejects.toThrow(/not a study database/)
    expect(readFileSync(path, 'utf8')).toBe('bin edges: 0 10 20 50 100\n')
  })

  it('refuses an SQLite database of another program', async () => {
    const path = join(tempDir(), 'other.db')
    const db = new (loadSqliteBinding())(path)
    db.exec('CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES (\'x\')')
    db.close()
    await expect(openSqliteStorage(path)).rejects.toThrow(/not a study database.*songs/)
    const again = new (loadSqliteBinding())(path)
    expect(again.query("SELECT name FROM sqlite_master WHERE type = 'table'")).toEqual([{ name: 'songs' }])
    again.close()
  })

  it('refuses a study database at another alembic revision', async () => {
    const path = join(tempDir(), 'old.db')
    await (await openSqliteStorage(path)).close()
    const db = new (loadSqliteBinding())(path)
    db.run("UPDATE alembic_version SET version_num = 'v2.6.0.a'", [])
    db.close()
    await expect(openSqliteStorage(path)).rejects.toThrow(/revision v2\.6\.0\.a.*optuna storage upgrade/)
  })

  it('gives unique trial numbers to two connections (workers) on one file', async () => {
    const path = join(tempDir(), 'shared.db')
    const a = await openSqliteStorage(path)
    const b = await openSqliteStorage(path)
    const studyId = await a.createNewStudy(['minimize'], 's')
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).createNewTrial(studyId)))
    const numbers = (await b.getAllTrials(studyId)).map((t) => t.number).sort((x, y) => x - y)
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i))
    await a.close()
    await b.close()
  })
})
