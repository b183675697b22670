import Conf from 'conf'
import { SettingsStore, settingsDefaults, settingsSchema, type StoredSettings } from './index'

/** Settings outside Electron (CLI, `histune serve`, tests): the same schema through `conf`. */
export function openConfSettings(options: { cwd?: string; projectName?: string } = {}): SettingsStore {
  const store = new Conf<StoredSettings>({
    projectName: options.projectName ?? 'histune',
    cwd: options.cwd,
    projectVersion: '0.1.0',
    schema: settingsSchema,
    defaults: settingsDefaults,
  })
  return new SettingsStore(store)
}
