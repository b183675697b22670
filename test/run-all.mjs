#!/usr/bin/env node
// Runs every suite — Rust (cargo test), TypeScript (vitest: unit, e2e in Chromium, Electron) and
// Python (pytest parity against pyhf and Optuna) — and prints one closing line `N passed, N failed`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const resultsDir = join(root, 'test-results')
mkdirSync(resultsDir, { recursive: true })
const totals = { passed: 0, failed: 0, skipped: 0 }
const problems = []

function run(name, command, args, options = {}) {
  process.stdout.write(`\n=== ${name}: ${command} ${args.join(' ')}\n`)
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options })
  process.stdout.write(result.stdout ?? '')
  process.stderr.write(result.stderr ?? '')
  if (result.error) problems.push(`${name}: ${result.error.message}`)
  return result
}

function add(name, counts, status) {
  totals.passed += counts.passed
  totals.failed += counts.failed
  totals.skipped += counts.skipped
  process.stdout.write(`--- ${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  if (status !== 0 && counts.failed === 0) problems.push(`${name} exited with ${status} without a failing test`)
}

// Rust
{
  const r = run('cargo', 'cargo', ['test', '--release', '--workspace'], { cwd: join(root, 'native') })
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for (const m of `${r.stdout}`.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    counts.passed += Number(m[1])
    counts.failed += Number(m[2])
    counts.skipped += Number(m[3])
  }
  add('cargo', counts, r.status)
}

// TypeScript
{
  const report = join(resultsDir, 'vitest.json')
  const r = run('vitest', process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`])
  const counts = { passed: 0, failed: 0, skipped: 0 }
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'))
    counts.passed = json.numPassedTests
    counts.failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0)
    counts.skipped = json.numPendingTests + json.numTodoTests
  }
  add('vitest', counts, r.status)
}

// Python
{
  const python = join(root, '.venv/bin/python')
  if (!existsSync(python)) {
    problems.push('pytest: no test venv at .venv (run `npm run setup`)')
  } else {
    const r = run('pytest', python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test/parity'])
    const counts = { passed: 0, failed: 0, skipped: 0 }
    const tail = `${r.stdout}`.trim().split('\n').pop() ?? ''
    for (const [key, field] of [['passed', 'passed'], ['failed', 'failed'], ['error', 'failed'], ['skipped', 'skipped']]) {
      const m = tail.match(new RegExp(`(\\d+) ${key}`))
      if (m) counts[field] += Number(m[1])
    }
    // pytest exits 5 when it collected nothing: not a failure of the run.
    add('pytest', counts, r.status === 5 ? 0 : r.status)
  }
}

for (const problem of problems) process.stdout.write(`PROBLEM: ${problem}\n`)
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`)
process.exit(totals.failed > 0 || problems.length > 0 ? 1 : 0)
