import { Command, CommanderError } from 'commander'
import { formatApiError, toApiError } from '../errors'
import { rendererDir } from '../paths'
import { startServer } from '../serve/server'
import { openConfSettings } from '../settings/conf'
import { summarizeWorkspaceFile } from '../workspace/load'
import { formatSummary } from './inspect'

/** Exit codes: 0 success, 1 an internal failure, 2 bad input (file, arguments). */
const EXIT_BAD_INPUT = 2

function fail(error: unknown, json: boolean): never {
  const api = toApiError(error)
  if (json) process.stdout.write(JSON.stringify({ error: api }, null, 2) + '\n')
  process.stderr.write(`histune: ${formatApiError(api)}\n`)
  process.exit(api.code === 'E_INTERNAL' || api.code === 'E_ENGINE' ? 1 : EXIT_BAD_INPUT)
}

const program = new Command()
  .name('histune')
  .description('Find the histogram binning that maximises the discovery significance of a HistFactory likelihood')
  .version('0.1.0')
  .exitOverride()

program
  .command('inspect')
  .description('validate a pyhf workspace and print its channels, samples, modifiers and parameters')
  .argument('<workspace>', 'pyhf workspace JSON file')
  .option('--json', 'print the summary as JSON')
  .action(async (workspace: string, opts: { json?: boolean }) => {
    try {
      const summary = await summarizeWorkspaceFile(workspace)
      process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary) + '\n')
    } catch (error) {
      fail(error, opts.json === true)
    }
  })

program
  .command('serve')
  .description('serve the Histune UI to a browser on 127.0.0.1 (use an SSH tunnel from a cluster node)')
  .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
  .action(async (opts: { port: string }) => {
    const port = Number(opts.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(new Error(`--port: ${opts.port} is not a port number`), false)
    const server = await startServer({ rendererDir: rendererDir(), settings: openConfSettings(), port })
    process.stdout.write(`Histune is serving on ${server.url}\n`)
    const stop = (): void => {
      void server.close().then(() => process.exit(0))
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT)
  fail(error, false)
})
