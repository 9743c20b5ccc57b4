import { generateKey } from './alg-policy.js'
import type { Keyring } from '../crypto/keyring.js'
import { hashSecret, randomToken } from '../crypto/secrets.js'
import { IssuerError } from '../errors.js'
import type { ClientConfig, Store } from '../store/contract.js'
import type { ClientKeyCache, ClientKeySet, LoadedKey } from './client-keys.js'
import { checkClientKid } from './client-kid.js'
import type { IssuerDefaults } from './defaults.js'
import { clientMac } from './integrity.js'
import { publicJwkOf } from './jwks.js'
import { keySpecOf } from './key-maintainer.js'
import { sealKey } from './key-material.js'
import { resolveClientConfig } from './settings.js'
import { CLIENT_ROTATION_INTERVAL, type ClientKeys, type ClientSettings, type RegisteredClient } from './types.js'

/** A client's live keys, or `not_found`. */
export async function findKeySet(keys: ClientKeyCache, kid: string): Promise<ClientKeySet> {
  const set = typeof kid === 'string' ? await keys.get(kid) : undefined
  if (set === undefined) throw new IssuerError('not_found', 'no such client')
  return set
}

/** The keys a client signs and encrypts with now, or `temporarily_unavailable`. */
export function currentKeys(set: ClientKeySet): { signingKey: LoadedKey; encryptionKey: LoadedKey } {
  const signingKey = set.sig.current
  const encryptionKey = set.enc.current
  if (signingKey === undefined || encryptionKey === undefined) {
    throw new IssuerError('temporarily_unavailable', 'the client has no current keys')
  }
  return { signingKey, encryptionKey }
}

/** What the API shows of a client's current keys. */
export function clientKeysOf(set: ClientKeySet, now: number): ClientKeys {
  const { signingKey, encryptionKey } = currentKeys(set)
  return {
    kid: set.client.kid,
    pubSigKey: publicJwkOf(signingKey.record),
    pubEncKey: publicJwkOf(encryptionKey.record),
    expiry: Math.floor(signingKey.record.expiresAt / 1000),
    valid: signingKey.record.expiresAt > now,
  }
}

/** The current signing key's activation is the last rotation, whichever instance made it. */
export async function refuseRotationTooSoon(store: Store, kid: string, now: number): Promise<void> {
  const current = (await store.listKeys({ clientKid: kid, states: ['current'] })).find((key) => key.use === 'sig')
  const wait = (current?.activatedAt ?? 0) + CLIENT_ROTATION_INTERVAL - now
  if (wait > 0) {
    throw new IssuerError('slow_down', 'a client may rotate its keys at most once a minute', { retryAfter: wait / 1000 })
  }
}

/** What {@link registerClient} writes with. */
export interface RegisterClientOptions {
  store: Store
  keyring: Keyring
  keys: ClientKeyCache
  defaults: IssuerDefaults
  now: () => number
  log: (line: string) => void
  /** Told the config of each client registered. */
  onRegistered: (config: ClientConfig) => void
}

/**
 * Registers a client: its config from the settings and defaults, a current and a next key of
 * each use, and a new client token (returned once, stored as a hash).
 */
export async function registerClient(
  options: RegisterClientOptions,
  kid: string,
  settings: ClientSettings | undefined,
): Promise<RegisteredClient> {
  const { store, keyring, keys, defaults, now, log } = options
  checkClientKid(kid)
  const config = resolveClientConfig(settings, defaults)
  if ((await store.getClient(kid)) !== undefined) throw new IssuerError('client_exists', `client ${kid} exists already`)
  const sigSpec = keySpecOf(config, 'sig')
  const encSpec = keySpecOf(config, 'enc')
  const [sigCurrent, sigNext, encCurrent, encNext] = await Promise.all([
    generateKey(sigSpec),
    generateKey(sigSpec),
    generateKey(encSpec),
    generateKey(encSpec),
  ])
  const at = now()
  const current = { state: 'current', createdAt: at, activatedAt: at, expiresAt: at + config.keyExpiry } as const
  const next = { state: 'next', createdAt: at, expiresAt: at + 2 * config.keyExpiry } as const
  const records = [
    sealKey(keyring, kid, 'sig', sigCurrent, current),
    sealKey(keyring, kid, 'sig', sigNext, next),
    sealKey(keyring, kid, 'enc', encCurrent, current),
    sealKey(keyring, kid, 'enc', encNext, next),
  ]
  const clientToken = randomToken()
  const client = { kid, tokenHash: hashSecret(clientToken), config, createdAt: at }
  const inserted = await store.insertClient({ ...client, mac: clientMac(keyring, client) }, records)
  if (!inserted) throw new IssuerError('client_exists', `client ${kid} exists already`)
  options.onRegistered(config)
  log(`registered client ${kid} (${config.sigAlg}, ${config.encAlg}, ${config.contEnc})`)
  const set = await keys.reload(kid)
  if (set === undefined) throw new IssuerError('not_found', 'the client was removed during its registration')
  return { ...clientKeysOf(set, now()), clientToken }
}
