import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')
const tutorial = join(root, 'resources/examples/tutorial/study.yaml')
const url = process.env.HISTUNE_TEST_POSTGRES_URL
if (url === undefined) console.log('PostgreSQL worker tests skipped: HISTUNE_TEST_POSTGRES_URL is not set (.ci/run sets it)')

const histune = (args: string[]) => spawn(process.execPath, [join(root, 'bin/histune.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
const exited = (child: ReturnType<typeof spawn>): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))))

describe.skipIf(url === undefined)('many workers on one PostgreSQL study', () => {
  const study = `workers_${process.pid}_${Date.now()}`
  let client: pg.Client

  beforeAll(async () => {
    client = new pg.Client({ connectionString: url })
    await client.connect()
  })
  afterAll(async () => {
    await client?.end()
  })

  const trials = async (): Promise<{ number: number; state: string }[]> =>
    (
      await client.query(
        'SELECT t.number, t.state FROM trials t JOIN studies s ON s.study_id = t.study_id WHERE s.study_name = $1 ORDER BY t.number',
        [study],
      )
    ).rows as { number: number; state: string }[]

  it('4 workers share a 200-trial study; a worker killed mid-trial leaves a FAIL, not a hole', async () => {
    // The study is created with its config stored; workers join it by name only.
    const created = spawnSync(process.execPath, [join(root, 'bin/histune.js'), 'optimize', tutorial, '--trials', '0', '--storage', url!, '--study', study, '--json'], { encoding: 'utf8' })
    expect(created.status, created.stderr).toBe(0)

    const args = ['worker', '--storage', url!, '--study', study, '--trials', '50', '--heartbeat', '1', '--json']
    const workers = Array.from({ length: 4 }, () => histune(args))
    // Kill one worker once it has trials running; the others carry on.
    await expect.poll(async () => (await trials()).length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(20)
    workers[0]!.kill('SIGKILL')
    const codes = await Promise.all(workers.map(exited))
    expect(codes.slice(1)).toEqual([0, 0, 0])

    // A trial silent past the grace period (2 × heartbeat) is failed by the next worker that asks.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const finisher = histune(['worker', '--storage', url!, '--study', study, '--trials', '5', '--heartbeat', '1', '--json'])
    expect(await exited(finisher)).toBe(0)

    const all = await trials()
    const numbers = all.map((t) => t.number)
    expect(new Set(numbers).size).toBe(numbers.length)
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i))
    expect(all.filter((t) => t.state === 'RUNNING')).toEqual([])
    // 3 × 50 + 5 complete at least; the killed worker's finished trials count too.
    expect(all.filter((t) => t.state === 'COMPLETE').length).toBeGreaterThanOrEqual(155)
    expect(all.filter((t) => t.state === 'FAIL').length).toBeLessThanOrEqual(1)
  }, 120_000)
})

describe('a study survives kill -9 of its process', () => {
  it('keeps every completed trial and fails the one that was running', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'histune-kill-'))
    const storage = `sqlite:///${join(dir, 'study.db')}`
    const runaway = histune(['optimize', tutorial, '--trials', '100000', '--storage', storage, '--heartbeat', '1', '--json'])
    const count = (): { complete: number; running: number; fail: number; total: number } => {
      const r = spawnSync(process.execPath, [join(root, 'bin/histune.js'), 'export', '--storage', storage, '--study', 'tutorial'], { encoding: 'utf8' })
      const states = r.stdout.trim().split('\n').slice(1).map((line) => line.slice(line.lastIndexOf(',') + 1))
      return {
        complete: states.filter((s) => s === 'COMPLETE').length,
        running: states.filter((s) => s === 'RUNNING').length,
        fail: states.filter((s) => s === 'FAIL').length,
        total: states.length,
      }
    }
    await expect.poll(() => count().complete, { timeout: 30_000, interval: 100 }).toBeGreaterThan(30)
    runaway.kill('SIGKILL')
    await exited(runaway)
    const before = count()

    await new Promise((resolve) => setTimeout(resolve, 2500))
    const resumed = spawnSync(process.execPath, [join(root, 'bin/histune.js'), 'optimize', tutorial, '--trials', '10', '--storage', storage, '--heartbeat', '1', '--json'], { encoding: 'utf8' })
    expect(resumed.status, resumed.stderr).toBe(0)
    const after = count()
    expect(after.complete).toBe(before.complete + 10)
    expect(after.running).toBe(0)
    expect(after.fail).toBe(before.fail + before.running)
    expect(after.total).toBe(before.total + 10)
    rmSync(dir, { recursive: true, force: true })
  }, 120_000)
})
