import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyPatchset, workspaceDigest } from '../../main/engine'
import { formatNumber } from '../../renderer/src/format'
import { dropFile, openBrowser, root, screenshotDir, startServe, type Browser, type Served } from './harness'

const tutorial = readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')
const ws = JSON.parse(tutorial) as { channels: { samples: { name: string; data: number[] }[] }[] }
const [signal, background] = ws.channels[0]!.samples
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

// The yield the test edits: background, first bin, on its own line of the tutorial file.
const FIRST_BACKGROUND = String(background!.data[0])
const lineOfFirstBackground = tutorial.split('\n').findIndex((l) => l.trim() === `${FIRST_BACKGROUND},`) + 1

/** Signal hypotheses for the tutorial, as pyhf's patchset schema has them. */
const patchset = JSON.stringify({
  metadata: { description: 'signal strengths', digests: { sha256: workspaceDigest(tutorial) }, labels: ['scale'], references: { hepdata: 'ins1234567' } },
  patches: [1, 2, 3].map((scale) => ({
    metadata: { name: `scale_${scale}`, values: [scale] },
    patch: [
      { op: 'test', path: '/channels/0/samples/0/name', value: 'signal' },
      { op: 'replace', path: '/channels/0/samples/0/data', value: signal!.data.map((y) => scale * y) },
    ],
  })),
  version: '1.0.0',
})

