import { createRequire } from 'node:module'
import { join } from 'node:path'
import type * as Native from '../../native/node/index.js'
import { projectRoot } from '../paths.js'

/** The native addon's exports (native/node/index.d.ts). */
export type NativeAddon = typeof Native

let addon: NativeAddon | null = null

/**
 * The native addon, loaded once: native/node/index.cjs under the Histune folder (it honours
 * $HISTUNE_NATIVE_PATH). Throws what loading throws — a missing build says to run
 * `npm run build:native`; callers turn that into their own error type.
 */
export function nativeAddon(): NativeAddon {
  if (addon === null) {
    const require = createRequire(import.meta.url)
    addon = require(join(projectRoot(), 'native', 'node', 'index.cjs')) as NativeAddon
  }
  return addon
}
