import { nativeAddon, type NativeAddon } from '../../../engine/native.js'

type MixtureTerms = NativeAddon['parzenMixtureTerms']

/**
 * When the Parzen mixture is handed to the native addon: at or above `minTerms` point × kernel
 * pairs per call, and only when the addon is built. Crossing N-API costs a few µs, as much as
 * ~300 pairs in TypeScript; from ~600 pairs (24 candidates, 25 kernels) the native loop, which
 * vectorises over 8 candidates at a time, is faster. Tests set `minTerms` to force either path; `Infinity` keeps
 * everything in TypeScript. Both give the same bits.
 */
export const nativeParzen = { minTerms: 500 }

let loaded: MixtureTerms | null | undefined

/** The native mixture loop for a call of `terms` point × kernel pairs, or null for the TypeScript one. */
export function nativeMixtureTerms(terms: number): MixtureTerms | null {
  if (terms < nativeParzen.minTerms) return null
  if (loaded === undefined) {
    try {
      const addon = nativeAddon()
      loaded = typeof addon.parzenMixtureTerms === 'function' ? addon.parzenMixtureTerms : null
    } catch {
      // No built addon (a plain TypeScript checkout, or a browser bundle): the TypeScript loop is exact too.
      loaded = null
    }
  }
  return loaded
}
