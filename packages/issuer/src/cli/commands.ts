/**
 * The commands of the CLI, in the order the help lists them. A command is one file under
 * `commands/` that declares its usage, flags and run; parsing, help and dispatch are built
 * from this list.
 */
import type { CommandSpec } from './cli-options.js'
import { serveCommand } from './commands/serve.js'
import { clientRegisterCommand } from './commands/client-register.js'
import { clientListCommand } from './commands/client-list.js'
import { clientRemoveCommand } from './commands/client-remove.js'
import { keysRotateCommand } from './commands/keys-rotate.js'
import { rekeyCommand } from './commands/rekey.js'
import { backupCommand } from './commands/backup.js'

/** What `jwtis` with no command runs. */
export const DEFAULT_COMMAND: CommandSpec = serveCommand

/** Every command. */
export const COMMANDS: readonly CommandSpec[] = [
  serveCommand,
  clientRegisterCommand,
  clientListCommand,
  clientRemoveCommand,
  keysRotateCommand,
  rekeyCommand,
  backupCommand,
]
