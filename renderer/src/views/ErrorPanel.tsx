import type { ApiError, ErrorCode } from '../../../preload/api'
import { AlertIcon, CloseIcon } from './icons'

const TITLES: Record<ErrorCode, string> = {
  E_JSON_SYNTAX: 'The file is not valid JSON',
  E_SCHEMA: 'Not a valid pyhf workspace',
  E_WORKSPACE: 'The workspace is inconsistent',
  E_EMPTY: 'The workspace is empty',
  E_TOO_LARGE: 'The file is too large',
  E_IO: 'Could not read or reach the file',
  E_ENGINE: 'The engine failed',
  E_BAD_REQUEST: 'The request was refused',
  E_CANCELLED: 'Cancelled',
  E_INTERNAL: 'Internal error',
}

const STUDY_TITLES: Partial<Record<ErrorCode, string>> = {
  E_JSON_SYNTAX: 'The study config cannot be parsed',
  E_SCHEMA: 'Not a valid study config',
  E_EMPTY: 'The study config is empty',
}

/** What the error is about: the Binning view's errors mostly concern a study config. */
export type ErrorSubject = 'workspace' | 'study'

export function errorTitle(code: ErrorCode, subject: ErrorSubject = 'workspace'): string {
  return (subject === 'study' ? STUDY_TITLES[code] : undefined) ?? TITLES[code] ?? 'Error'
}

export function ErrorPanel({
  error,
  onDismiss,
  subject = 'workspace',
}: {
  error: ApiError
  onDismiss?: () => void
  subject?: ErrorSubject
}) {
  const hasLocation = error.file !== undefined || error.path !== undefined || error.line !== undefined
  return (
    <section className="error-panel" role="alert" data-testid="error-panel" aria-labelledby="error-title">
      <AlertIcon className="error-icon" width={20} height={20} />
      <div className="error-body">
        <div className="error-heading">
          <h2 id="error-title">{errorTitle(error.code, subject)}</h2>
          <code className="error-code" data-testid="error-code">
            {error.code}
          </code>
        </div>
        <p className="error-message" data-testid="error-message">
          {error.message}
        </p>
        {hasLocation && (
          <dl className="error-location">
            {error.file !== undefined && (
              <div>
                <dt>File</dt>
                <dd data-testid="error-file">
                  <code>{error.file}</code>
                </dd>
              </div>
            )}
            {error.line !== undefined && (
              <div>
                <dt>Line</dt>
                <dd data-testid="error-line">{error.line}</dd>
              </div>
            )}
            {error.path !== undefined && (
              <div>
                <dt>{subject === 'study' ? 'Config path' : 'JSON path'}</dt>
                <dd data-testid="error-path">
                  <code>{error.path}</code>
                </dd>
              </div>
            )}
          </dl>
        )}
      </div>
      {onDismiss && (
        <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss error">
          <CloseIcon />
        </button>
      )}
    </section>
  )
}
