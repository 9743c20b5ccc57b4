import { COMMANDS } from './commands.js'
import type { Io } from './io.js'
import { helpText, parseCommandLine } from './options.js'
import { packageVersion } from './version.js'

/**
 * Runs the `jwtis` command line. Resolves when the command is done; for `serve`, once the
 * server listens (it then runs until a signal).
 *
 * @throws CliError (UsageError for a bad command line) or the error that stopped the command.
 * @example
 * ```ts
 * await runCli(process.argv.slice(2), process.env, processIo)
 * ```
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  const options = parseCommandLine(argv, env)
  if (options.help) {
    io.out(helpText().trimEnd())
    return
  }
  if (options.version) {
    io.out(packageVersion())
    return
  }
  const command = COMMANDS.find((spec) => spec.name === options.command)
  if (command === undefined) throw new Error(`no command ${options.command}`)
  await command.run(options, io)
}
