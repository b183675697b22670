import type { Command } from 'commander'
import { readWorkspaceFile, summarizeWorkspaceText } from '../../workspace/load'
import { formatSummary } from '../format-summary'
import { patchedWorkspace, withPatchOptions, type PatchOptions } from '../patch-options'
import { fail, print } from '../run'

export function registerInspect(program: Command): void {
  withPatchOptions(
    program
      .command('inspect')
      .description('validate a pyhf workspace and print its channels, samples, modifiers and parameters')
      .argument('<workspace>', 'pyhf workspace JSON file'),
  )
    .option('--json', 'print the summary as JSON')
    .action(async (workspace: string, opts: PatchOptions & { json?: boolean }) => {
      try {
        const text = await patchedWorkspace(await readWorkspaceFile(workspace), opts)
        const summary = summarizeWorkspaceText(text, workspace)
        print(opts.json === true, summary, () => formatSummary(summary))
      } catch (error) {
        fail(error, opts.json === true)
      }
    })
}
