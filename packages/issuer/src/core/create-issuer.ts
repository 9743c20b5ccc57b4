import type { KeyringError } from '../crypto/keyring.js'
import { hashSecret, secretsEqual } from '../crypto/secrets.js'
import { IssuerError } from '../errors.js'
import type { ClientConfig, KeyRecord, Store } from '../store/contract.js'
import { StoreError } from '../store/errors.js'
import { createClientKeyCache } from './client-keys.js'
import { createClientTokenCache } from './client-token-cache.js'
import { clientKeysOf, findKeySet, refuseRotationTooSoon, registerClient } from './clients.js'
import type { IssuerDefaults } from './defaults.js'
import { GRACE_TTL_DEFAULT_MS, GRACE_TTL_MAX_MS } from './durations.js'
import { initialiseOrUnlock } from './initialise.js'
import { checkClientRecord, createKeyRecordChecker } from './integrity.js'
import { isPublished, jwksMaxAgeSeconds, publishedJwks } from './jwks.js'
import { createKeyMaintainer } from './key-maintainer.js'
import { describe, isTampering, startMaintenance } from './maintenance.js'
import { resolveDefaults } from './settings.js'
import { createTokenPairs } from './token-pairs.js'
import { createTokenWorkers } from './token-workers.js'
import type { Issuer } from './types.js'

export { DEFAULTS, type IssuerDefaults } from './defaults.js'

/**
 * How long a client's keys are served from memory before a background re-read, in ms. Keys
 * older than twice this are re-read before use, so a rotation or a new client made by
 * another instance is used here within 10 s.
 */
export const KEY_CACHE_MAX_AGE = 5000

/** Options of {@link createIssuer}. */
export interface CreateIssuerOptions {
  /** Where clients, keys and token families live. The issuer closes it on `close()`. */
  store: Store
  /** Unlocks the keyring; on a new store, creates it. */
  password: string
  /**
   * Required on a new store (at least 16 characters). On a later start, if given, replaces
   * the stored admin token (only once the password has unlocked the store).
   */
  adminToken?: string
  /** The `iss` of every token. Default `'JWTIS'`. */
  name?: string
  /** Server defaults for client settings; see {@link DEFAULTS}. */
  defaults?: Partial<IssuerDefaults>
  /**
   * How long the refresh token generation just superseded may still be presented and get
   * the same successor back, in milliseconds. Default `10000`.
   */
  graceTTL?: number
  /** Milliseconds clock. Default `Date.now`. */
  now?: () => number
  /** Receives operational log lines; never given a secret. Default: none. */
  log?: (line: string) => void
  /**
   * Interval of the background pass (scheduled key rotation, missing next keys, purging
   * expired families and retired keys), in milliseconds; `0` runs none (one-shot commands,
   * tests). Default `30000`.
   */
  maintenanceInterval?: number
  /**
   * Worker threads that sign, encrypt and open tokens, so that minting uses every core
   * while the main thread serves requests and the store; `0` does the crypto on the main
   * thread. Workers start with the first token. Default: the number of cores
   * (`os.availableParallelism()`), at most 4, when there are two or more; else `0`.
   */
  tokenWorkers?: number
}

/** An issuer as {@link createIssuer} makes it. */
export type CreatedIssuer = Issuer & {
  /** True when this call initialised a new store. */
  readonly created: boolean
}

function checkOptions(options: CreateIssuerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createIssuer needs options')
  const store = options.store as Partial<Store> | undefined
  if (typeof store?.getMeta !== 'function') throw new TypeError('options.store must be a Store')
  const { name, graceTTL, now, log, maintenanceInterval, tokenWorkers } = options
  if (name !== undefined && (typeof name !== 'string' || name === '' || name.length > 2048)) {
    throw new TypeError('options.name must be a string of 1 to 2048 characters')
  }
  if (graceTTL !== undefined && (!Number.isSafeInteger(graceTTL) || graceTTL < 0 || graceTTL > GRACE_TTL_MAX_MS)) {
    throw new TypeError(`options.graceTTL must be a whole number of milliseconds from 0 to ${GRACE_TTL_MAX_MS}`)
  }
  if (now !== undefined && typeof now !== 'function') throw new TypeError('options.now must be a function')
  if (log !== undefined && typeof log !== 'function') throw new TypeError('options.log must be a function')
  if (
    maintenanceInterval !== undefined &&
    (!Number.isSafeInteger(maintenanceInterval) || (maintenanceInterval !== 0 && maintenanceInterval < 1000))
  ) {
    throw new TypeError('options.maintenanceInterval must be 0 or at least 1000 milliseconds')
  }
  if (tokenWorkers !== undefined && (!Number.isSafeInteger(tokenWorkers) || tokenWorkers < 0 || tokenWorkers > 64)) {
    throw new TypeError('options.tokenWorkers must be a whole number from 0 to 64')
  }
}