describe('the workspace editor in Chromium over `histune serve`', () => {
  let served: Served
  let browser: Browser

  beforeAll(async () => {
    served = await startServe()
    browser = await openBrowser()
    const { page } = browser
    await page.goto(served.url)
    await page.getByTestId('drop-zone').waitFor()
    await dropFile(page, '[data-testid="drop-zone"]', 'workspace.json', tutorial)
    await page.getByTestId('workspace-summary').waitFor()
    await page.getByRole('tab', { name: 'Edit' }).click()
    await page.getByTestId('workspace-editor').waitFor()
    await page.getByTestId('editor-validity').filter({ hasText: 'Valid pyhf workspace' }).waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })

  /**
   * Select the background sample in the tree (the JSON view scrolls to it), then select the value on
   * the line that holds `value,` and type over it.
   */
  async function typeOverLine(value: string, replacement: string): Promise<void> {
    const { page } = browser
    await page.getByRole('treeitem', { name: /^background,/ }).click()
    const line = page.locator('.cm-line').filter({ hasText: new RegExp(`^\\s*${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},$`) })
    await line.click()
    await page.keyboard.press('End')
    await page.keyboard.press('Shift+Home')
    await page.keyboard.type(`${replacement},`)
  }

  it('shows the tutorial as a tree beside its JSON text', async () => {
    const { page } = browser
    const tree = page.getByRole('tree', { name: 'Workspace structure' })
    await expect(tree.getByRole('treeitem', { name: `background, ${formatNumber(sum(background!.data))}` }).count()).resolves.toBe(1)
    await expect(page.locator('.cm-content').getAttribute('aria-label')).resolves.toBe('Workspace JSON')
    await expect(page.getByTestId('editor-dirty').textContent()).resolves.toBe('Saved')
  })

  it('an edited yield updates the tree and the engine summary', async () => {
    const { page } = browser
    const edited = background!.data[0]! + 100
    await typeOverLine(FIRST_BACKGROUND, String(edited))
    const newTotal = sum(background!.data) + 100
    await page.getByRole('treeitem', { name: `background, ${formatNumber(newTotal)}` }).waitFor()
    const expected = formatNumber(sum(signal!.data) + newTotal)
    await page.getByTestId('editor-summary-channel').getByTestId('expected').filter({ hasText: expected }).waitFor()
    await expect(page.getByTestId('editor-dirty').textContent()).resolves.toBe('Unsaved changes')
    // the overview shows the edited workspace too
    await page.getByRole('tab', { name: 'Overview' }).click()
    await expect(page.getByTestId('samples-table').textContent()).resolves.toContain(formatNumber(newTotal))
    await page.getByRole('tab', { name: 'Edit' }).click()
    await page.getByTestId('editor-validity').filter({ hasText: 'Valid pyhf workspace' }).waitFor()
  })

  it('shows a schema error at its JSON path and line, and undo takes it away', async () => {
    const { page } = browser
    await typeOverLine(String(background!.data[0]! + 100), '"lots"')
    const problems = page.getByTestId('problems')
    await problems.waitFor()
    const text = await problems.textContent()
    expect(text).toContain(`line ${lineOfFirstBackground} · channels[0].samples[1].data[0]`)
    expect(text).toContain('expected a number, found a string')
    await expect(page.locator('.cm-lintRange-error').first().textContent()).resolves.toBe('"lots"')
    await expect(page.locator('.cm-lint-marker-error').count()).resolves.toBe(1)
    await page.screenshot({ path: join(screenshotDir, 'workspace-editor-error.png') })

    await page.keyboard.press('Control+z')
    await page.getByTestId('editor-validity').filter({ hasText: 'Valid pyhf workspace' }).waitFor()
    await expect(problems.count()).resolves.toBe(0)
    await expect(page.locator('.cm-lintRange-error').count()).resolves.toBe(0)
    // and once more back to the text as opened: nothing left to save
    await page.keyboard.press('Control+z')
    await page.getByTestId('editor-dirty').filter({ hasText: 'Saved' }).waitFor()
  })

  it('asks before the page closes with unsaved edits', async () => {
    const { page } = browser
    await typeOverLine(FIRST_BACKGROUND, '9.5')
    await page.getByTestId('editor-dirty').filter({ hasText: 'Unsaved changes' }).waitFor()
    const dialog = page.waitForEvent('dialog')
    await page.close({ runBeforeUnload: true })
    const asked = await dialog
    expect(asked.type()).toBe('beforeunload')
    await asked.dismiss()
    expect(page.isClosed()).toBe(false)
    await page.getByRole('button', { name: 'Undo' }).click()
    await page.getByTestId('editor-dirty').filter({ hasText: 'Saved' }).waitFor()
  })

  it("applies a patch of a dropped patchset, giving the engine's patched workspace", async () => {
    const { page } = browser
    await dropFile(page, '[data-testid="patchset-panel"]', 'patchset.json', patchset)
    // a patchset dropped on its panel is not opened as a workspace
    await page.getByRole('button', { name: 'Apply patch scale_2' }).click()
    await page.getByTestId('editor-notice').filter({ hasText: 'Applied patch scale_2' }).waitFor()
    await page.getByTestId('editor-validity').filter({ hasText: 'Valid pyhf workspace' }).waitFor()
    const expected = formatNumber(2 * sum(signal!.data) + sum(background!.data))
    await page.getByTestId('editor-summary-channel').getByTestId('expected').filter({ hasText: expected }).waitFor()
    await expect(page.getByTestId('error-panel').count()).resolves.toBe(0)

    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export' }).click()
    const file = await (await download).path()
    const exported = JSON.parse(readFileSync(file, 'utf8')) as unknown
    expect(exported).toEqual(JSON.parse(applyPatchset(tutorial, patchset, 'scale_2')))
    await page.screenshot({ path: join(screenshotDir, 'workspace-editor.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(screenshotDir, 'workspace-editor-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    // the patch is one step of the history
    await page.getByRole('button', { name: 'Undo' }).click()
    await page.getByTestId('editor-dirty').filter({ hasText: 'Saved' }).waitFor()
    expect(browser.errors).toEqual([])
  })
  it('a patchset dropped anywhere on the window opens in the editor, not as a workspace', async () => {
    const { page } = browser
    await page.getByRole('button', { name: 'Close the patchset' }).click()
    await page.getByRole('tab', { name: 'Overview' }).click()
    await dropFile(page, '[data-testid="workspace-summary"]', 'signals.json', patchset)
    await page.getByRole('button', { name: 'Apply patch scale_2' }).waitFor()
    await expect(page.getByRole('tab', { name: 'Edit' }).getAttribute('aria-selected')).resolves.toBe('true')
    await expect(page.getByTestId('error-panel').count()).resolves.toBe(0)
    expect(browser.errors).toEqual([])
  })
})
