import { Command, CommanderError } from 'commander'
import { registerGpu } from './commands/gpu'
import { registerInference } from './commands/inference'
import { registerInspect } from './commands/inspect'
import { registerOptimize } from './commands/optimize'
import { registerServe } from './commands/serve'
import { EXIT_BAD_INPUT, fail } from './run'

// `histune … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const program = new Command()
  .name('histune')
  .description('Find the histogram binning that maximises the discovery significance of a HistFactory likelihood')
  .version('0.1.0')
  .exitOverride()

// One file per command (group) under commands/.
registerInspect(program)
registerServe(program)
registerInference(program)
registerOptimize(program)
registerGpu(program)

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT)
  fail(error, false)
})
