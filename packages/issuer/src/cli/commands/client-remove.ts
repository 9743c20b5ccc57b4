import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { withIssuer } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { openExistingStore } from '../store.js'
import { GENERAL, STORE } from '../flags.js'

/**
 * `jwtis client remove KID`: removes the client with its keys; its refresh tokens stop
 * working at once, its access tokens when they expire.
 *
 * @throws CliError when there is no such client.
 * @example
 * ```ts
 * await clientRemove(parseCommandLine(['client', 'remove', 'shop', '-p', pswd], {}), processIo)
 * ```
 */
export async function clientRemove(options: CliOptions, io: Io): Promise<void> {
  const [kid] = options.args as [string]
  const opened = await openExistingStore(options)
  const removed = await withIssuer(opened, options, (issuer) => issuer.removeClient(kid))
  if (!removed) throw new CliError(`no client ${JSON.stringify(kid)} in the store at ${opened.label}`)
  io.out(`client ${kid} removed`)
}

/** `client remove`: its usage, flags and run. */
export const clientRemoveCommand: CommandSpec = {
  name: 'client remove',
  usage: 'jwtis client remove KID',
  summary: 'remove a client; its refresh tokens stop working',
  args: ['KID'],
  flags: [...GENERAL, ...STORE],
  run: clientRemove,
}
