/// <reference lib="dom" />
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const root = join(__dirname, '../..')
export const screenshotDir = join(root, 'test-results', 'e2e')

/** Debian's Chromium, as the machines here have it (never a Playwright-downloaded browser). */
export function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim()
  if (!found) throw new Error('chromium is not on PATH: install Debian\'s chromium (npm run setup does)')
  return found
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Served {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Start the real `histune serve` (in `cwd`, where it resolves dropped files' names) and wait for the URL it prints. */
export async function startServe(options: { cwd?: string } = {}): Promise<Served> {
  const home = mkdtempSync(join(tmpdir(), 'histune-e2e-home-'))
  const child = spawn(process.execPath, [join(root, 'bin/histune.js'), 'serve', '--port', '0'], {
    cwd: options.cwd,
    env: { ...process.env, XDG_CONFIG_HOME: home, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += String(d)))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`histune serve printed no URL: ${out} ${stderr}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.once('exit', (code) => reject(new Error(`histune serve exited with ${code}: ${stderr}`)))
  })
  return {
    url,
    process: child,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))
      rmSync(home, { recursive: true, force: true })
    },
  }
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught page errors seen so far. */
  errors: string[]
  close(): Promise<void>
}

export async function openBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'histune-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  mkdirSync(screenshotDir, { recursive: true })
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Drop a file on the page the way a user's drag from the file manager arrives. */
export async function dropFile(page: Page, selector: string, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, content]) => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([content], fileName, { type: 'application/json' }))
      return transfer
    },
    [name, text] as const,
  )
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, { dataTransfer })
}
