import { Command, CommanderError } from 'commander'
import { registerInference } from './commands/inference'
import { registerInspect } from './commands/inspect'
import { registerServe } from './commands/serve'
import { EXIT_BAD_INPUT, fail } from './run'

const program = new Command()
  .name('histune')
  .description('Find the histogram binning that maximises the discovery significance of a HistFactory likelihood')
  .version('0.1.0')
  .exitOverride()

// One file per command (group) under commands/.
registerInspect(program)
registerServe(program)
registerInference(program)

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT)
  fail(error, false)
})
