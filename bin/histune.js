#!/usr/bin/env node
// The `histune` command: the CLI bundle that `npm run build` writes (out/main/cli.js).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(cli)) {
  process.stderr.write('histune: not built yet: run `npm run setup` (or `npm run build`) in the Histune folder first\n')
  process.exit(1)
}
await import(cli)
