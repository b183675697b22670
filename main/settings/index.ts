import { dirname, join } from 'node:path'
import type { RecentFile, RecentStudy, Settings, Theme } from '../../preload/api'

/** Window geometry remembered between runs. */
export interface WindowBounds {
  x?: number
  y?: number
  width: number
  height: number
}

/** What Histune keeps between runs. The schema is shared by electron-store (app) and conf (CLI, tests). */
export interface StoredSettings {
  theme: Theme
  recentFiles: RecentFile[]
  recentStudies: RecentStudy[]
  windowBounds: WindowBounds
}

export const MAX_RECENT_FILES = 10

export const settingsDefaults: StoredSettings = {
  theme: 'system',
  recentFiles: [],
  recentStudies: [],
  windowBounds: { width: 1280, height: 820 },
}

/** JSON Schema for each key, as electron-store / conf take it (validated by ajv on every write). */
export const settingsSchema = {
  theme: { type: 'string', enum: ['light', 'dark', 'system'] },
  recentFiles: {
    type: 'array',
    maxItems: MAX_RECENT_FILES,
    items: {
      type: 'object',
      properties: { path: { type: 'string' }, openedAt: { type: 'string' } },
      required: ['path', 'openedAt'],
      additionalProperties: false,
    },
  },
  recentStudies: {
    type: 'array',
    maxItems: MAX_RECENT_FILES,
    items: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        kind: { type: 'string', enum: ['config', 'database'] },
        studyName: { type: 'string' },
        openedAt: { type: 'string' },
      },
      required: ['path', 'kind', 'openedAt'],
      additionalProperties: false,
    },
  },
  windowBounds: {
    type: 'object',
    properties: {
      x: { type: 'number' },
      y: { type: 'number' },
      width: { type: 'number', minimum: 400 },
      height: { type: 'number', minimum: 300 },
    },
    required: ['width', 'height'],
  },
} as const

/** The part of electron-store's and conf's API Histune uses (electron-store extends conf). */
export interface KeyValueStore {
  get<K extends keyof StoredSettings>(key: K): StoredSettings[K]
  set<K extends keyof StoredSettings>(key: K, value: StoredSettings[K]): void
  /** The settings file (conf and electron-store have it); the studio keeps its studies beside it. */
  readonly path?: string
}

/** Settings logic over any conf-like store, so it is tested in plain Node. */
export class SettingsStore {
  constructor(private readonly store: KeyValueStore) {}

  snapshot(): Settings {
    return { theme: this.store.get('theme'), recentFiles: this.store.get('recentFiles'), recentStudies: this.store.get('recentStudies') ?? [] }
  }

  setTheme(theme: Theme): Settings {
    this.store.set('theme', theme)
    return this.snapshot()
  }

  /** Put `path` first in the recent files, without duplicates, keeping at most MAX_RECENT_FILES. */
  addRecentFile(path: string, now: Date = new Date()): Settings {
    const rest = this.store.get('recentFiles').filter((entry) => entry.path !== path)
    this.store.set('recentFiles', [{ path, openedAt: now.toISOString() }, ...rest].slice(0, MAX_RECENT_FILES))
    return this.snapshot()
  }

  clearRecentFiles(): Settings {
    this.store.set('recentFiles', [])
    this.store.set('recentStudies', [])
    return this.snapshot()
  }

  /** Put a study config or a stored study first in the recent studies (one entry per file and study). */
  addRecentStudy(entry: Omit<RecentStudy, 'openedAt'>, now: Date = new Date()): Settings {
    const same = (r: RecentStudy) => r.path === entry.path && r.kind === entry.kind && r.studyName === entry.studyName
    const rest = (this.store.get('recentStudies') ?? []).filter((r) => !same(r))
    const recent: RecentStudy = { path: entry.path, kind: entry.kind, openedAt: now.toISOString() }
    if (entry.studyName !== undefined) recent.studyName = entry.studyName
    this.store.set('recentStudies', [recent, ...rest].slice(0, MAX_RECENT_FILES))
    return this.snapshot()
  }

  /** The SQLite file the studio keeps its studies in: beside the settings file; null for a store without a file. */
  studiesDatabase(): string | null {
    return this.store.path === undefined ? null : join(dirname(this.store.path), 'studies.db')
  }

  windowBounds(): WindowBounds {
    return this.store.get('windowBounds')
  }

  setWindowBounds(bounds: WindowBounds): void {
    this.store.set('windowBounds', bounds)
  }
}
