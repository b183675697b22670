import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBrowser, root, screenshotDir, startServe, type Browser, type Served } from './harness'

const prediction = join(root, 'resources/examples/ntuples/prediction.root')

/** Drop a binary file on the page, as a drag of a ROOT file from the file manager arrives. */
async function dropBytes(page: Page, name: string, bytes: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, base64]) => {
      const binary = atob(base64)
      const data = new Uint8Array(binary.length)
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i)
      const transfer = new DataTransfer()
      transfer.items.add(new File([data], fileName, { type: 'application/octet-stream' }))
      return transfer
    },
    [name, bytes.toString('base64')] as const,
  )
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('body', type, { dataTransfer })
}

/** The value of one fact (Entries, Mean, …) in the histogram's summary. */
async function fact(page: Page, label: string): Promise<string> {
  return (await page.getByTestId('root-histogram').locator('.fact', { has: page.locator(`dt:text-is("${label}")`) }).locator('dd').textContent()) ?? ''
}

describe('the ROOT browser in Chromium over `histune serve`', () => {
  let served: Served
  let browser: Browser
  let work: string

  beforeAll(async () => {
    // serve runs in an empty folder: the dropped file can only arrive as an upload.
    work = mkdtempSync(join(tmpdir(), 'histune-e2e-root-'))
    served = await startServe({ cwd: work })
    browser = await openBrowser()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('lists a dropped ROOT file’s trees and branches and draws the histogram of jet_pt', async () => {
    const { page } = browser
    await page.goto(served.url)
    await page.getByTestId('drop-zone').waitFor()
    await dropBytes(page, 'prediction.root', readFileSync(prediction))

    const dialog = page.getByRole('dialog', { name: /prediction\.root/ })
    await dialog.waitFor()
    const trees = dialog.getByTestId('root-tree')
    await expect.poll(async () => trees.allTextContents()).toEqual([
      'signal5,000 entries',
      'background5,000 entries',
      'background_varied5,000 entries',
    ])
    await trees.nth(1).click()
    expect(await dialog.getByTestId('root-branch').evaluateAll((rows) => rows.map((r) => r.textContent))).toEqual([
      'jet_ptdouble',
      'weightdouble',
      'lep_chargeint64_t',
      'weight_updouble',
      'weight_downdouble',
    ])

    await dialog.getByRole('button', { name: 'Show the histogram of jet_pt' }).click()
    const chart = dialog.getByTestId('root-histogram-chart')
    await chart.locator('canvas').waitFor()
    expect(await fact(page, 'Entries')).toBe('5,000')
    expect(await chart.getAttribute('aria-label')).toMatch(/^Histogram of jet_pt in tree background: 50 bins from /)

    // The tutorial's signal-region selection: 2 578 of the 5 000 background entries (checked against uproot in test/parity).
    await dialog.getByLabel('Selection', { exact: true }).fill('lep_charge > 0')
    await dialog.getByLabel('Bins', { exact: true }).fill('25')
    await dialog.getByTestId('root-apply').click()
    await expect.poll(async () => fact(page, 'Entries')).toBe('2,578 of 5,000')
    expect(await fact(page, 'Σ weights')).toMatch(/^514\.86/)
    expect(await chart.getAttribute('aria-label')).toContain('25 bins')
    await page.screenshot({ path: join(screenshotDir, 'root-browser.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(screenshotDir, 'root-browser-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    // A range the user sets: the same selected entries and stats, 25 bins of 8 from 100 to 300, and
    // the entries outside counted (46 below, 1 651 above, as numpy bins them on these values).
    await dialog.getByLabel('Low', { exact: true }).fill('300')
    await dialog.getByLabel('High', { exact: true }).fill('100')
    await dialog.getByTestId('root-apply').click()
    expect(await dialog.getByTestId('root-range-error').textContent()).toContain('must be below its high edge')
    await dialog.getByLabel('Low', { exact: true }).fill('100')
    await dialog.getByLabel('High', { exact: true }).fill('300')
    await dialog.getByTestId('root-apply').click()
    await expect.poll(async () => chart.getAttribute('aria-label')).toBe('Histogram of jet_pt in tree background: 25 bins from 100 to 300')
    expect(await dialog.getByTestId('root-range-error').count()).toBe(0)
    expect(await fact(page, 'Entries')).toBe('2,578 of 5,000')
    expect(await fact(page, 'Σ weights')).toMatch(/^514\.86/)
    const note = (await dialog.getByTestId('root-histogram').locator('.chart-note').textContent()) ?? ''
    expect(note).toContain('25 equal bins from 100 to 300 (the range you set)')
    expect(note).toContain('1,697 entries lie outside the range (46 below, 1,651 above)')
    await page.screenshot({ path: join(screenshotDir, 'root-browser-range.png') })

    expect(browser.errors).toEqual([])

    // A broken selection is named, with its position, beside the form (its 400 reply is logged by the browser).
    await dialog.getByLabel('Selection', { exact: true }).fill('lep_charge >')
    await dialog.getByTestId('root-apply').click()
    await expect.poll(async () => dialog.getByTestId('root-summary-error').textContent()).toContain('`lep_charge >` at position')
  }, 60_000)

  it('drafts a new ntuple study from the dropped file and opens it in the study view', async () => {
    const { page } = browser
    const dialog = page.getByTestId('root-browser')
    await dialog.getByLabel('Selection', { exact: true }).fill('lep_charge > 0')
    await dialog.getByTestId('root-apply').click()
    await dialog.getByTestId('root-new-study').click()
    const text = dialog.getByTestId('root-draft-text')
    await text.waitFor()
    const draft = await text.inputValue()
    expect(draft).toContain('observable: jet_pt')
    expect(draft).toContain('selection: lep_charge > 0')
    expect(draft).toContain('file: prediction.root')
    await page.screenshot({ path: join(screenshotDir, 'root-browser-draft.png') })
    await dialog.getByTestId('root-draft-open').click()
    await page.getByTestId('binning-view').waitFor()
    await expect.poll(async () => page.getByTestId('study-name').textContent(), { timeout: 30_000 }).toBe('ntuples-jet_pt')
    expect(await page.getByTestId('root-browser').count()).toBe(0)
  }, 60_000)

  it('says which dropped file is not a ROOT file', async () => {
    const { page } = browser
    await dropBytes(page, 'notes.root', Buffer.from('just some notes'))
    const error = page.getByTestId('root-error')
    await error.waitFor()
    expect(await error.textContent()).toContain('notes.root is not a ROOT file')
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('root-browser').count()).toBe(0)
  }, 30_000)

  it('opens a ROOT file picked from the empty workspace view', async () => {
    const { page } = browser
    await page.getByTestId('tab-workspace').click()
    await page.getByTestId('open-root-file').waitFor()
    await page.screenshot({ path: join(screenshotDir, 'root-empty-state.png') })
    await page.getByTestId('root-file-input').setInputFiles(join(root, 'resources/examples/ntuples/data.root'))
    const trees = page.getByRole('dialog', { name: /data\.root/ }).getByTestId('root-tree')
    await expect.poll(async () => trees.allTextContents()).toEqual(['pseudodata1,150 entries'])
  }, 30_000)
})
