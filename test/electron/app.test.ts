/// <reference lib="dom" />
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, type ElectronApplication } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../..')
// The electron package writes path.txt once its binary is installed; requiring it otherwise downloads.
const pathFile = join(root, 'node_modules/electron/path.txt')
const hasElectron = existsSync(pathFile)
if (!hasElectron) console.log('Electron suite skipped: the Electron binary is not installed here (node_modules/electron/path.txt is missing)')

describe.skipIf(!hasElectron)('the desktop app (Playwright _electron)', () => {
  let app: ElectronApplication
  let userData: string

  beforeAll(async () => {
    userData = mkdtempSync(join(tmpdir(), 'histune-electron-'))
    const executablePath = join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim())
    app = await electron.launch({ executablePath, args: [join(root, 'out/main/index.js'), `--user-data-dir=${userData}`] })
  })
  afterAll(async () => {
    await app?.close()
    rmSync(userData, { recursive: true, force: true })
  })

  it('opens one secure window with the studio and the contract exposed', async () => {
    const page = await app.firstWindow()
    await page.getByTestId('drop-zone').waitFor()
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    // No Node in the page (nodeIntegration off, sandbox on); the contract is a frozen bridge object (contextIsolation).
    const page_ = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      frozen: Object.isFrozen((window as unknown as { histune: object }).histune),
      methods: Object.keys((window as unknown as { histune: object }).histune),
    }))
    expect(page_).toMatchObject({ require: 'undefined', process: 'undefined', frozen: true })
    expect(page_.methods).toContain('loadWorkspaceText')
  })

  it('summarises the tutorial workspace through the real IPC and engine', async () => {
    const page = await app.firstWindow()
    const text = readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')
    const poi = await page.evaluate(async (t) => (await (window as unknown as { histune: { loadWorkspaceText(t: string): Promise<{ poi: string }> } }).histune.loadWorkspaceText(t)).poi, text)
    expect(poi).toBe('mu')
  })
})
