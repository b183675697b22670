import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFile, openBrowser, root, screenshotDir, startServe, type Browser, type Served } from './harness'

const tutorialStudy = readFileSync(join(root, 'resources/examples/tutorial/study.yaml'), 'utf8')
const ntuplesConfig = join(root, 'resources/examples/ntuples/study.yaml')

async function studyStatus(page: Page): Promise<string> {
  const state = await page.getByTestId('study-state').textContent()
  const count = await page.getByTestId('study-count').textContent()
  return `${state} · ${count}`
}

async function downloadBy(page: Page, click: () => Promise<void>): Promise<{ download: Download; text: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()])
  const bytes = readFileSync(await download.path())
  return { download, bytes, text: bytes.toString('utf8') }
}

/** The number of trials the table holds (its header says `N`, or `shown of N` while filtered). */
async function tableTrials(page: Page): Promise<number> {
  const text = (await page.getByTestId('trials-shown').textContent()) ?? ''
  return Number(text.split(' of ').pop())
}

/** The studies of a database as the backend lists them, asked from the page over the same protocol. */
async function listStudies(page: Page, path: string): Promise<{ name: string; nTrials: number }[]> {
  return page.evaluate(async (path) => {
    const token = sessionStorage.getItem('histune.token') ?? ''
    const response = await fetch('/api/openStudyDatabase', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-histune-token': token },
      body: JSON.stringify({ args: [path] }),
    })
    return ((await response.json()) as { result: { studies: { name: string; nTrials: number }[] } }).result.studies
  }, path)
}

