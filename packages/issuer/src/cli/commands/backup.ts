import { existsSync } from 'node:fs'
import { KEYRING_META, unlockKeyring } from '../../crypto/keyring.js'
import { CliError } from '../errors.js'
import { explainUnlockFailure } from '../failure.js'
import type { Io } from '../io.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { closeQuietly, openExistingStore } from '../store.js'
import { GENERAL, STORE } from '../flags.js'

/**
 * `jwtis backup FILE`: writes a consistent copy of the SQLite store with SQLite's online
 * backup, safe while a server uses it. The copy stays sealed: it opens with the password the
 * store had at backup time. When a password is given, it is checked first, so the operator
 * knows which one the copy needs.
 *
 * @throws CliError when FILE exists (a backup never overwrites).
 * @example
 * ```ts
 * await backup(parseCommandLine(['backup', './keys-2024-06-01.db'], {}), processIo)
 * ```
 */
export async function backup(options: CliOptions, io: Io): Promise<void> {
  const [destination] = options.args as [string]
  if (existsSync(destination)) throw new CliError(`${destination} exists; a backup never overwrites a file`)
  if (options.store.kind === 'postgres') {
    throw new CliError('`jwtis backup` copies a SQLite store; back up a PostgreSQL store with pg_dump')
  }
  const opened = await openExistingStore(options)
  const sqlite = opened.sqlite
  try {
    if (sqlite === undefined) throw new CliError(`the store at ${opened.label} is not a SQLite file`)
    if (options.password !== undefined) {
      const meta = await opened.store.getMeta(KEYRING_META)
      try {
        await unlockKeyring(meta ?? '', options.password)
      } catch (error) {
        throw explainUnlockFailure(error, opened.label)
      }
    }
    await sqlite.backup(destination)
  } finally {
    await closeQuietly(opened.store)
  }
  io.out(`backup of ${opened.label} written to ${destination}`)
}

/** `backup`: its usage, flags and run. */
export const backupCommand: CommandSpec = {
  name: 'backup',
  usage: 'jwtis backup FILE',
  summary: 'write a consistent copy of the SQLite store, even while it serves',
  args: ['FILE'],
  flags: [...GENERAL, ...STORE],
  run: backup,
}
