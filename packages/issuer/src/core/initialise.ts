import { createKeyring, KEYRING_META, type Keyring, unlockKeyring, upgradeKeyring } from '../crypto/keyring.js'
import { hashSecret } from '../crypto/secrets.js'
import type { Store } from '../store/contract.js'
import { adminTokenMac, checkAdminTokenHash, checkClientRecord, checkKeyRecord, clientMac } from './integrity.js'

/** The metadata entry holding the hex SHA-256 of the admin token. */
export const ADMIN_TOKEN_META = 'admin_token_hash'

/** The metadata entry holding the MAC of the admin token hash. */
export const ADMIN_TOKEN_MAC_META = 'admin_token_mac'

/** The shortest admin token accepted, in characters. */
export const MIN_ADMIN_TOKEN_LENGTH = 16

/** RFC 6750 b64token, the one token an `Authorization: Bearer` header carries, as a regex source. */
export const B64TOKEN = '[A-Za-z0-9\\-._~+/]+=*'
const BEARER_TOKEN = new RegExp(`^${B64TOKEN}$`)

/**
 * Why `token` cannot serve as the admin token, or undefined when it can: at least
 * {@link MIN_ADMIN_TOKEN_LENGTH} characters of the Bearer (RFC 6750 b64token) alphabet, as
 * a token that no `Authorization` header can carry could never be used.
 */
export function adminTokenProblem(token: string): string | undefined {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) return `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`
  if (token.length > 1024) return 'must be at most 1024 characters'
  if (!BEARER_TOKEN.test(token)) {
    return 'may hold only letters, digits and - . _ ~ + / (then = at the end), as an Authorization: Bearer header carries it'
  }
  return undefined
}

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
 * Every record that grants access is then checked against the keyring (see `integrity.ts`);
 * a store made before rows carried MACs gets them now, at its first unlock.
 *
 * Throws `TypeError` for missing options and `KeyringError` for a wrong password, a damaged
 * keyring, or a record altered without the password (`tampered`, naming it).
 *
 * @example
 * ```ts
 * const { keyring, created } = await initialiseOrUnlock(store, password, adminToken)
 * ```
 */
export async function initialiseOrUnlock(store: Store, password: string, adminToken?: string): Promise<InitialisedStore> {
  if (typeof password !== 'string' || password === '') throw new TypeError('password is required')
  if (adminToken !== undefined) {
    const problem = typeof adminToken === 'string' ? adminTokenProblem(adminToken) : 'must be a string'
    if (problem !== undefined) throw new TypeError(`the admin token ${problem}`)
  }
  await store.init()
  const existing = await store.getMeta(KEYRING_META)
  if (existing === undefined) {
    if (adminToken === undefined) throw new TypeError('a new store needs an admin token')
    const { keyring, meta } = await createKeyring(password)
    const adminTokenHash = hashSecret(adminToken)
    const entries = {
      [KEYRING_META]: meta,
      [ADMIN_TOKEN_META]: adminTokenHash,
      [ADMIN_TOKEN_MAC_META]: adminTokenMac(keyring, adminTokenHash),
    }
    if (await store.initMeta(entries)) {
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
  let keyring = await unlockKeyring(meta, password)
  const stored = await store.getMeta(ADMIN_TOKEN_META)
  let adminTokenHash: string
  if (adminToken !== undefined) {
    adminTokenHash = hashSecret(adminToken)
    if (adminTokenHash !== stored || !keyring.authenticatesRows) {
      await store.setMeta({ [ADMIN_TOKEN_META]: adminTokenHash, [ADMIN_TOKEN_MAC_META]: adminTokenMac(keyring, adminTokenHash) })
    }
  } else {
    if (stored === undefined) throw new Error('the store has no admin token: give one to set it')
    adminTokenHash = stored
  }
  if (!keyring.authenticatesRows) keyring = await addRowMacs(store, meta, password, keyring, adminTokenHash)
  await checkStore(store, keyring, adminTokenHash)
  return { keyring, adminTokenHash, created: false }
}

/**
 * Gives a store made before rows carried MACs its MACs, then marks its keyring as
 * authenticating rows. The keyring is marked last, so a crash before it leaves a store that
 * simply gets its MACs again at the next start.
 */
async function addRowMacs(
  store: Store,
  meta: string,
  password: string,
  keyring: Keyring,
  adminTokenHash: string,
): Promise<Keyring> {
  for (const client of await store.listClients()) await store.setClientMac(client.kid, clientMac(keyring, client))
  await store.setMeta({ [ADMIN_TOKEN_MAC_META]: adminTokenMac(keyring, adminTokenHash) })
  const upgraded = await upgradeKeyring(meta, password)
  await store.setMeta({ [KEYRING_META]: upgraded.meta })
  return upgraded.keyring
}

/** Checks every record that grants access; throws `KeyringError('tampered')` naming the first bad one. */
async function checkStore(store: Store, keyring: Keyring, adminTokenHash: string): Promise<void> {
  checkAdminTokenHash(keyring, adminTokenHash, await store.getMeta(ADMIN_TOKEN_MAC_META))
  for (const client of await store.listClients()) checkClientRecord(keyring, client)
  for (const record of await store.listKeys()) await checkKeyRecord(keyring, record)
}
