/**
 * Typed facade over the native engine (native/node). The addon is loaded lazily on first use, so
 * importing this module never fails; a missing build surfaces as an `EngineError` with code
 * E_ENGINE that says to run `npm run build:native`.
 */

import type { ErrorCode, WorkspaceSummary } from '../../preload/api'
import type * as Native from '../../native/node/index'
import { nativeAddon, type NativeAddon } from './native'

export type {
  ChannelLayout,
  CompileOptions,
  FitOptions,
  FitResult,
  InterpCodes,
  NllAndGrad,
  Numbers,
  PatchSetInfo,
  SampleYields,
} from '../../native/node/index'

const ERROR_CODES: readonly ErrorCode[] = [
  'E_JSON_SYNTAX',
  'E_SCHEMA',
  'E_WORKSPACE',
  'E_EMPTY',
  'E_TOO_LARGE',
  'E_IO',
  'E_ENGINE',
  'E_BAD_REQUEST',
  'E_CANCELLED',
  'E_INTERNAL',
]

/** An error from the engine: a code of the preload contract, and where the problem is. */
export class EngineError extends Error {
  readonly code: ErrorCode
  /** JSON path of the offending value, e.g. `channels[0].samples[1].data[3]`. */
  readonly path?: string
  /** 1-based line and column (JSON syntax errors). */
  readonly line?: number
  readonly column?: number

  constructor(code: ErrorCode, message: string, where: { path?: string; line?: number; column?: number } = {}) {
    super(message)
    this.name = 'EngineError'
    this.code = code
    if (where.path !== undefined) this.path = where.path
    if (where.line !== undefined) this.line = where.line
    if (where.column !== undefined) this.column = where.column
  }
}

interface RawError {
  code?: unknown
  message?: unknown
  path?: unknown
  line?: unknown
  column?: unknown
}

const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)

/** Turn whatever the addon threw into an EngineError (the addon's errors carry code/path/line). */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error
  let raw: RawError = typeof error === 'object' && error !== null ? (error as RawError) : { message: String(error) }
  if (!isErrorCode(raw.code) && typeof raw.message === 'string' && raw.message.startsWith('{"code"')) {
    try {
      raw = JSON.parse(raw.message) as RawError
    } catch {
      // not one of ours: fall through
    }
  }
  const message = typeof raw.message === 'string' ? raw.message : String(error)
  if (!isErrorCode(raw.code)) return new EngineError('E_INTERNAL', message)
  return new EngineError(raw.code, message, {
    path: typeof raw.path === 'string' ? raw.path : undefined,
    line: typeof raw.line === 'number' ? raw.line : undefined,
    column: typeof raw.column === 'number' ? raw.column : undefined,
  })
}

let checked: NativeAddon | null = null

/**
 * The addon as an engine call needs it: a load failure becomes an EngineError, and with `requires`
 * an addon built before a group of functions existed says how to rebuild.
 */
export function loadEngine(requires?: { entry: keyof NativeAddon; what: string }): NativeAddon {
  if (!checked) {
    try {
      checked = nativeAddon()
    } catch (error) {
      throw new EngineError('E_ENGINE', error instanceof Error ? error.message : String(error))
    }
  }
  if (requires && typeof checked[requires.entry] !== 'function') {
    throw new EngineError('E_ENGINE', `the native addon was built without the ${requires.what} functions: run \`npm run build:native\``)
  }
  return checked
}

/** An async engine call: whatever it rejects with becomes an EngineError. */
export async function callEngineAsync<T>(f: (native: NativeAddon) => Promise<T>, requires?: { entry: keyof NativeAddon; what: string }): Promise<T> {
  try {
    return await f(loadEngine(requires))
  } catch (error) {
    throw toEngineError(error)
  }
}

const load = (): NativeAddon => loadEngine()

function call<T>(f: (native: NativeAddon) => T): T {
  const native = load()
  try {
    return f(native)
  } catch (error) {
    throw toEngineError(error)
  }
}

/** Version of the native engine crate. */
export function engineVersion(): string {
  return call((n) => n.engineVersion())
}

/**
 * Parse, validate and summarise a pyhf workspace given as JSON text, for its first measurement (as
 * pyhf does) or the one named `measurement`. Throws EngineError.
 */
export function summarizeWorkspace(text: string, fileName?: string, measurement?: string): WorkspaceSummary {
  return call((n) => n.summarizeWorkspace(text, fileName ?? null, measurement ?? null))
}

/**
 * Apply a JSON Patch (RFC 6902, given as JSON text) to workspace text and return the patched
 * workspace text. A malformed operation throws E_SCHEMA at its path (`[2].op`); one that does not
 * apply throws E_WORKSPACE naming the operation's index and JSON pointer.
 */
export function applyPatch(text: string, patchText: string): string {
  return call((n) => n.applyPatch(text, patchText))
}

/**
 * pyhf's `PatchSet.apply`: check the patchset's digests against the workspace, then apply the patch
 * called `name`. A digest mismatch throws E_WORKSPACE, an unknown name E_BAD_REQUEST.
 */
