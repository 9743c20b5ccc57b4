import { CompactEncrypt, CompactSign, compactDecrypt, decodeProtectedHeader } from 'jose'
import { INVALID_GRANT_MESSAGE, IssuerError } from '../errors.js'
import type { ClientKeySet, LoadedKey } from './client-keys.js'
import { REFRESH_TOKEN_TYP, verifyInnerRefreshToken } from './inner-refresh-token.js'

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
  /** Access token lifetime of the renewed tokens, seconds. */
  att: number
  /** Sliding refresh lifetime of the family, seconds. */
  rtt: number
}

/** The keys and settings that make a refresh token. */
export interface RefreshTokenKeys {
  signingKey: LoadedKey
  encryptionKey: LoadedKey
  /** JWE content encryption, e.g. `A256GCM`. */
  contEnc: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Makes a refresh token: the claims signed as a JWS `{alg, kid, typ: 'rt+jwt'}`, then
 * encrypted as a compact JWE `{alg, enc, kid, cty: 'JWT'}` to the client's encryption key,
 * whose private half only the issuer holds.
 *
 * @example
 * ```ts
 * const token = await sealRefreshToken(claims, { signingKey, encryptionKey, contEnc: 'A256GCM' })
 * ```
 */
export async function sealRefreshToken(claims: RefreshTokenClaims, keys: RefreshTokenKeys): Promise<string> {
  const inner = await new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: keys.signingKey.record.alg, kid: keys.signingKey.record.id, typ: REFRESH_TOKEN_TYP })
    .sign(keys.signingKey.privateKey())
  return new CompactEncrypt(encoder.encode(inner))
    .setProtectedHeader({
      alg: keys.encryptionKey.record.alg,
      enc: keys.contEnc,
      kid: keys.encryptionKey.record.id,
      cty: 'JWT',
    })
    .encrypt(keys.encryptionKey.publicKey)
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

/**
 * Opens a refresh token presented by a client: decrypts it with that client's own
 * encryption keys (current, next or retired) and verifies the inner JWS with that client's
 * signing keys. Every failure is `IssuerError('invalid_grant')` with one message.
 *
 * @example
 * ```ts
 * const claims = await openRefreshToken(token, { keys, reload, issuer: 'JWTIS', now: Date.now() })
 * ```
 */
export async function openRefreshToken(token: unknown, context: OpenRefreshTokenContext): Promise<RefreshTokenClaims> {
  if (typeof token !== 'string' || token.length > MAX_REFRESH_TOKEN_LENGTH || token.split('.').length !== 5) {
    throw invalidGrant()
  }
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>
  } catch (err) {
    throw invalidGrant(err)
  }
  if (typeof header['kid'] !== 'string' || header['cty'] !== 'JWT') throw invalidGrant()
  const found = await keyOf('enc', header['kid'], context)
  if (found === undefined) throw invalidGrant()
  const { key, keys } = found
  const config = keys.client.config
  if (header['alg'] !== key.record.alg || header['enc'] !== config.contEnc) throw invalidGrant()
  // Outside the try: a key that no longer unseals is the issuer's fault, not the token's.
  const privateKey = key.privateKey()
  let inner: string
  try {
    const { plaintext } = await compactDecrypt(token, privateKey, {
      keyManagementAlgorithms: [key.record.alg],
      contentEncryptionAlgorithms: [config.contEnc],
    })
    inner = decoder.decode(plaintext)
  } catch (err) {
    throw invalidGrant(err)
  }
  let payload: Record<string, unknown>
  try {
    payload = await verifyInnerRefreshToken(inner, {
      issuer: context.issuer,
      algorithm: config.sigAlg,
      keyFor: async (kid) => (await keyOf('sig', kid, context))?.key.publicKey,
      now: context.now,
    })
  } catch (err) {
    throw invalidGrant(err)
  }
  if (!isClaims(payload, keys.client.kid)) throw invalidGrant()
  return payload as unknown as RefreshTokenClaims
}
