// Hand-written types of the native addon (native/node/src/*.rs). Plain functions throw Errors with
// `code` (an ErrorCode of preload/api.ts) and, where known, `path`, `line` and `column`. Methods of
// `Model` throw Errors whose message is that payload as JSON: pass them through `translateError`
// (main/engine does this for you).
import type { WorkspaceSummary } from '../../preload/api'

export interface InterpCodes {
  /** 'code1' or 'code4' (default 'code4', as pyhf 0.7.6). */
  normsys?: 'code1' | 'code4'
  /** 'code0', 'code2' or 'code4p' (default 'code4p', as pyhf 0.7.6). */
  histosys?: 'code0' | 'code2' | 'code4p'
}

export interface CompileOptions {
  /** Measurement name (default: the first in the workspace). */
  measurement?: string
  interpcodes?: InterpCodes
}

export interface FitOptions {
  /** Full data vector (main bins in sorted channel order, then auxiliary data); default: observed. */
  data?: number[]
  init?: number[]
  bounds?: [number, number][]
  fixed?: boolean[]
  /** Hold the POI at this value (conditional fit). */
  fixPoi?: number
  /** Hold components at values, by name (`name` or `name[i]`). */
  fix?: Record<string, number>
  /** Also compute uncertainties from the inverse Hessian of the NLL. */
  uncertainties?: boolean
  maxIterations?: number
}

export interface FitResult {
  /** −logpdf at the best fit (pyhf's, all constants included). */
  nll: number
  twiceNll: number
  converged: boolean
  status: string
  iterations: number
  functionCalls: number
  bestfit: number[]
  bestfitByName: Record<string, number>
  uncertainties?: number[]
  uncertaintyByName?: Record<string, number>
  uncertaintyError?: string
}

export interface NllAndGrad {
  nll: number
  grad: Float64Array
}

export type Numbers = Float64Array | number[]

export declare class Model {
  private constructor()
  static compile(text: string, options?: CompileOptions | null): Model
  readonly nPars: number
  readonly nMain: number
  readonly nAux: number
  readonly parNames: string[]
  readonly poiIndex: number
  readonly poiName: string
  readonly measurement: string
  readonly suggestedInit: number[]
  readonly suggestedBounds: [number, number][]
  readonly suggestedFixed: boolean[]
  observedData(): number[]
  expectedData(pars: Numbers): number[]
  nll(pars: Numbers, data?: Numbers | null): number
  logpdf(pars: Numbers, data?: Numbers | null): number
  grad(pars: Numbers, data?: Numbers | null): Float64Array
  nllAndGrad(pars: Numbers, data?: Numbers | null): NllAndGrad
  nllBatch(pars: Numbers, data?: Numbers | null): Float64Array
  fit(options?: FitOptions | null): Promise<FitResult>
  fitSync(options?: FitOptions | null): FitResult
  fitBatch(options: FitOptions[]): Promise<FitResult[]>
}

export declare function engineVersion(): string
export declare function summarizeWorkspace(text: string, fileName?: string | null): WorkspaceSummary
export declare function translateError(error: unknown): unknown
export declare const addonPath: string
