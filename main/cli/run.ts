import { formatApiError, toApiError } from '../errors'

/** Exit codes: 0 success, 1 an internal failure, 2 bad input (file, arguments, workspace). */
export const EXIT_BAD_INPUT = 2

/** Report an error the way every command does (JSON on stdout with --json, one line on stderr), then exit. */
export function fail(error: unknown, json: boolean): never {
  const api = toApiError(error)
  if (json) process.stdout.write(JSON.stringify({ error: api }, null, 2) + '\n')
  process.stderr.write(`histune: ${formatApiError(api)}\n`)
  process.exit(api.code === 'E_INTERNAL' || api.code === 'E_ENGINE' ? 1 : EXIT_BAD_INPUT)
}

/** Print a command's result: JSON with --json, else the human text. */
export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n')
}
