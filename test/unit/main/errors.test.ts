import { describe, expect, it } from 'vitest'
import { formatApiError, HistuneError, toApiError } from '../../../main/errors'

describe('errors', () => {
  it('keeps code, path, file and line of a HistuneError', () => {
    const error = new HistuneError('E_SCHEMA', 'expected a number', { path: 'channels[0].samples[1].data[2]', file: 'ws.json', line: 7 })
    expect(toApiError(error)).toEqual({ code: 'E_SCHEMA', message: 'expected a number', path: 'channels[0].samples[1].data[2]', file: 'ws.json', line: 7 })
    expect(formatApiError(toApiError(error))).toBe('ws.json:7: at channels[0].samples[1].data[2]: expected a number [E_SCHEMA]')
  })

  it('maps engine errors by their code and Node system errors to E_IO', () => {
    expect(toApiError(Object.assign(new Error('bad bins'), { code: 'E_WORKSPACE', path: 'observations[0]' }))).toEqual({
      code: 'E_WORKSPACE',
      message: 'bad bins',
      path: 'observations[0]',
    })
    expect(toApiError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })).code).toBe('E_IO')
    expect(toApiError(new TypeError('boom'))).toEqual({ code: 'E_INTERNAL', message: 'boom' })
  })
})