/**
 * Starts an issuer on a store: unlocks its keyring (or, on a new store, creates it with the
 * admin token), then serves clients, tokens, keys and rotation. A wrong password rejects with
 * `KeyringError` and changes nothing; bad options throw `TypeError`. On failure the store is
 * left open for the caller to close.
 *
 * @example
 * ```ts
 * const issuer = await createIssuer({ store: createSqliteStore({ path: 'data/keys.db' }), password, adminToken })
 * const { clientToken } = await issuer.registerClient('shop')
 * const pair = await issuer.issue('shop', { claims: { sub: 'user-1' } })
 * const renewed = await issuer.renew('shop', pair.refreshToken)
 * await issuer.close()
 * ```
 */
export async function createIssuer(options: CreateIssuerOptions): Promise<CreatedIssuer> {
  checkOptions(options)
  const defaults = resolveDefaults(options.defaults)
  const { store } = options
  const name = options.name ?? 'JWTIS'
  const now = options.now ?? Date.now
  const log = options.log ?? ((): void => {})
  const graceTTL = options.graceTTL ?? GRACE_TTL_DEFAULT_MS
  const maintenanceInterval = options.maintenanceInterval ?? 30_000

  const started = await initialiseOrUnlock(store, options.password, options.adminToken)
  // Its threads start with the first token: an issuer that never mints (a CLI command) has none.
  const tokens = createTokenWorkers({ size: options.tokenWorkers, log })
  const { keyring, created } = started
  const adminTokenHash = { value: started.adminTokenHash }
  let shortestKeyExpiry = defaults.keyExpiry
  const noteClients = (configs: readonly ClientConfig[]): void => {
    shortestKeyExpiry = Math.min(defaults.keyExpiry, ...configs.map((config) => config.keyExpiry))
  }
  noteClients((await store.listClients()).map((client) => client.config))

  const jwksMaxAge = (): number => jwksMaxAgeSeconds(shortestKeyExpiry)
  const keys = createClientKeyCache({
    store,
    keyring,
    now,
    maxAge: KEY_CACHE_MAX_AGE,
    onError: (err) => log(`reading client keys failed: ${describe(err)}`),
  })
  const clientTokens = createClientTokenCache({ now, maxAge: KEY_CACHE_MAX_AGE })
  const maintainer = createKeyMaintainer({
    store,
    keyring,
    keys,
    now,
    publicationLead: () => jwksMaxAge() * 1000,
    log,
  })

  /** The first record found altered without the password: the issuer is then not ready. */
  let integrityProblem: string | undefined
  function noteTampering(err: KeyringError): void {
    if (integrityProblem === undefined) log(err.message)
    integrityProblem ??= err.message
  }
  const keyChecker = createKeyRecordChecker(keyring, noteTampering)

  let closing: Promise<void> | undefined
  const maintenance = startMaintenance({
    store,
    keyring,
    maintainer,
    now,
    log,
    interval: maintenanceInterval,
    noteClients,
    noteTampering,
    adminTokenHash,
  })
  const pairs = createTokenPairs({ store, keys, maintainer, tokens, name, now, graceTTL, log })
  const registration = {
    store,
    keyring,
    keys,
    defaults,
    now,
    log,
    onRegistered: (config: ClientConfig) => {
      shortestKeyExpiry = Math.min(shortestKeyExpiry, config.keyExpiry)
    },
  }

  async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (closing !== undefined) throw new IssuerError('temporarily_unavailable', 'the issuer is shutting down')
    try {
      return await work()
    } catch (err) {
      if (err instanceof IssuerError) throw err
      if (isTampering(err)) {
        noteTampering(err)
        throw new IssuerError('temporarily_unavailable', 'the store failed an integrity check; see the issuer log', {
          cause: err,
        })
      }
      log(`${what} failed: ${describe(err)}`)
      // The database is away or slow: the caller may retry, here or on another instance.
      if (err instanceof StoreError) {
        throw new IssuerError('temporarily_unavailable', 'the store is unavailable; try again later', { cause: err })
      }
      throw new IssuerError('server_error', 'the issuer could not complete the request', { cause: err })
    }
  }

  const issuer: CreatedIssuer = {
    name,
    created,

    isAdmin(token) {
      return typeof token === 'string' && token !== '' && secretsEqual(hashSecret(token), adminTokenHash.value)
    },

    authenticateClient(clientToken) {
      return guarded('client authentication', async () => {
        if (typeof clientToken !== 'string' || clientToken === '' || clientToken.length > 1024) return undefined
        const hash = hashSecret(clientToken)
        const cached = clientTokens.get(hash)
        if (cached !== undefined) return secretsEqual(cached.tokenHash, hash) ? cached.kid : undefined
        const mark = clientTokens.mark()
        const client = await store.findClientByTokenHash(hash)
        if (client === undefined || !secretsEqual(client.tokenHash, hash)) return undefined
        checkClientRecord(keyring, client)
        clientTokens.set(hash, client, mark)
        return client.kid
      })
    },

    registerClient: (kid, settings) => guarded('registration', () => registerClient(registration, kid, settings)),

    removeClient(kid) {
      return guarded('client removal', async () => {
        const removed = await store.deleteClient(kid)
        keys.drop(kid)
        clientTokens.dropKid(kid)
        if (removed) log(`removed client ${kid}`)
        return removed
      })
    },

    listClients() {
      return guarded('client listing', async () =>
        (await store.listClients()).map((client) => ({ kid: client.kid, config: client.config, createdAt: client.createdAt })),
      )
    },

    getKeys: (kid) => guarded('key lookup', async () => clientKeysOf(await findKeySet(keys, kid), now())),

    rotateKeys(kid, options) {
      return guarded('rotation', async () => {
        if (typeof kid !== 'string' || (await store.getClient(kid)) === undefined) {
          throw new IssuerError('not_found', 'no such client')
        }
        if (options?.byClient === true) await refuseRotationTooSoon(store, kid, now())
        await maintainer.rotateNow(kid)
        const set = await keys.reload(kid)
        if (set === undefined) throw new IssuerError('not_found', 'no such client')
        return clientKeysOf(set, now())
      })
    },

    issue: (kid, request) => guarded('issue', () => pairs.issue(kid, request)),
    renew: (kid, refreshToken, options) => guarded('renew', () => pairs.renew(kid, refreshToken, options)),
    revoke: (kid, target) => guarded('revocation', () => pairs.revoke(kid, target)),

    jwks(kid) {
      return guarded('jwks', async () => {
        const set = await findKeySet(keys, kid)
        const records = [set.sig.current, ...set.sig.next, ...set.sig.retired].flatMap((key) =>
          key === undefined ? [] : [key.record],
        )
        return publishedJwks(records, now())
      })
    },

    allJwks() {
      return guarded('jwks', async () => {
        const records = await store.listKeys({ states: ['current', 'next', 'retired'] })
        const at = now()
        const sound: KeyRecord[] = []
        // Only keys whose record is what their sealed private key says are published.
        for (const record of records) if (isPublished(record, at) && (await keyChecker.isSound(record))) sound.push(record)
        return publishedJwks(sound, at)
      })
    },

    jwksMaxAge,

    integrityProblem: () => integrityProblem,

    async ready() {
      if (closing !== undefined || integrityProblem !== undefined) return false
      try {
        return await store.ping()
      } catch {
        return false
      }
    },

    close() {
      closing ??= (async () => {
        const sweepDone = maintenance.stop()
        maintainer.stop()
        await sweepDone
        await maintainer.idle()
        await tokens.close()
        await store.close()
      })()
      return closing
    },
  }
  return Object.freeze(issuer)
}
