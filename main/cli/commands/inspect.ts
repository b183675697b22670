import type { Command } from 'commander'
import { summarizeWorkspaceFile } from '../../workspace/load'
import { formatSummary } from '../format-summary'
import { fail, print } from '../run'

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('validate a pyhf workspace and print its channels, samples, modifiers and parameters')
    .argument('<workspace>', 'pyhf workspace JSON file')
    .option('--json', 'print the summary as JSON')
    .action(async (workspace: string, opts: { json?: boolean }) => {
      try {
        const summary = await summarizeWorkspaceFile(workspace)
        print(opts.json === true, summary, () => formatSummary(summary))
      } catch (error) {
        fail(error, opts.json === true)
      }
    })
}
