// Stand-in for the `electron` module in plain-Node tests: importing the real package downloads a
// binary. Anything a test actually calls throws, so a test cannot pass by accident through here.
const unavailable = (what: string) => (): never => {
  throw new Error(`electron.${what} is not available in plain Node tests`)
}

export const app = { getPath: unavailable('app.getPath'), getVersion: () => '0.0.0-test', isPackaged: false }
export const ipcMain = { handle: unavailable('ipcMain.handle') }
export const ipcRenderer = { invoke: unavailable('ipcRenderer.invoke'), on: unavailable('ipcRenderer.on') }
export const contextBridge = { exposeInMainWorld: unavailable('contextBridge.exposeInMainWorld') }
export const shell = { openExternal: unavailable('shell.openExternal') }
export default { app, ipcMain, ipcRenderer, contextBridge, shell }
