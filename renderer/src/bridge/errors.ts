import { isApiError, type ApiError, type ErrorCode } from '../../../preload/api'

/** Normalise anything a request rejected with into the contract's `ApiError`. */
export function toApiError(reason: unknown, fallbackCode: ErrorCode = 'E_INTERNAL'): ApiError {
  if (isApiError(reason)) return reason
  if (reason instanceof Error) return { code: fallbackCode, message: reason.message }
  return { code: fallbackCode, message: String(reason) }
}