export function applyPatchset(text: string, patchsetText: string, name: string): string {
  return call((n) => n.applyPatchset(text, patchsetText, name))
}

/** pyhf's `utils.digest` of workspace text: 'sha256' (default) or 'md5'. */
export function workspaceDigest(text: string, algorithm: 'sha256' | 'md5' = 'sha256'): string {
  return call((n) => n.workspaceDigest(text, algorithm))
}

/** The labels, digests and patch names of a pyhf patchset. */
export function describePatchset(patchsetText: string): Native.PatchSetInfo {
  return call((n) => n.describePatchset(patchsetText))
}

/** Path of the loaded addon (for diagnostics). */
export function nativeAddonPath(): string {
  return call((n) => n.addonPath)
}

/**
 * A compiled HistFactory model (pyhf 0.7.6 semantics). Compile once, then call nll/grad cheaply;
 * fits run off the JS thread. Parameter vectors are in pyhf's order (`parNames`).
 */
export class Model {
  private readonly native: Native.Model

  private constructor(native: Native.Model) {
    this.native = native
  }

  /** Parse, validate and compile workspace text. Throws EngineError. */
  static compile(text: string, options?: Native.CompileOptions): Model {
    return new Model(call((n) => n.Model.compile(text, options ?? null)))
  }

  /** The same off the JS thread (large workspaces take milliseconds to parse). Rejects with EngineError. */
  static async compileAsync(text: string, options?: Native.CompileOptions): Promise<Model> {
    const native = load()
    try {
      return new Model(await native.Model.compileAsync(text, options ?? null))
    } catch (error) {
      throw toEngineError(error)
    }
  }

  /** @internal The addon's handle, for main/engine/inference.ts (inference on the compiled model). */
  get nativeHandle(): Native.Model {
    return this.native
  }

  get nPars(): number {
    return this.native.nPars
  }
  get nMain(): number {
    return this.native.nMain
  }
  get nAux(): number {
    return this.native.nAux
  }
  get parNames(): string[] {
    return this.native.parNames
  }
  get poiIndex(): number {
    return this.native.poiIndex
  }
  get poiName(): string {
    return this.native.poiName
  }
  get measurement(): string {
    return this.native.measurement
  }
  get suggestedInit(): number[] {
    return this.native.suggestedInit
  }
  get suggestedBounds(): [number, number][] {
    return this.native.suggestedBounds
  }
  get suggestedFixed(): boolean[] {
    return this.native.suggestedFixed
  }

  /** Channels in pyhf's sorted order, with their slice of the main data. */
  get channels(): Native.ChannelLayout[] {
    return this.native.channels
  }

  /** Expected yields per sample and channel, e.g. post-fit stacks at a best fit. */
  expectedBySample(pars: Native.Numbers): Native.SampleYields[] {
    return this.guard(() => this.native.expectedBySample(pars))
  }

  /** Observed main data (sorted channel order) followed by the auxiliary data. */
  observedData(): number[] {
    return this.guard(() => this.native.observedData())
  }
  /** Expected main data followed by the expected auxiliary data. */
  expectedData(pars: Native.Numbers): number[] {
    return this.guard(() => this.native.expectedData(pars))
  }
  /** −logpdf, all constants included (data: default observed). */
  nll(pars: Native.Numbers, data?: Native.Numbers): number {
    return this.guard(() => this.native.nll(pars, data ?? null))
  }
  logpdf(pars: Native.Numbers, data?: Native.Numbers): number {
    return this.guard(() => this.native.logpdf(pars, data ?? null))
  }
  /** Gradient of nll. */
  grad(pars: Native.Numbers, data?: Native.Numbers): Float64Array {
    return this.guard(() => this.native.grad(pars, data ?? null))
  }
  nllAndGrad(pars: Native.Numbers, data?: Native.Numbers): Native.NllAndGrad {
    return this.guard(() => this.native.nllAndGrad(pars, data ?? null))
  }
  /** nll at k points given back to back (k·nPars values), evaluated in parallel. */
  nllBatch(pars: Native.Numbers, data?: Native.Numbers): Float64Array {
    return this.guard(() => this.native.nllBatch(pars, data ?? null))
  }
  /** Maximum-likelihood fit on the libuv thread pool. */
  async fit(options?: Native.FitOptions): Promise<Native.FitResult> {
    try {
      return await this.native.fit(options ?? null)
    } catch (error) {
      throw toEngineError(error)
    }
  }
  /** The same fit, blocking. */
  fitSync(options?: Native.FitOptions): Native.FitResult {
    return this.guard(() => this.native.fitSync(options ?? null))
  }
  /** Many fits in parallel (e.g. a POI scan with `fixPoi`), off the JS thread. */
  async fitBatch(options: Native.FitOptions[]): Promise<Native.FitResult[]> {
    try {
      return await this.native.fitBatch(options)
    } catch (error) {
      throw toEngineError(error)
    }
  }

  private guard<T>(f: () => T): T {
    try {
      return f()
    } catch (error) {
      throw toEngineError(error)
    }
  }
}
