import { createKeyring, KEYRING_META, type Keyring, unlockKeyring } from '../crypto/keyring.js'
import { hashSecret } from '../crypto/secrets.js'
import type { Store } from '../store/contract.js'

/** The metadata entry holding the hex SHA-256 of the admin token. */
export const ADMIN_TOKEN_META = 'admin_token_hash'

/** The shortest admin token accepted, in characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 16

/** What a start found or made. */
export interface InitialisedStore {
  keyring: Keyring
  /** Hex SHA-256 of the admin token. */
  adminTokenHash: string
  /** True when this call initialised a new store. */
  created: boolean
}

/**
 * Opens the store's keyring with `password`, or on a new store creates it and records the
 * admin token's hash, both in one `initMeta` so that of two instances starting at once only
 * one initialises (the other then unlocks what the first made). On a later start a given
 * `adminToken` replaces the stored hash, and only after the password has opened the keyring:
 * a wrong password changes nothing.
 *
 * Throws `TypeError` for missing options and `KeyringError` for a wrong password or damaged
 * keyring.
 *
 * @example
 * ```ts
 * const { keyring, created } = await initialiseOrUnlock(store, password, adminToken)
 * ```
 */
export async function initialiseOrUnlock(store: Store, password: string, adminToken?: string): Promise<InitialisedStore> {
  if (typeof password !== 'string' || password === '') throw new TypeError('password is required')
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.length < MIN_ADMIN_TOKEN_LENGTH)) {
    throw new TypeError(`the admin token must be a string of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`)
  }
  await store.init()
  const existing = await store.getMeta(KEYRING_META)
  if (existing === undefined) {
    if (adminToken === undefined) throw new TypeError('a new store needs an admin token')
    const { keyring, meta } = await createKeyring(password)
    const adminTokenHash = hashSecret(adminToken)
    if (await store.initMeta({ [KEYRING_META]: meta, [ADMIN_TOKEN_META]: adminTokenHash })) {
      return { keyring, adminTokenHash, created: true }
    }
    // Another instance initialised the store first: join it, keeping its admin token.
    return unlock(store, password, undefined)
  }
  return unlock(store, password, adminToken, existing)
}

async function unlock(
  store: Store,
  password: string,
  adminToken: string | undefined,
  knownMeta?: string,
): Promise<InitialisedStore> {
  const meta = knownMeta ?? (await store.getMeta(KEYRING_META))
  if (meta === undefined) throw new Error('the store has no keyring')
  const keyring = await unlockKeyring(meta, password)
  const stored = await store.getMeta(ADMIN_TOKEN_META)
  if (adminToken !== undefined) {
    const adminTokenHash = hashSecret(adminToken)
    if (adminTokenHash !== stored) await store.setMeta({ [ADMIN_TOKEN_META]: adminTokenHash })
    return { keyring, adminTokenHash, created: false }
  }
  if (stored === undefined) throw new Error('the store has no admin token: give one to set it')
  return { keyring, adminTokenHash: stored, created: false }
}
