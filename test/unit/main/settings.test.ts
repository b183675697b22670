import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_RECENT_FILES, settingsDefaults, type StoredSettings } from '../../../main/settings'
import { openConfSettings } from '../../../main/settings/conf'

describe('settings (conf, the engine of electron-store)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'histune-settings-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('starts from the defaults', () => {
    const settings = openConfSettings({ cwd: dir })
    expect(settings.snapshot()).toEqual({ theme: settingsDefaults.theme, recentFiles: [], recentStudies: [] })
    expect(settings.windowBounds()).toEqual(settingsDefaults.windowBounds)
  })

  it('keeps the theme and window bounds across reopening', () => {
    const first = openConfSettings({ cwd: dir })
    first.setTheme('dark')
    first.setWindowBounds({ x: 10, y: 20, width: 1000, height: 700 })
    const second = openConfSettings({ cwd: dir })
    expect(second.snapshot().theme).toBe('dark')
    expect(second.windowBounds()).toEqual({ x: 10, y: 20, width: 1000, height: 700 })
  })

  it('keeps recent studies apart from workspaces: one entry per config, and per study of a database', () => {
    const settings = openConfSettings({ cwd: dir })
    settings.addRecentStudy({ path: '/data/study.yaml', kind: 'config' }, new Date(2026, 0, 1))
    settings.addRecentStudy({ path: '/data/studies.db', kind: 'database', studyName: 'a' }, new Date(2026, 0, 2))
    settings.addRecentStudy({ path: '/data/studies.db', kind: 'database', studyName: 'b' }, new Date(2026, 0, 3))
    settings.addRecentStudy({ path: '/data/studies.db', kind: 'database', studyName: 'a' }, new Date(2026, 0, 4))
    const reopened = openConfSettings({ cwd: dir }).snapshot()
    expect(reopened.recentFiles).toEqual([])
    expect(reopened.recentStudies!.map((r) => `${r.kind}:${r.studyName ?? r.path}`)).toEqual(['database:a', 'database:b', 'config:/data/study.yaml'])
    expect(settings.studiesDatabase()).toBe(join(dir, 'studies.db'))
    expect(settings.clearRecentFiles().recentStudies).toEqual([])
  })

  it('puts the latest file first, without duplicates, and keeps at most ten', () => {
    const settings = openConfSettings({ cwd: dir })
    for (let i = 0; i < MAX_RECENT_FILES + 3; i++) settings.addRecentFile(`/data/ws${i}.json`, new Date(2026, 0, 1, 0, i))
    settings.addRecentFile('/data/ws5.json', new Date(2026, 1, 1))
    const recent = settings.snapshot().recentFiles
    expect(recent).toHaveLength(MAX_RECENT_FILES)
    expect(recent[0]).toEqual({ path: '/data/ws5.json', openedAt: new Date(2026, 1, 1).toISOString() })
    expect(recent.filter((r) => r.path === '/data/ws5.json')).toHaveLength(1)
    expect(recent[1]!.path).toBe(`/data/ws${MAX_RECENT_FILES + 2}.json`)
    expect(settings.clearRecentFiles().recentFiles).toEqual([])
  })

  it('refuses values outside the schema', () => {
    const settings = openConfSettings({ cwd: dir })
    expect(() => settings.setTheme('purple' as StoredSettings['theme'])).toThrow(/schema/i)
    expect(settings.snapshot().theme).toBe(settingsDefaults.theme)
  })
})
