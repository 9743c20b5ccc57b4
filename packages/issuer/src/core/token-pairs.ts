import { randomToken } from '../crypto/secrets.js'
import { INVALID_GRANT_MESSAGE, IssuerError, invalidField } from '../errors.js'
import type { FamilyRecord, RefreshStrategy, Store } from '../store/contract.js'
import { accessTokenJob } from './access-token.js'
import { presentedAudienceFits, registeredAudience } from './audience.js'
import { checkClaims } from './claims.js'
import type { ClientKeyCache } from './client-keys.js'
import { currentKeys, findKeySet } from './clients.js'
import { isRefreshStrategy, REFRESH_STRATEGIES } from './defaults.js'
import { decideRenewal } from './families.js'
import type { KeyMaintainer } from './key-maintainer.js'
import { openRefreshToken, type RefreshTokenClaims, refreshTokenJob } from './refresh-token.js'
import { formatDuration } from './settings.js'
import type { TokenWorkers } from './token-workers.js'
import type { IssueRequest, RevokeTarget, TokenPair } from './types.js'

/** What {@link createTokenPairs} mints and opens with. */
export interface TokenPairsOptions {
  store: Store
  keys: ClientKeyCache
  maintainer: KeyMaintainer
  tokens: TokenWorkers
  /** The `iss` (and refresh token `aud`) of every token. */
  name: string
  /** Milliseconds clock. */
  now: () => number
  /** Milliseconds a superseded refresh token generation still renews to the same successor. */
  graceTTL: number
  log: (line: string) => void
}

/** Issuing, renewing and revoking access + refresh token pairs. */
export interface TokenPairs {
  issue(kid: string, request: IssueRequest): Promise<TokenPair>
  renew(kid: string, refreshToken: string, options?: { strategy?: RefreshStrategy }): Promise<TokenPair>
  revoke(kid: string, target: RevokeTarget): Promise<void>
}

/** What a refresh token generation says; the one place its claims are spelled. */
interface RefreshGeneration {
  issuer: string
  sub: string
  clientKid: string
  fid: string
  jti: string
  /** Milliseconds since the epoch. */
  at: number
  /** Milliseconds since the epoch. */
  expiresAt: number
  ext: Record<string, unknown>
  authTTL: number
  refreshTTL: number
}

function refreshClaimsOf(generation: RefreshGeneration): RefreshTokenClaims {
  return {
    iss: generation.issuer,
    aud: generation.issuer,
    sub: generation.sub,
    client_id: generation.clientKid,
    fid: generation.fid,
    jti: generation.jti,
    iat: Math.floor(generation.at / 1000),
    exp: Math.floor(generation.expiresAt / 1000),
    ext: generation.ext,
    att: generation.authTTL,
    rtt: generation.refreshTTL,
  }
}

const REQUEST_TTL_FIELDS = { auth_ttl: 'authTTL', refresh_ttl: 'refreshTTL' } as const

function requestTTL(label: keyof typeof REQUEST_TTL_FIELDS, value: unknown, configured: number): number {
  const field = REQUEST_TTL_FIELDS[label]
  if (value === undefined) return configured
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1000) {
    throw invalidField(field, 'must be a duration of at least 1s')
  }
  if (value > configured) throw invalidField(field, `may shorten the client's ${formatDuration(configured)}, never exceed it`)
  return value
}

/** The token operations of an issuer; errors other than `IssuerError` are the caller's to map. */
export function createTokenPairs(options: TokenPairsOptions): TokenPairs {
  const { store, keys, maintainer, tokens, name, now, graceTTL, log } = options
  const keySetOf = (kid: string) => findKeySet(keys, kid)

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
    const access = accessTokenJob(signingKey, {
      issuer: name,
      clientKid: kid,
      audience: registeredAudience(set.client),
      sub,
      custom,
      now: at,
      ttl: authTTL,
    })
    const claims = refreshClaimsOf({
      issuer: name,
      sub,
      clientKid: kid,
      fid: family.id,
      jti: family.jti,
      at,
      expiresAt: family.expiresAt,
      ext: custom,
      authTTL,
      refreshTTL,
    })
    const minted = tokens.run(
      { op: 'pair', access: access.job, refresh: refreshTokenJob(claims, { signingKey, encryptionKey, contEnc: config.contEnc }) },
      [signingKey.privateKey(), encryptionKey.privateKey()],
    )
    // Minting and the store's write run at once; nothing is answered before both are done.
    const [pair] = await Promise.all([minted, store.insertFamily(family)])
    return { id: family.id, accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiry: access.exp }
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
    const access = accessTokenJob(signingKey, {
      issuer: name,
      clientKid: kid,
      audience,
      sub: presented.sub,
      custom: presented.ext,
      now: at,
      ttl: presented.att,
    })
    const mintPair = (generation: { jti: string; expiresAt: number }) =>
      tokens.run(
        {
          op: 'pair',
          access: access.job,
          refresh: refreshTokenJob(
            refreshClaimsOf({
              issuer: name,
              sub: presented.sub,
              clientKid: kid,
              fid: presented.fid,
              jti: generation.jti,
              at,
              expiresAt: generation.expiresAt,
              ext: presented.ext,
              authTTL: presented.att,
              refreshTTL: presented.rtt,
            }),
            { signingKey, encryptionKey, contEnc: config.contEnc },
          ),
        },
        [signingKey.privateKey(), encryptionKey.privateKey()],
      )
    // The pair of the next generation is minted while the store moves the family on to it,
    // and dropped if another renew got there first or the renew is refused.
    let early: { jti: string; pair: ReturnType<typeof mintPair> } | undefined
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
      {
        store,
        now: at,
        graceTTL,
        onAdvance: (next) => {
          early = { jti: next.jti, pair: mintPair(next) }
          early.pair.catch(() => {})
        },
      },
    )
    if (decision.refresh === 'same') {
      const accessToken = await tokens.run({ op: 'sign', ...access.job }, [signingKey.privateKey()])
      return { id: presented.fid, accessToken, refreshToken, expiry: access.exp }
    }
    const pair = await (early?.jti === decision.family.jti ? early.pair : mintPair(decision.family))
    return { id: presented.fid, accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiry: access.exp }
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

  return { issue, renew, revoke }
}