describe('the study dashboard in Chromium over `histune serve`', () => {
  let served: Served
  let browser: Browser
  /** `histune serve` runs here: a dropped database's name is looked up in this folder. */
  let work: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'histune-e2e-dashboard-'))
    // A study made by the CLI from a config whose ROOT files are relative to the config's folder.
    const made = spawnSync(
      process.execPath,
      [join(root, 'bin/histune.js'), 'optimize', ntuplesConfig, '--trials', '6', '--storage', `sqlite:///${join(work, 'ntuples.db')}`],
      { encoding: 'utf8', cwd: work },
    )
    if (made.status !== 0) throw new Error(`histune optimize failed: ${made.stderr}`)
    served = await startServe({ cwd: work })
    browser = await openBrowser()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('runs a short study and fills the importance and contour charts; exports them as SVG and PNG', async () => {
    const { page } = browser
    await page.goto(served.url)
    await page.getByTestId('drop-zone').waitFor()
    await dropFile(page, 'body', 'study.yaml', tutorialStudy)
    await page.getByTestId('binning-view').waitFor()
    await page.getByTestId('study-trials').fill('40')
    await page.getByTestId('study-start').click()
    await expect.poll(async () => studyStatus(page), { timeout: 60_000 }).toBe('Finished · 40 / 40 trials')

    await expect.poll(async () => page.getByTestId('importance-chart').getAttribute('data-params'), { timeout: 10_000 }).toMatch(/^\w+,\w+,\w+$/)
    const params = ((await page.getByTestId('importance-chart').getAttribute('data-params')) ?? '').split(',').sort()
    expect(params).toEqual(['hi', 'lo', 'n_bins'])
    expect(await page.getByTestId('importance-count').textContent()).toMatch(/^\d+ trials$/)
    await expect.poll(async () => Number(await page.getByTestId('contour-chart').getAttribute('data-points'))).toBeGreaterThan(10)
    expect(Number(await page.getByTestId('contour-chart').getAttribute('data-cells'))).toBeGreaterThan(3)
    await page.getByTestId('importance-chart').evaluate((chart) => chart.closest('section')?.scrollIntoView({ block: 'start' }))
    await page.waitForTimeout(1000)
    await page.screenshot({ path: join(screenshotDir, 'dashboard.png') })

    const svg = await downloadBy(page, () => page.getByTestId('svg-tutorial-importance').click())
    expect(svg.download.suggestedFilename()).toBe('tutorial-importance.svg')
    expect(svg.text.startsWith('<svg')).toBe(true)
    for (const name of ['n_bins', 'lo', 'hi']) expect(svg.text).toContain(`>${name}<`)

    const x = await page.getByTestId('contour-x').inputValue()
    const y = await page.getByTestId('contour-y').inputValue()
    const contour = await downloadBy(page, () => page.getByTestId(`svg-tutorial-contour-${x}-${y}`).click())
    expect(contour.text.startsWith('<svg')).toBe(true)
    expect((contour.text.match(/<path/g) ?? []).length).toBeGreaterThan(20)
    const png = await downloadBy(page, () => page.getByTestId('png-tutorial-parallel').click())
    expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG')

    // The table filters by its columns, and names a column it does not have.
    const all = await tableTrials(page)
    await page.getByTestId('trials-filter').fill('n_bins <= 10')
    await expect.poll(async () => page.getByTestId('trials-shown').textContent()).toMatch(new RegExp(`^\\d+ of ${all}$`))
    await page.getByTestId('trials-filter').fill('nbins <= 10')
    expect(await page.getByRole('alert').filter({ hasText: 'no column' }).textContent()).toContain('no column “nbins”')
    await page.getByTestId('trials-filter').fill('')
    expect(browser.errors).toEqual([])
  }, 120_000)

  it('opens the keyboard help with ? and closes it with Esc', async () => {
    const { page } = browser
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('?')
    const help = page.getByTestId('help-overlay')
    await help.waitFor()
    expect(await help.getAttribute('role')).toBe('dialog')
    expect(await help.textContent()).toContain('Double-click')
    await page.screenshot({ path: join(screenshotDir, 'help-overlay.png') })
    await page.keyboard.press('Escape')
    await help.waitFor({ state: 'detached' })
  })

  it('opens a dropped study database, lists its trials and resumes the study', async () => {
    const { page } = browser
    // A browser sends only the name: serve finds it in its folder.
    await dropFile(page, 'body', 'ntuples.db', 'SQLite format 3')
    await expect.poll(async () => page.getByTestId('study-name').textContent(), { timeout: 30_000 }).toBe('ntuples-jet_pt')
    await expect.poll(async () => page.getByTestId('study-state').textContent()).toBe('Stored')
    const [before] = await listStudies(page, 'ntuples.db')
    const stored = before!.nTrials
    expect(stored).toBeGreaterThanOrEqual(6)
    await expect.poll(async () => tableTrials(page)).toBe(stored)
    expect(await page.getByTestId('study-storage').textContent()).toBe(`Kept as ntuples-jet_pt in ${join(work, 'ntuples.db')}`)

    await page.getByTestId('study-trials').fill('4')
    await page.getByTestId('study-continue').click()
    await expect.poll(async () => studyStatus(page), { timeout: 60_000 }).toBe('Finished · 4 / 4 trials')
    await expect.poll(async () => tableTrials(page)).toBe(stored + 4)
    await page.screenshot({ path: join(screenshotDir, 'stored-study-resumed.png') })

    // The database itself holds the new trials: the CLI resumes from the same count.
    const listed = await listStudies(page, 'ntuples.db')
    expect(listed).toEqual([expect.objectContaining({ name: 'ntuples-jet_pt', nTrials: stored + 4 })])
    expect(browser.errors).toEqual([])
  }, 120_000)

  it('shows recent studies after a reload and reopens one; a name that does not resolve says where it was looked up', async () => {
    const { page } = browser
    await page.reload()
    await page.getByTestId('drop-zone').waitFor()
    const recent = page.getByTestId('recent-study').filter({ hasText: 'ntuples-jet_pt' })
    await recent.first().click()
    await expect.poll(async () => page.getByTestId('study-name').textContent(), { timeout: 30_000 }).toBe('ntuples-jet_pt')
    await expect.poll(async () => page.getByTestId('study-state').textContent()).toBe('Stored')

    await dropFile(page, 'body', 'elsewhere.db', 'SQLite format 3')
    const panel = page.getByTestId('error-panel')
    await panel.waitFor()
    expect(await panel.textContent()).toContain(`"elsewhere.db" is looked up in ${work}`)

    // A dropped config's relative ROOT paths: the browser sent only its text, so serve's folder is named.
    await dropFile(page, 'body', 'study.yaml', readFileSync(ntuplesConfig, 'utf8'))
    await expect.poll(async () => panel.textContent()).toContain(`cannot read ROOT file ${join(work, 'prediction.root')}`)
    expect(await panel.textContent()).toContain(`relative paths resolve in ${work}, where histune serve runs`)
  }, 60_000)
})
