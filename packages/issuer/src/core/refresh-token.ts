import type { KeyObject } from 'node:crypto'
import { parseProtectedHeader } from '../jose/protected-header.js'
import { INVALID_GRANT_MESSAGE, IssuerError } from '../errors.js'
import type { ClientKeySet, LoadedKey } from './client-keys.js'
import { REFRESH_TOKEN_TYP } from './inner-refresh-token.js'
import type { OpenOutcome, SealSpec } from './token-jobs.js'
import { TokenJobError, type TokenWorkers } from './token-workers.js'

/** The longest refresh token the issuer reads, in characters. */
export const MAX_REFRESH_TOKEN_LENGTH: number = 32 * 1024

/**
 * The claims of a refresh token's inner JWS. Besides the registered claims it carries what a
 * renew needs to mint the same access token again, since the issuer stores no token.
 */
export interface RefreshTokenClaims {
  /** The issuer's name. */
  iss: string
  /** The issuer's name too: a refresh token is addressed to the issuer only. */
  aud: string
  sub: string
  /** The client's kid. */
  client_id: string
  /** The family id. */
  fid: string
  /** This generation's id. */
  jti: string
  /** Seconds since the epoch. */
  iat: number
  /** Seconds since the epoch. */
  exp: number
  /** The custom claims of the access tokens it renews. */
  ext: Record<string, unknown>
  /** Access token lifetime of the renewed tokens, milliseconds. */
  att: number
  /** Sliding refresh lifetime of the family, milliseconds. */
  rtt: number
}

/** The keys and settings that make a refresh token. */
export interface RefreshTokenKeys {
  signingKey: LoadedKey
  encryptionKey: LoadedKey
  /** JWE content encryption, e.g. `A256GCM`. */
  contEnc: string
}

/**
 * The job that makes a refresh token: the claims signed as a JWS `{alg, kid, typ: 'rt+jwt'}`,
 * then encrypted as a compact JWE `{alg, enc, kid, cty: 'JWT'}` to the client's encryption
 * key, whose private half only the issuer holds. The keys it runs with are those of a
 * `PairJob` in `token-jobs.ts`.
 *
 * @example
 * ```ts
 * const job = refreshTokenJob(claims, { signingKey, encryptionKey, contEnc: 'A256GCM' })
 * ```
 */
export function refreshTokenJob(claims: RefreshTokenClaims, keys: RefreshTokenKeys): SealSpec {
  const { signingKey, encryptionKey } = keys
  return {
    alg: signingKey.record.alg,
    header: JSON.stringify({ alg: signingKey.record.alg, kid: signingKey.record.id, typ: REFRESH_TOKEN_TYP }),
    payload: JSON.stringify(claims),
    encAlg: encryptionKey.record.alg,
    enc: keys.contEnc,
    encKid: encryptionKey.record.id,
  }
}

/** What {@link openRefreshToken} needs of the client. */
export interface OpenRefreshTokenContext {
  /** The client's keys as cached. */
  keys: ClientKeySet
  /** Re-reads the client's keys (another instance may have rotated them). */
  reload: () => Promise<ClientKeySet | undefined>
  /** The issuer's name. */
  issuer: string
  /** Milliseconds since the epoch. */
  now: number
}

function invalidGrant(cause?: unknown): IssuerError {
  return new IssuerError('invalid_grant', INVALID_GRANT_MESSAGE, cause === undefined ? undefined : { cause })
}

function isClaims(payload: Record<string, unknown>, clientKid: string): boolean {
  const { sub, fid, jti, client_id, ext, att, rtt } = payload
  return (
    typeof sub === 'string' &&
    typeof fid === 'string' &&
    typeof jti === 'string' &&
    client_id === clientKid &&
    typeof ext === 'object' &&
    ext !== null &&
    !Array.isArray(ext) &&
    Number.isSafeInteger(att) &&
    (att as number) > 0 &&
    Number.isSafeInteger(rtt) &&
    (rtt as number) > 0
  )
}

async function keyOf(
  use: 'sig' | 'enc',
  kid: string,
  context: OpenRefreshTokenContext,
): Promise<{ key: LoadedKey; keys: ClientKeySet } | undefined> {
  const cached = context.keys.find(use, kid)
  if (cached !== undefined) return { key: cached, keys: context.keys }
  // A key this instance has not seen yet: another instance may have rotated.
  const fresh = await context.reload()
  const key = fresh?.find(use, kid)
  if (fresh === undefined || key === undefined) return undefined
  context.keys = fresh
  return { key, keys: fresh }
}

const JWE_HEADER = new Set(['alg', 'enc', 'kid', 'cty', 'epk'])

/** The client's live signing keys (current, next, retired), as the open job takes them. */
function signingKeysOf(keys: ClientKeySet): { kids: string[]; publicKeys: KeyObject[] } {
  const live = [keys.sig.current, ...keys.sig.next, ...keys.sig.retired].filter((key) => key !== undefined)
  return { kids: live.map((key) => key.record.id), publicKeys: live.map((key) => key.publicKey) }
}

/**
 * Opens a refresh token presented by a client, on the token workers: decrypts it with that
 * client's own encryption keys (current, next or retired) and verifies the inner JWS with
 * that client's signing keys. Every failure of the token is `IssuerError('invalid_grant')`
 * with one message; a failure of the issuer (a worker that died) rejects otherwise.
 *
 * @example
 * ```ts
 * const claims = await openRefreshToken(tokens, token, { keys, reload, issuer: 'JWTIS', now: Date.now() })
 * ```
 */
export async function openRefreshToken(
  tokens: TokenWorkers,
  token: unknown,
  context: OpenRefreshTokenContext,
): Promise<RefreshTokenClaims> {
  if (typeof token !== 'string' || token.length > MAX_REFRESH_TOKEN_LENGTH || token.split('.').length !== 5) {
    throw invalidGrant()
  }
  let header: Record<string, unknown>
  try {
    header = parseProtectedHeader(token.slice(0, token.indexOf('.')), JWE_HEADER)
  } catch (err) {
    throw invalidGrant(err)
  }
  if (typeof header['kid'] !== 'string' || header['cty'] !== 'JWT') throw invalidGrant()
  const found = await keyOf('enc', header['kid'], context)
  if (found === undefined) throw invalidGrant()
  const { key } = found
  const config = found.keys.client.config
  if (header['alg'] !== key.record.alg || header['enc'] !== config.contEnc) throw invalidGrant()
  // Outside the job: a key that no longer unseals is the issuer's fault, not the token's.
  const privateKey = key.privateKey()
  // A second pass only when the inner JWS names a signing key this instance had not loaded.
  for (let pass = 0; pass < 2; pass++) {
    const signing = signingKeysOf(context.keys)
    let outcome: OpenOutcome
    try {
      outcome = await tokens.run(
        {
          op: 'open',
          token,
          encAlg: key.record.alg,
          enc: config.contEnc,
          sigAlg: config.sigAlg,
          sigKids: signing.kids,
          issuer: context.issuer,
          now: context.now,
        },
        [privateKey, ...signing.publicKeys],
      )
    } catch (err) {
      if (err instanceof TokenJobError && err.refused) throw invalidGrant(err)
      throw err
    }
    if ('claims' in outcome) {
      if (!isClaims(outcome.claims, context.keys.client.kid)) throw invalidGrant()
      return outcome.claims as unknown as RefreshTokenClaims
    }
    if (pass > 0 || (await keyOf('sig', outcome.unknownKid, context)) === undefined) break
  }
  throw invalidGrant()
}
