import type { KeyObject } from 'node:crypto'
import { verifyJws } from '../jose/jws-verify.js'

/** The `typ` header of a refresh token's inner JWS. */
export const REFRESH_TOKEN_TYP = 'rt+jwt'

/** Options of {@link verifyInnerRefreshToken}. */
export interface InnerRefreshTokenOptions {
  /** The issuer's name: both the expected `iss` and `aud`. */
  issuer: string
  /** The client's signing alg, the only one accepted. */
  algorithm: string
  /** The client's public signing key with this id (thumbprint), if it has one. */
  keyFor: (kid: string) => KeyObject | undefined
  /** Milliseconds since the epoch. */
  now: number
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Verifies the inner JWS of a decrypted refresh token: signature by one of the client's
 * signing keys, `typ: 'rt+jwt'`, `iss` and `aud` the issuer's name, `sub` and `jti`
 * strings, `iat` a number, `exp` a number after now (no tolerance), `nbf` (if any) not after
 * now. Throws on any failure (an `UnknownKeyError` for a kid without a key); the caller
 * turns every failure into one `invalid_grant`.
 *
 * @example
 * ```ts
 * const claims = verifyInnerRefreshToken(jws, { issuer: 'JWTIS', algorithm: 'ES256', keyFor, now: Date.now() })
 * ```
 */
export function verifyInnerRefreshToken(jws: string, options: InnerRefreshTokenOptions): Record<string, unknown> {
  const { payload: bytes } = verifyJws(jws, { algorithm: options.algorithm, typ: REFRESH_TOKEN_TYP, keyFor: options.keyFor })
  let payload: unknown
  try {
    payload = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new Error('the refresh token payload is not JSON')
  }
  if (!isObject(payload)) throw new Error('the refresh token payload is not a JSON object')
  const { iss, aud, sub, jti, iat, exp, nbf } = payload
  const now = Math.floor(options.now / 1000)
  if (iss !== options.issuer || aud !== options.issuer) throw new Error('the refresh token is not from and for this issuer')
  if (typeof sub !== 'string' || typeof jti !== 'string') throw new Error('the refresh token lacks sub or jti')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new Error('the refresh token lacks iat')
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new Error('the refresh token lacks exp')
  if (exp <= now) throw new Error('the refresh token has expired')
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) throw new Error('the refresh token is not valid yet')
  return payload
}
