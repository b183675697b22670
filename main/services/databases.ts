/** Study databases (SQLite files) as the studio opens them: list their studies, name new ones. */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { StoredStudySummary, StudyDatabase } from '../../preload/api'
import { HistuneError } from '../errors'
import { getStorage, studySummaries, type StudyStorage } from '../study'

const CONFIG_ATTR = 'histune:config'
const CONFIG_FILE_ATTR = 'histune:config_file'

export const sqliteUrl = (path: string): string => `sqlite:///${path}`

/**
 * The absolute path of an existing study database; `path` may be relative to `baseDir` (what a
 * browser sends for a dropped file: only its name). Says which path did not resolve, and where.
 */
export function resolveDatabasePath(path: string, baseDir: string): string {
  const file = resolve(baseDir, path)
  if (!existsSync(file)) {
    const where = file === path ? '' : ` (${JSON.stringify(path)} is looked up in ${baseDir})`
    throw new HistuneError('E_IO', `no study database at ${file}${where}`, { file: path })
  }
  if (!statSync(file).isFile()) throw new HistuneError('E_IO', `${file} is not a file`, { file: path })
  return file
}

/** Open an existing database (never create one: a mistyped name must not leave an empty file behind). */
export async function openDatabase(file: string): Promise<StudyStorage> {
  try {
    return await getStorage(sqliteUrl(file))
  } catch (error) {
    throw new HistuneError('E_IO', `cannot open ${file} as a study database: ${(error as Error).message}`, { file })
  }
}

export async function listStudies(storage: StudyStorage): Promise<StoredStudySummary[]> {
  return (await studySummaries(storage)).map((s) => {
    const configFile = s.userAttrs[CONFIG_FILE_ATTR]
    const summary: StoredStudySummary = {
      name: s.studyName,
      directions: s.directions,
      nTrials: s.nTrials,
      bestValue: s.bestValue,
      startedAt: s.datetimeStart?.toISOString() ?? null,
      resumable: typeof s.userAttrs[CONFIG_ATTR] === 'string' && typeof configFile === 'string',
    }
    if (typeof configFile === 'string') summary.configFile = configFile
    return summary
  })
}

export async function describeDatabase(path: string, baseDir: string): Promise<StudyDatabase> {
  const file = resolveDatabasePath(path, baseDir)
  const storage = await openDatabase(file)
  try {
    return { path: file, studies: await listStudies(storage) }
  } finally {
    await storage.close()
  }
}

/** The stored config of a study made by Histune, which the studio loads to show and resume it. */
export function storedConfig(userAttrs: Record<string, unknown>, studyName: string, file: string): { text: string; file: string } {
  const text = userAttrs[CONFIG_ATTR]
  const configFile = userAttrs[CONFIG_FILE_ATTR]
  if (typeof text !== 'string' || typeof configFile !== 'string') {
    throw new HistuneError(
      'E_BAD_REQUEST',
      `study ${studyName} in ${file} keeps no Histune config (it was not made by Histune), so the studio cannot show or resume it`,
      { file },
    )
  }
  return { text, file: configFile }
}

/** `name`, or `name-2`, `name-3`, … : the first name no study in `storage` has. */
export async function freeStudyName(storage: StudyStorage, name: string): Promise<string> {
  const taken = new Set((await storage.getAllStudies()).map((s) => s.studyName))
  if (!taken.has(name)) return name
  let n = 2
  while (taken.has(`${name}-${n}`)) n++
  return `${name}-${n}`
}
