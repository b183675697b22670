import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { getStorage } from '../../../main/study/storage/index.js'
import { InMemoryStorage } from '../../../main/study/storage/memory.js'
import { RDBStorage } from '../../../main/study/storage/rdb.js'
import { sqliteSkipReason, tempDir } from './storages.js'

describe('getStorage', () => {
  it('gives process memory for no URL and refuses unknown schemes', async () => {
    expect(await getStorage()).toBeInstanceOf(InMemoryStorage)
    expect(await getStorage(':memory:')).toBeInstanceOf(InMemoryStorage)
    await expect(getStorage('mysql://u@h/db')).rejects.toThrow(/Unsupported storage URL/)
  })

  it.skipIf(sqliteSkipReason() !== null)('opens sqlite:/// URLs (relative and absolute) and bare paths', async () => {
    const dir = tempDir()
    for (const url of [`sqlite:///${join(dir, 'a.db')}`, join(dir, 'b.db')]) {
      const storage = await getStorage(url)
      expect(storage).toBeInstanceOf(RDBStorage)
      await storage.close()
    }
  })
})
