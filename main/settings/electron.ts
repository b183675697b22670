import ElectronStore from 'electron-store'
import { SettingsStore, settingsDefaults, settingsSchema, type StoredSettings } from './index'

/** Settings inside the Electron app: electron-store in the user-data folder. */
export function openElectronSettings(): SettingsStore {
  const store = new ElectronStore<StoredSettings>({ name: 'settings', schema: settingsSchema, defaults: settingsDefaults })
  return new SettingsStore(store)
}
