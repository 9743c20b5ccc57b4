import { createIssuer } from '../core/create-issuer.js'
import type { Issuer } from '../core/types.js'
import { CliError, UsageError } from './errors.js'
import { explainUnlockFailure } from './failure.js'
import { type CliOptions, MIN_PASSWORD_LENGTH } from './cli-options.js'
import { closeQuietly, type OpenedStore } from './store.js'

/** What {@link unlockIssuer} needs beyond the options. */
export interface UnlockIssuerOptions {
  password: string
  /** Required on a fresh store; replaces the stored one when given later. */
  adminToken?: string | undefined
  log?: ((line: string) => void) | undefined
  /** Background maintenance interval in milliseconds; 0 for one-shot commands. */
  maintenanceInterval?: number | undefined
}

/**
 * The issuer on an opened store, unlocked with the password. On any failure the store is
 * closed, so a wrong password leaves its files as they were.
 *
 * @throws CliError naming the store when the password is wrong or the keyring is damaged.
 * @example
 * ```ts
 * const issuer = await unlockIssuer(opened, options, { password: requirePassword(options, opened.label) })
 * ```
 */
export async function unlockIssuer(
  opened: OpenedStore,
  options: CliOptions,
  unlock: UnlockIssuerOptions,
): Promise<Issuer & { readonly created: boolean }> {
  try {
    return await createIssuer({
      store: opened.store,
      password: unlock.password,
      ...(unlock.adminToken === undefined ? {} : { adminToken: unlock.adminToken }),
      name: options.name,
      defaults: options.defaults,
      graceTTL: options.graceTTL,
      ...(unlock.log === undefined ? {} : { log: unlock.log }),
      ...(unlock.maintenanceInterval === undefined ? {} : { maintenanceInterval: unlock.maintenanceInterval }),
    })
  } catch (error) {
    await closeQuietly(opened.store)
    throw explainUnlockFailure(error, opened.label)
  }
}

/**
 * The password of an existing store, from `-p` or `JWTIS_PSWD`.
 *
 * @throws CliError saying how to give it, when it was not given.
 * @example
 * ```ts
 * const password = requirePassword(options, opened.label)
 * ```
 */
export function requirePassword(options: CliOptions, storeLabel: string): string {
  if (options.password === undefined) {
    throw new CliError(`the store at ${storeLabel} is locked: give its password with -p/--pswd or JWTIS_PSWD`)
  }
  return options.password
}

/**
 * Runs `action` on the issuer of an existing store, then closes it (the store with it).
 *
 * @example
 * ```ts
 * await withIssuer(opened, options, (issuer) => issuer.listClients())
 * ```
 */
export async function withIssuer<T>(
  opened: OpenedStore,
  options: CliOptions,
  action: (issuer: Issuer) => Promise<T>,
): Promise<T> {
  let password: string
  try {
    password = requirePassword(options, opened.label)
  } catch (error) {
    await closeQuietly(opened.store)
    throw error
  }
  // One-shot: no background pass, which could outlive the command.
  const issuer = await unlockIssuer(opened, options, { password, maintenanceInterval: 0 })
  try {
    return await action(issuer)
  } finally {
    await issuer.close()
  }
}

/**
 * Checks a password the operator chose for a new store or a rekey (an existing store opens
 * with whatever password it has).
 *
 * @throws UsageError when it is shorter than {@link MIN_PASSWORD_LENGTH}.
 * @example
 * ```ts
 * checkNewPassword(options.newPassword, '--newPswd')
 * ```
 */
export function checkNewPassword(password: string, label: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(
      `${label} must be at least ${MIN_PASSWORD_LENGTH} characters: it alone guards the keys in a copy of the store`,
    )
  }
}
