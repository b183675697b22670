import type { ApiError, ErrorCode } from '../preload/api'

/** An error the user can act on: it says what went wrong and where (file, JSON path, line). */
export class HistuneError extends Error {
  readonly code: ErrorCode
  readonly path?: string
  readonly file?: string
  readonly line?: number

  constructor(code: ErrorCode, message: string, where: { path?: string; file?: string; line?: number } = {}) {
    super(message)
    this.name = 'HistuneError'
    this.code = code
    this.path = where.path
    this.file = where.file
    this.line = where.line
  }

  toApiError(): ApiError {
    const error: ApiError = { code: this.code, message: this.message }
    if (this.path !== undefined) error.path = this.path
    if (this.file !== undefined) error.file = this.file
    if (this.line !== undefined) error.line = this.line
    return error
  }
}

const KNOWN_CODES = new Set<ErrorCode>([
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
])

/** Turn anything thrown into the serialisable error shape of the contract. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof HistuneError) return error.toApiError()
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; path?: unknown; file?: unknown; line?: unknown }
    const code = typeof e.code === 'string' && KNOWN_CODES.has(e.code as ErrorCode) ? (e.code as ErrorCode) : undefined
    if (code !== undefined) {
      const out: ApiError = { code, message: String(e.message ?? code) }
      if (typeof e.path === 'string' && e.path !== '') out.path = e.path
      if (typeof e.file === 'string') out.file = e.file
      if (typeof e.line === 'number') out.line = e.line
      return out
    }
    if (typeof e.code === 'string' && e.code.startsWith('E') && typeof e.message === 'string') {
      // Node's system errors (ENOENT, EACCES, …) are I/O problems the user can fix.
      return { code: 'E_IO', message: e.message }
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'E_INTERNAL', message }
}

/** Human one-liner for terminals: `file:line: path: message`. */
export function formatApiError(error: ApiError): string {
  const where = [error.file, error.line !== undefined ? String(error.line) : undefined].filter(Boolean).join(':')
  const path = error.path ? `at ${error.path}: ` : ''
  return `${where ? `${where}: ` : ''}${path}${error.message} [${error.code}]`
}
