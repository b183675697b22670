#!/usr/bin/env node
// Build the native addon: `cargo build --release -p histune-node` in native/, then copy the cdylib
// to native/node/histune.node. Honours CARGO_TARGET_DIR. `--debug` builds the dev profile.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const nativeDir = resolve(here, '..')
const debug = process.argv.includes('--debug')
const profile = debug ? 'debug' : 'release'

const args = ['build', '-p', 'histune-node']
if (!debug) args.push('--release')
console.log(`[build:native] cargo ${args.join(' ')} (in ${nativeDir})`)
const result = spawnSync('cargo', args, { cwd: nativeDir, stdio: 'inherit' })
if (result.error) {
  console.error(`[build:native] could not run cargo: ${result.error.message}. Install Rust (https://rustup.rs).`)
  process.exit(1)
}
if (result.status !== 0) process.exit(result.status ?? 1)

const targetDir = process.env.CARGO_TARGET_DIR ? resolve(nativeDir, process.env.CARGO_TARGET_DIR) : join(nativeDir, 'target')
const names = {
  linux: 'libhistune_node.so',
  darwin: 'libhistune_node.dylib',
  win32: 'histune_node.dll',
}
const name = names[process.platform]
if (!name) {
  console.error(`[build:native] unsupported platform ${process.platform}`)
  process.exit(1)
}
const built = join(targetDir, profile, name)
if (!existsSync(built)) {
  console.error(`[build:native] cargo finished but ${built} is missing`)
  process.exit(1)
}
const dest = join(here, 'histune.node')
// Copy to a temporary name then rename, so a running process never sees a half-written addon.
const tmp = `${dest}.tmp-${process.pid}`
copyFileSync(built, tmp)
renameSync(tmp, dest)
console.log(`[build:native] ${built} -> ${dest}`)
