import { basename } from 'node:path'
import { app, Menu, type MenuItemConstructorOptions } from 'electron'
import type { RecentFile } from '../../preload/api'

export interface MenuActions {
  recentFiles: RecentFile[]
  open(): void
  /** A study config or a study database. */
  openStudy(): void
  openRecent(path: string): void
  clearRecent(): void
}

/** The application menu: File → Open…, Open Study…, Open Recent, Quit; View; Help. */
export function buildMenu(actions: MenuActions): void {
  const recent: MenuItemConstructorOptions[] = actions.recentFiles.length
    ? [
        ...actions.recentFiles.map((file) => ({
          label: basename(file.path),
          sublabel: file.path,
          click: () => actions.openRecent(file.path),
        })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No recent workspaces', enabled: false }]

  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
        { label: 'Open Study…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openStudy() },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => app.quit() },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
