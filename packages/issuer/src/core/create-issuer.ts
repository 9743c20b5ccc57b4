import { generateKey } from '../crypto/keys.js'
import { KeyringError } from '../crypto/keyring.js'
import { hashSecret, randomToken, secretsEqual } from '../crypto/secrets.js'
import { INVALID_GRANT_MESSAGE, IssuerError } from '../errors.js'
import type { ClientConfig, FamilyRecord, KeyRecord, RefreshStrategy, Store } from '../store/contract.js'
import { StoreError } from '../store/errors.js'
import { signAccessToken } from './access-token.js'
import { presentedAudienceFits, registeredAudience } from './audience.js'
import { checkClaims } from './claims.js'
import { checkClientKid } from './client-kid.js'
import { type ClientKeySet, createClientKeyCache, type LoadedKey } from './client-keys.js'
import { type IssuerDefaults, isRefreshStrategy, REFRESH_STRATEGIES } from './defaults.js'
import { decideRenewal } from './families.js'
import { ADMIN_TOKEN_MAC_META, ADMIN_TOKEN_META, initialiseOrUnlock } from './initialise.js'
import { checkAdminTokenHash, checkClientRecord, clientMac, createKeyRecordChecker } from './integrity.js'
import { isPublished, jwksMaxAgeSeconds, publicJwkOf, publishedJwks } from './jwks.js'
import { createKeyMaintainer, keySpecOf } from './key-maintainer.js'
import { sealKey } from './key-material.js'
import { openRefreshToken, type RefreshTokenClaims, sealRefreshToken } from './refresh-token.js'
import { formatDuration, resolveClientConfig, resolveDefaults } from './settings.js'
import { createTokenWorkers } from './token-workers.js'
import {
  CLIENT_ROTATION_INTERVAL,
  type ClientKeys,
  type ClientSettings,
  type Issuer,
  type IssueRequest,
  type RegisteredClient,
  type RevokeTarget,
  type TokenPair,
} from './types.js'

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
  if (graceTTL !== undefined && (!Number.isSafeInteger(graceTTL) || graceTTL < 0 || graceTTL > 300_000)) {
    throw new TypeError('options.graceTTL must be a whole number of milliseconds from 0 to 300000')
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

function isTampering(err: unknown): err is KeyringError {
  return err instanceof KeyringError && err.code === 'tampered'
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

function requestTTL(label: string, value: unknown, configured: number): number {
  if (value === undefined) return configured
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1000) {
    throw new IssuerError('invalid_request', `${label} must be a duration of at least 1s`)
  }
  if (value > configured) {
    throw new IssuerError(
      'invalid_request',
      `${label} may shorten the client's ${formatDuration(configured)}, never exceed it`,
    )
  }
  return value
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
  const graceTTL = options.graceTTL ?? 10_000
  const maintenanceInterval = options.maintenanceInterval ?? 30_000

  const started = await initialiseOrUnlock(store, options.password, options.adminToken)
  // Its threads start with the first token: an issuer that never mints (a CLI command) has none.
  const tokens = createTokenWorkers({ size: options.tokenWorkers, log })
  const { keyring, created } = started
  let adminTokenHash = started.adminTokenHash
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
  let sweeping: Promise<void> | undefined
  let timer: ReturnType<typeof setInterval> | undefined

  async function sweep(): Promise<void> {
    try {
      await maintainer.maintain()
      const at = now()
      const retired = await store.purgeRetiredKeys(at)
      const families = await store.purgeFamilies(at)
      if (retired + families > 0) log(`purged ${retired} retired keys and ${families} expired token families`)
      const clients = await store.listClients()
      for (const client of clients) checkClientRecord(keyring, client)
      noteClients(clients.map((client) => client.config))
      // Another instance may have been started with a new admin token.
      const storedAdminHash = await store.getMeta(ADMIN_TOKEN_META)
      if (storedAdminHash !== undefined && storedAdminHash !== adminTokenHash) {
        checkAdminTokenHash(keyring, storedAdminHash, await store.getMeta(ADMIN_TOKEN_MAC_META))
        adminTokenHash = storedAdminHash
      }
    } catch (err) {
      if (isTampering(err)) noteTampering(err)
      else log(`background maintenance failed: ${describe(err)}`)
    }
  }

  function startSweep(): void {
    if (closing !== undefined || sweeping !== undefined) return
    sweeping = sweep().finally(() => {
      sweeping = undefined
    })
  }

  if (maintenanceInterval > 0) {
    timer = setInterval(startSweep, maintenanceInterval)
    timer.unref()
    // Repair what a crash may have left (a missing next key) without waiting a whole interval.
    startSweep()
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

  async function keySetOf(kid: string): Promise<ClientKeySet> {
    const set = typeof kid === 'string' ? await keys.get(kid) : undefined
    if (set === undefined) throw new IssuerError('not_found', 'no such client')
    return set
  }

  function clientKeysOf(set: ClientKeySet): ClientKeys {
    const signing = set.sig.current
    const encryption = set.enc.current
    if (signing === undefined || encryption === undefined) {
      throw new IssuerError('temporarily_unavailable', 'the client has no current keys')
    }
    return {
      kid: set.client.kid,
      pubSigKey: publicJwkOf(signing.record),
      pubEncKey: publicJwkOf(encryption.record),
      expiry: Math.floor(signing.record.expiresAt / 1000),
      valid: signing.record.expiresAt > now(),
    }
  }

  function currentKeys(set: ClientKeySet): { signingKey: LoadedKey; encryptionKey: LoadedKey } {
    const signingKey = set.sig.current
    const encryptionKey = set.enc.current
    if (signingKey === undefined || encryptionKey === undefined) {
      throw new IssuerError('temporarily_unavailable', 'the client has no current keys')
    }
    return { signingKey, encryptionKey }
  }

  /** The current signing key's activation is the last rotation, whichever instance made it. */
  async function refuseRotationTooSoon(kid: string): Promise<void> {
    const current = (await store.listKeys({ clientKid: kid, states: ['current'] })).find((key) => key.use === 'sig')
    const wait = (current?.activatedAt ?? 0) + CLIENT_ROTATION_INTERVAL - now()
    if (wait > 0) {
      throw new IssuerError('slow_down', 'a client may rotate its keys at most once a minute', { retryAfter: wait / 1000 })
    }
  }

  async function registerClient(kid: string, settings: ClientSettings | undefined): Promise<RegisteredClient> {
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
    shortestKeyExpiry = Math.min(shortestKeyExpiry, config.keyExpiry)
    log(`registered client ${kid} (${config.sigAlg}, ${config.encAlg}, ${config.contEnc})`)
    const set = await keys.reload(kid)
    if (set === undefined) throw new IssuerError('not_found', 'the client was removed during its registration')
    return { ...clientKeysOf(set), clientToken }
  }

  async function issue(kid: string, request: IssueRequest): Promise<TokenPair> {
    const set = await keySetOf(kid)
    const config = set.client.config
    if (typeof request !== 'object' || request === null) throw new IssuerError('invalid_request', 'an issue request needs claims')
    const { sub, custom } = checkClaims(request.claims, registeredAudience(set.client))
    const authTTL = requestTTL('auth_ttl', request.authTTL, config.authTTL)
    const refreshTTL = requestTTL('refresh_ttl', request.refreshTTL, config.refreshTTL)
    maintainer.promoteIfDue(set)
    const { signingKey, encryptionKey } = currentKeys(set)
    const at = now()
    const maxExpiresAt = at + config.familyTTL
    const family: FamilyRecord = {
      id: randomToken(16),
      clientKid: kid,
      sub,
      jti: randomToken(16),
      generation: 1,
      expiresAt: Math.min(at + refreshTTL, maxExpiresAt),
      maxExpiresAt,
      createdAt: at,
    }
    const access = signAccessToken(tokens, signingKey, {
      issuer: name,
      clientKid: kid,
      audience: registeredAudience(set.client),
      sub,
      custom,
      now: at,
      ttl: authTTL,
    })
    const claims: RefreshTokenClaims = {
      iss: name,
      aud: name,
      sub,
      client_id: kid,
      fid: family.id,
      jti: family.jti,
      iat: Math.floor(at / 1000),
      exp: Math.floor(family.expiresAt / 1000),
      ext: custom,
      att: authTTL,
      rtt: refreshTTL,
    }
    const refreshToken = sealRefreshToken(tokens, claims, { signingKey, encryptionKey, contEnc: config.contEnc })
    // Minting and the store's write run at once; nothing is answered before both are done.
    const [signed, sealed] = await Promise.all([access, refreshToken, store.insertFamily(family)])
    return { id: family.id, accessToken: signed.token, refreshToken: sealed, expiry: signed.exp }
  }

  async function renew(kid: string, refreshToken: string, options?: { strategy?: RefreshStrategy }): Promise<TokenPair> {
    // A removed client's refresh tokens are like any other dead token.
    const set = typeof kid === 'string' ? await keys.get(kid) : undefined
    if (set === undefined) throw new IssuerError('invalid_grant', INVALID_GRANT_MESSAGE)
    const strategy = options?.strategy ?? set.client.config.refreshStrategy
    if (!isRefreshStrategy(strategy)) {
      throw new IssuerError('invalid_request', `refresh_strategy must be one of ${REFRESH_STRATEGIES.join(', ')}`)
    }
    const at = now()
    const context = { keys: set, reload: () => keys.reload(kid), issuer: name, now: at }
    const presented = await openRefreshToken(tokens, refreshToken, context)
    const latest = context.keys
    maintainer.promoteIfDue(latest)
    const config = latest.client.config
    const { signingKey, encryptionKey } = currentKeys(latest)
    const audience = registeredAudience(latest.client)
    // A refresh token sealed before its `aud` was checked against the audience renews only
    // within it, so no token minted earlier for another client's audience lives on.
    if (!presentedAudienceFits(audience, presented.ext['aud'])) throw new IssuerError('invalid_grant', INVALID_GRANT_MESSAGE)
    // The access token depends on nothing the family decides: sign it meanwhile, and drop
    // it if the renew is refused.
    const access = signAccessToken(tokens, signingKey, {
      issuer: name,
      clientKid: kid,
      audience,
      sub: presented.sub,
      custom: presented.ext,
      now: at,
      ttl: presented.att,
    })
    access.catch(() => {})
    const decision = await decideRenewal(
      {
        fid: presented.fid,
        jti: presented.jti,
        sub: presented.sub,
        clientKid: kid,
        expiresAt: presented.exp * 1000,
        refreshTTL: presented.rtt,
      },
      strategy,
      { store, now: at, graceTTL },
    )
    const renewed =
      decision.refresh === 'same'
        ? refreshToken
        : sealRefreshToken(
            tokens,
            {
              iss: name,
              aud: name,
              sub: presented.sub,
              client_id: kid,
              fid: presented.fid,
              jti: decision.family.jti,
              iat: Math.floor(at / 1000),
              exp: Math.floor(decision.family.expiresAt / 1000),
              ext: presented.ext,
              att: presented.att,
              rtt: presented.rtt,
            },
            { signingKey, encryptionKey, contEnc: config.contEnc },
          )
    const [signed, sealed] = await Promise.all([access, renewed])
    return { id: presented.fid, accessToken: signed.token, refreshToken: sealed, expiry: signed.exp }
  }

  async function revoke(kid: string, target: RevokeTarget): Promise<void> {
    const at = now()
    if (typeof target === 'object' && target !== null && 'sub' in target) {
      if (typeof target.sub !== 'string' || target.sub === '') throw new IssuerError('invalid_request', 'sub must be a string')
      const count = await store.revokeSubject(kid, target.sub, at)
      if (count > 0) log(`revoked ${count} token families of a subject of client ${kid}`)
      return
    }
    if (typeof target !== 'object' || target === null || !('token' in target) || typeof target.token !== 'string') {
      throw new IssuerError('invalid_request', 'revoke needs a token or a sub')
    }
    const set = await keys.get(kid)
    if (set === undefined) return
    let fid: string
    try {
      fid = (await openRefreshToken(tokens, target.token, { keys: set, reload: () => keys.reload(kid), issuer: name, now: at })).fid
    } catch (err) {
      // RFC 7009: a token that is not (or no longer) valid needs no revoking.
      if (err instanceof IssuerError && err.code === 'invalid_grant') return
      throw err
    }
    const family = await store.getFamily(fid)
    if (family?.clientKid === kid && (await store.revokeFamily(fid, at))) {
      log(`revoked a token family of client ${kid}`)
    }
  }

  const issuer: CreatedIssuer = {
    name,
    created,

    isAdmin(token) {
      return typeof token === 'string' && token !== '' && secretsEqual(hashSecret(token), adminTokenHash)
    },

    authenticateClient(clientToken) {
      return guarded('client authentication', async () => {
        if (typeof clientToken !== 'string' || clientToken === '' || clientToken.length > 1024) return undefined
        const hash = hashSecret(clientToken)
        const client = await store.findClientByTokenHash(hash)
        if (client === undefined || !secretsEqual(client.tokenHash, hash)) return undefined
        checkClientRecord(keyring, client)
        return client.kid
      })
    },

    registerClient: (kid, settings) => guarded('registration', () => registerClient(kid, settings)),

    removeClient(kid) {
      return guarded('client removal', async () => {
        const removed = await store.deleteClient(kid)
        keys.drop(kid)
        if (removed) log(`removed client ${kid}`)
        return removed
      })
    },

    listClients() {
      return guarded('client listing', async () =>
        (await store.listClients()).map((client) => ({ kid: client.kid, config: client.config, createdAt: client.createdAt })),
      )
    },

    getKeys: (kid) => guarded('key lookup', async () => clientKeysOf(await keySetOf(kid))),

    rotateKeys(kid, options) {
      return guarded('rotation', async () => {
        if (typeof kid !== 'string' || (await store.getClient(kid)) === undefined) {
          throw new IssuerError('not_found', 'no such client')
        }
        if (options?.byClient === true) await refuseRotationTooSoon(kid)
        await maintainer.rotateNow(kid)
        const set = await keys.reload(kid)
        if (set === undefined) throw new IssuerError('not_found', 'no such client')
        return clientKeysOf(set)
      })
    },

    issue: (kid, request) => guarded('issue', () => issue(kid, request)),
    renew: (kid, refreshToken, options) => guarded('renew', () => renew(kid, refreshToken, options)),
    revoke: (kid, target) => guarded('revocation', () => revoke(kid, target)),

    jwks(kid) {
      return guarded('jwks', async () => {
        const set = await keySetOf(kid)
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
        if (timer !== undefined) clearInterval(timer)
        maintainer.stop()
        await sweeping
        await maintainer.idle()
        await tokens.close()
        await store.close()
      })()
      return closing
    },
  }
  return Object.freeze(issuer)
}
