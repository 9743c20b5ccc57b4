import { rekeyStore } from '../../core/rekey.js'
import { CliError, UsageError } from '../errors.js'
import { explainUnlockFailure } from '../failure.js'
import type { Io } from '../io.js'
import { checkNewPassword, requirePassword } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { closeQuietly, openExistingStore } from '../store.js'
import { GENERAL, STORE } from '../flags.js'

/**
 * `jwtis rekey --newPswd NEW`: wraps the store's data key under a key derived from the new
 * password. The sealed keys are not touched, so tokens issued before still verify, and a
 * running server (which holds the data key) carries on.
 *
 * @throws CliError when the old password is wrong (nothing changes).
 * @example
 * ```ts
 * await rekey(parseCommandLine(['rekey', '-p', oldPswd, '--newPswd', newPswd], {}), processIo)
 * ```
 */
export async function rekey(options: CliOptions, io: Io): Promise<void> {
  const newPassword = options.newPassword
  if (newPassword === undefined) throw new UsageError('`jwtis rekey` needs --newPswd (or JWTIS_NEW_PSWD)')
  checkNewPassword(newPassword, options.sources.newPswd === 'env' ? 'JWTIS_NEW_PSWD' : '--newPswd')
  const opened = await openExistingStore(options)
  try {
    const oldPassword = requirePassword(options, opened.label)
    if (newPassword === oldPassword) throw new CliError('the new password is the same as the old one')
    let rekeyed: boolean
    try {
      rekeyed = await rekeyStore(opened.store, oldPassword, newPassword)
    } catch (error) {
      throw explainUnlockFailure(error, opened.label)
    }
    if (!rekeyed) throw new CliError(`the store at ${opened.label} has no keyring`)
  } finally {
    await closeQuietly(opened.store)
  }
  io.out(`the store at ${opened.label} now opens with the new password; the keys are unchanged`)
}

/** `rekey`: its usage, flags and run. */
export const rekeyCommand: CommandSpec = {
  name: 'rekey',
  usage: 'jwtis rekey --newPswd NEW',
  summary: 'change the store password without touching the keys',
  args: [],
  flags: [...GENERAL, ...STORE, 'newPswd'],
  run: rekey,
}
