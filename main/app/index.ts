import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron'
import { EVENT_CHANNEL, REQUEST_METHODS, requestChannel, type BridgeResponse, type HistuneEvent } from '../../preload/api'
import { toApiError } from '../errors'
import { createBackend, dispatch } from '../services/backend'
import { openElectronSettings } from '../settings/electron'
import { buildMenu } from './menu'

const here = dirname(fileURLToPath(import.meta.url))
const devServerUrl = process.env.ELECTRON_RENDERER_URL
const rendererIndex = join(here, '../renderer/index.html')
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"

let mainWindow: BrowserWindow | null = null

/** Only our own renderer may call the backend: not a navigated-away page, not an iframe. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url
  if (!url || event.sender !== mainWindow?.webContents || event.senderFrame !== event.sender.mainFrame) return false
  return devServerUrl ? url.startsWith(devServerUrl) : url.startsWith('file://') && fileURLToPath(url.split('#')[0]!.split('?')[0]!) === rendererIndex
}

function createWindow(settings: ReturnType<typeof openElectronSettings>): BrowserWindow {
  const window = new BrowserWindow({
    ...settings.windowBounds(),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Histune',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  const saveBounds = (): void => settings.setWindowBounds(window.getNormalBounds())
  window.on('resized', saveBounds)
  window.on('moved', saveBounds)

  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => event.preventDefault())
  window.webContents.on('will-attach-webview', (event) => event.preventDefault())
  // The workspace editor blocks unloading while it has unsaved changes: ask before the window closes.
  window.webContents.on('will-prevent-unload', (event) => {
    const discard = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: ['Discard changes', 'Keep editing'],
      defaultId: 1,
      cancelId: 1,
      message: 'The workspace has unsaved changes.',
      detail: 'Close anyway and lose them?',
    })
    if (discard === 0) event.preventDefault()
  })

  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(rendererIndex)
  return window
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))

  const settings = openElectronSettings()
  const emit = (event: HistuneEvent): void => {
    mainWindow?.webContents.send(EVENT_CHANNEL, event)
    if (event.type === 'settings-changed') refreshMenu()
  }
  const choosePath = async (): Promise<string | null> => {
    const options: Electron.OpenDialogOptions = {
      title: 'Open a pyhf workspace',
      properties: ['openFile'],
      filters: [{ name: 'pyhf workspace', extensions: ['json'] }],
    }
    const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options)
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]!
  }
  const backend = createBackend({ host: 'electron', settings, emit, choosePath })

  /** File → Open… and Open Recent: the result goes to the UI as an event. */
  const openFromMenu = async (path: string | null): Promise<void> => {
    if (path === null) return
    try {
      emit({ type: 'workspace-opened', summary: await backend.openWorkspaceFile(path) })
    } catch (error) {
      emit({ type: 'open-failed', error: { ...toApiError(error), file: path } })
    }
  }
  /** File → Open Study…: a config loads into the studio (its own event); a database lists its studies. */
  const openStudyFromMenu = async (): Promise<void> => {
    const options: Electron.OpenDialogOptions = {
      title: 'Open a study config or a study database',
      properties: ['openFile'],
      filters: [{ name: 'Study config or database', extensions: ['yaml', 'yml', 'json', 'db', 'sqlite', 'sqlite3'] }],
    }
    const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options)
    const path = result.canceled ? undefined : result.filePaths[0]
    if (path === undefined) return
    try {
      if (/\.(db|sqlite3?)$/i.test(path)) emit({ type: 'study-database', database: await backend.openStudyDatabase(path) })
      else await backend.openStudyConfigFile(path)
    } catch (error) {
      emit({ type: 'open-failed', error: { ...toApiError(error), file: path } })
    }
  }
  const refreshMenu = (): void =>
    buildMenu({
      recentFiles: settings.snapshot().recentFiles,
      open: () => void choosePath().then(openFromMenu),
      openStudy: () => void openStudyFromMenu(),
      openRecent: (path) => void openFromMenu(path),
      clearRecent: () => emit({ type: 'settings-changed', settings: settings.clearRecentFiles() }),
    })

  for (const method of REQUEST_METHODS) {
    ipcMain.handle(requestChannel(method), async (event, ...args: unknown[]): Promise<BridgeResponse<unknown>> => {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'E_BAD_REQUEST', message: 'request from an untrusted frame' } }
      try {
        return { ok: true, result: await dispatch(backend, method, args) }
      } catch (error) {
        return { ok: false, error: toApiError(error) }
      }
    })
  }

  refreshMenu()
  mainWindow = createWindow(settings)
  mainWindow.on('closed', () => (mainWindow = null))
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(settings)
  })
})

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
