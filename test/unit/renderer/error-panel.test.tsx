// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorPanel } from '../../../renderer/src/views/ErrorPanel'
import { syntaxError } from './fixtures'

afterEach(cleanup)

describe('ErrorPanel', () => {
  it('shows code, message, file, line and JSON path as an alert', () => {
    render(<ErrorPanel error={syntaxError} />)
    const panel = screen.getByRole('alert')
    expect(panel).toBe(screen.getByTestId('error-panel'))
    expect(within(panel).getByRole('heading').textContent).toBe('The file is not valid JSON')
    expect(within(panel).getByTestId('error-code').textContent).toBe('E_JSON_SYNTAX')
    expect(within(panel).getByTestId('error-message').textContent).toBe(
      "Expected ',' or '}' after property value",
    )
    expect(within(panel).getByTestId('error-file').textContent).toBe('broken_workspace.json')
    expect(within(panel).getByTestId('error-line').textContent).toBe('17')
    expect(within(panel).getByTestId('error-path').textContent).toBe('channels[0].samples[1].data')
  })

  it('omits the location when the error has none', () => {
    render(<ErrorPanel error={{ code: 'E_IO', message: 'Cannot reach the Histune server.' }} />)
    expect(screen.getByTestId('error-message').textContent).toBe('Cannot reach the Histune server.')
    expect(screen.queryByTestId('error-file')).toBeNull()
    expect(screen.queryByTestId('error-line')).toBeNull()
    expect(screen.queryByTestId('error-path')).toBeNull()
    expect(screen.queryByRole('button')).toBeNull()
  })

  it('shows a path without file or line (schema errors)', () => {
    render(<ErrorPanel error={{ code: 'E_SCHEMA', message: "'data' is a required property", path: 'channels[1].samples[0]' }} />)
    expect(screen.getByTestId('error-path').textContent).toBe('channels[1].samples[0]')
    expect(screen.queryByTestId('error-line')).toBeNull()
    expect(screen.getByRole('heading').textContent).toBe('Not a valid pyhf workspace')
  })

  it('calls onDismiss from its close button', () => {
    const onDismiss = vi.fn()
    render(<ErrorPanel error={syntaxError} onDismiss={onDismiss} />)
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss error' }))
    expect(onDismiss).toHaveBeenCalledOnce()
  })
})
