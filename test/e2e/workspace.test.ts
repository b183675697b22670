import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFile, openBrowser, root, screenshotDir, startServe, type Browser, type Served } from './harness'

const tutorial = readFileSync(join(root, 'resources/examples/tutorial/workspace.json'), 'utf8')

describe('the studio in Chromium over `histune serve`', () => {
  let served: Served
  let browser: Browser

  beforeAll(async () => {
    served = await startServe()
    browser = await openBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })

  it('refuses a page request without the token', async () => {
    const bare = served.url.replace(/\?token=.*$/, '')
    // A page of its own: the refused page and its favicon request log 403s that are not the studio's errors.
    const page = await browser.context.newPage()
    const response = await page.goto(bare)
    expect(response?.status()).toBe(403)
    expect(await page.textContent('body')).toContain('token')
    await page.close()
  })

  it('shows the empty state, then the tutorial summary and histogram after a drop', async () => {
    const { page } = browser
    await page.goto(served.url)
    await page.getByTestId('drop-zone').waitFor()
    await page.screenshot({ path: join(screenshotDir, 'empty-state.png') })

    await dropFile(page, '[data-testid="drop-zone"]', 'workspace.json', tutorial)
    const summary = page.getByTestId('workspace-summary')
    await summary.waitFor()
    await expect(page.getByTestId('poi').textContent()).resolves.toContain('mu')
    const channels = await page.getByTestId('channels-table').textContent()
    expect(channels).toContain('SR')
    expect(channels).toContain('20')
    const samples = await page.getByTestId('samples-table').textContent()
    expect(samples).toContain('signal')
    expect(samples).toContain('background')
    const parameters = await page.getByTestId('parameters-table').textContent()
    expect(parameters).toContain('bkg_norm')
    expect(parameters).toContain('normsys')
    const modifiers = await page.getByTestId('modifiers-summary').textContent()
    expect(modifiers).toContain('normfactor')

    const histogram = page.getByTestId('histogram')
    await histogram.locator('canvas, svg').first().waitFor()
    const box = await histogram.boundingBox()
    expect(box!.width).toBeGreaterThan(300)
    expect(box!.height).toBeGreaterThan(150)
    await page.waitForTimeout(600) // let echarts finish its entry animation before the screenshot
    await page.screenshot({ path: join(screenshotDir, 'tutorial-summary.png'), fullPage: true })
    expect(browser.errors).toEqual([])
  })

  it('shows a clear error with the JSON path when the dropped workspace is invalid', async () => {
    const { page } = browser
    const broken = JSON.parse(tutorial) as { channels: { samples: { data: unknown[] }[] }[] }
    broken.channels[0]!.samples[1]!.data[4] = 'lots'
    await dropFile(page, 'body', 'broken.json', JSON.stringify(broken, null, 1))
    const panel = page.getByTestId('error-panel')
    await panel.waitFor()
    const text = await panel.textContent()
    expect(text).toContain('E_SCHEMA')
    expect(text).toContain('channels[0].samples[1].data[4]')
    expect(text).toContain('broken.json')
    await page.screenshot({ path: join(screenshotDir, 'schema-error.png') })
  })

  it('shows the line of a JSON syntax error', async () => {
    const { page } = browser
    await dropFile(page, 'body', 'truncated.json', tutorial.slice(0, 200))
    const panel = page.getByTestId('error-panel')
    await expect.poll(async () => panel.textContent()).toContain('E_JSON_SYNTAX')
    expect(await panel.textContent()).toMatch(/line/i)
  })

  it.each([
    ['an empty file', 'empty.json', () => '', 'E_EMPTY'],
    ['mismatched bin counts', 'bins.json', () => {
      const w = JSON.parse(tutorial) as { observations: { data: number[] }[] }
      w.observations[0]!.data.pop()
      return JSON.stringify(w)
    }, 'E_WORKSPACE'],
    ['an unknown modifier type', 'modifier.json', () => {
      const w = JSON.parse(tutorial) as { channels: { samples: { modifiers: { type: string }[] }[] }[] }
      w.channels[0]!.samples[1]!.modifiers[0]!.type = 'normsyst'
      return JSON.stringify(w)
    }, 'E_SCHEMA'],
  ])('shows %s as an error and keeps working', async (_what, name, make, code) => {
    const { page } = browser
    await dropFile(page, 'body', name, make())
    const panel = page.getByTestId('error-panel')
    await expect.poll(async () => panel.textContent()).toContain(code)
    expect(await panel.textContent()).toContain(name)
  })

  it('refuses a 200 MB drop up front, and the backend keeps serving', async () => {
    const { page } = browser
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([new Uint8Array(200 * 1024 * 1024)], 'huge.json', { type: 'application/json' }))
      return transfer
    })
    for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('body', type, { dataTransfer })
    const panel = page.getByTestId('error-panel')
    await expect.poll(async () => panel.textContent()).toContain('E_TOO_LARGE')
    expect(await panel.textContent()).toContain('huge.json')

    // After every bad input the same server still answers with a good workspace.
    await dropFile(page, 'body', 'workspace.json', tutorial)
    await expect.poll(async () => page.getByTestId('error-panel').count()).toBe(0)
    await expect.poll(async () => page.getByTestId('poi').textContent()).toContain('mu')
    expect(served.process.exitCode).toBeNull()
  })
})
