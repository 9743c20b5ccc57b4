import type { Io } from './io.js'
import { type CliOptions, type CommandName, helpText, parseCommandLine } from './options.js'
import { packageVersion } from './version.js'

type Command = (options: CliOptions, io: Io) => Promise<void>

// Loaded on demand: --help, --version and usage errors answer without loading the server.
const COMMANDS: Readonly<Record<CommandName, () => Promise<Command>>> = {
  serve: async () => (await import('./commands/serve.js')).serve,
  'client register': async () => (await import('./commands/client-register.js')).clientRegister,
  'client list': async () => (await import('./commands/client-list.js')).clientList,
  'client remove': async () => (await import('./commands/client-remove.js')).clientRemove,
  'keys rotate': async () => (await import('./commands/keys-rotate.js')).keysRotate,
  rekey: async () => (await import('./commands/rekey.js')).rekey,
  backup: async () => (await import('./commands/backup.js')).backup,
}

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
  const command = await COMMANDS[options.command]()
  await command(options, io)
}
