import type { Command } from 'commander'
import { rendererDir } from '../../paths'
import { startServer } from '../../serve/server'
import { openConfSettings } from '../../settings/conf'
import { fail } from '../run'

export function registerServe(program: Command): void {
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
}
