import { formatDuration } from '../../core/settings.js'
import type { Io } from '../io.js'
import { withIssuer } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { openExistingStore } from '../store.js'
import { GENERAL, STORE } from '../flags.js'

const COLUMNS = ['KID', 'SIGNING', 'ENCRYPTION', 'ACCESS', 'REFRESH', 'KEY EXPIRY', 'STRATEGY', 'CREATED'] as const

/**
 * `jwtis client list`: one line per client with its algorithms, lifetimes and creation time.
 *
 * @example
 * ```ts
 * await clientList(parseCommandLine(['client', 'list', '-p', pswd], {}), processIo)
 * ```
 */
export async function clientList(options: CliOptions, io: Io): Promise<void> {
  const opened = await openExistingStore(options)
  const clients = await withIssuer(opened, options, (issuer) => issuer.listClients())
  if (clients.length === 0) {
    io.err('no clients registered')
    return
  }
  const rows = clients.map(({ kid, config, createdAt }) => [
    kid,
    config.sigBits ? `${config.sigAlg} ${config.sigBits}` : config.sigAlg,
    `${config.encAlg} ${config.contEnc}`,
    formatDuration(config.authTTL),
    formatDuration(config.refreshTTL),
    formatDuration(config.keyExpiry),
    config.refreshStrategy,
    new Date(createdAt).toISOString(),
  ])
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  io.out(line(COLUMNS))
  for (const row of rows) io.out(line(row))
}

/** `client list`: its usage, flags and run. */
export const clientListCommand: CommandSpec = {
  name: 'client list',
  usage: 'jwtis client list',
  summary: 'list the clients',
  args: [],
  flags: [...GENERAL, ...STORE],
  run: clientList,
}
