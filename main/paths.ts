import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cachedRoot: string | undefined

/**
 * The installed Histune folder (the one whose package.json is named "histune"). Source files and the
 * bundles electron-vite writes to out/ sit at different depths, so walk up rather than guess.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'histune') return (cachedRoot = dir)
      } catch {
        // an unreadable package.json further down is not ours; keep walking
      }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the Histune installation (no package.json named "histune" above this file)')
    dir = parent
  }
}

export const rendererDir = (): string => join(projectRoot(), 'out', 'renderer')
export const resourcesDir = (): string => join(projectRoot(), 'resources')
