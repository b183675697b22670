import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HistuneEvent, StudyProgress } from '../../../preload/api'
import { createBackend } from '../../../main/services/backend'
import { openConfSettings } from '../../../main/settings/conf'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/study.yaml')

/** A backend as `histune serve` makes it, with its settings (and so its studies database) in `dir`. */
function backend(dir: string) {
  const events: HistuneEvent[] = []
  const settings = openConfSettings({ cwd: dir })
  const api = createBackend({ host: 'serve', settings, emit: (e) => events.push(e) })
  const finished = (studyName: string) =>
    new Promise<StudyProgress>((resolve, reject) => {
      const timer = setInterval(() => {
        const done = events.find(
          (e): e is Extract<HistuneEvent, { type: 'study-progress' }> =>
            e.type === 'study-progress' && e.progress.studyName === studyName && e.progress.state !== 'running' && e.progress.state !== 'idle',
        )
        if (done) {
          clearInterval(timer)
          if (done.progress.state === 'finished') resolve(done.progress)
          else reject(new Error(`study ${studyName} ended ${done.progress.state}: ${done.progress.error?.message}`))
        }
      }, 20)
    })
  return { api, events, settings, finished }
}

describe('studies kept by the studio, reopened and resumed', () => {
  let dir: string
  let first: ReturnType<typeof backend>
  let database: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'histune-stored-'))
    first = backend(dir)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps a studio run in the studies database beside the settings, under a free name', async () => {
    const info = await first.api.engineInfo()
    expect(info.studiesDatabase).toBe(join(dir, 'studies.db'))
    database = info.studiesDatabase!
    await first.api.openStudyConfigFile(tutorial)
    const started = await first.api.startStudy({ trials: 12, seed: 7 })
    expect(started.studyName).toBe('tutorial')
    await first.finished('tutorial')
    const again = await first.api.startStudy({ trials: 3, seed: 8 })
    expect(again.studyName).toBe('tutorial-2')
    await first.finished('tutorial-2')
    const recent = (await first.api.getSettings()).recentStudies!
    expect(recent.map((r) => [r.kind, r.studyName ?? null, r.path])).toEqual([
      ['database', 'tutorial-2', database],
      ['database', 'tutorial', database],
      ['config', null, tutorial],
    ])
  }, 120_000)

  it('lists the studies of the database', async () => {
    const listed = await backend(dir).api.openStudyDatabase(database)
    expect(listed.path).toBe(database)
    expect(listed.studies.map((s) => s.name)).toEqual(['tutorial', 'tutorial-2'])
    const study = listed.studies[0]!
    expect(study.resumable).toBe(true)
    expect(study.configFile).toBe(tutorial)
    expect(study.directions).toEqual(['maximize'])
    // The warm start enqueues the baselines its space can express before the 12 sampled trials.
    expect(study.nTrials).toBeGreaterThanOrEqual(12)
    expect(study.bestValue).toBeGreaterThan(1)
  })

  it('reopens a study with its trials and importances, and resumes it where it stopped', async () => {
    const second = backend(dir)
    const stored = await second.api.openStoredStudy(database, 'tutorial')
    expect(stored.setup.name).toBe('tutorial')
    expect(stored.storage).toBe(`sqlite:///${database}`)
    expect(stored.progress).toMatchObject({ studyName: 'tutorial', state: 'idle' })
    const before = stored.trials.length
    expect(before).toBeGreaterThanOrEqual(12)
    expect(stored.progress.bestValue).toBe(Math.max(...stored.trials.filter((t) => t.feasible).map((t) => t.values![0]!)))

    const importances = await second.api.studyImportances()
    expect(importances.studyName).toBe('tutorial')
    expect(importances.importances.map((i) => i.name).sort()).toEqual(['hi', 'lo', 'n_bins'])
    expect(importances.importances.reduce((a, i) => a + i.importance, 0)).toBeCloseTo(1, 12)

    await second.api.startStudy({ trials: 4, storage: stored.storage, studyName: stored.studyName })
    await second.finished('tutorial')
    const after = await second.api.studyTrials()
    expect(after).toHaveLength(before + 4)
    expect(after.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: before + 4 }, (_, i) => i))
  }, 120_000)

  it('says which database or study it cannot open', async () => {
    const { api } = backend(dir)
    await expect(api.openStudyDatabase('no-such.db')).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining(`"no-such.db" is looked up in ${process.cwd()}`),
    })
    const notDb = join(dir, 'notes.db')
    writeFileSync(notDb, 'just some text, not SQLite')
    await expect(api.openStudyDatabase(notDb)).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining('not a study database') })
    await expect(api.openStoredStudy(database, 'nope')).rejects.toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('no study "nope"') })
  })
})


