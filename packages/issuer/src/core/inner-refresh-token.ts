import type { KeyObject } from 'node:crypto'
import { type JWTPayload, jwtVerify } from 'jose'

/** The `typ` header of a refresh token's inner JWS. */
export const REFRESH_TOKEN_TYP = 'rt+jwt'

/** Options of {@link verifyInnerRefreshToken}. */
export interface InnerRefreshTokenOptions {
  /** The issuer's name: both the expected `iss` and `aud`. */
  issuer: string
  /** The client's signing alg, the only one accepted. */
  algorithm: string
  /** The client's public signing key with this id (thumbprint), if it has one. */
  keyFor: (kid: string) => Promise<KeyObject | undefined>
  /** Milliseconds since the epoch. */
  now: number
}

/**
 * Verifies the inner JWS of a decrypted refresh token: signature by one of the client's
 * signing keys, `typ: 'rt+jwt'`, `iss` and `aud` the issuer's name, not expired. Rejects on
 * any failure; the caller turns every failure into one `invalid_grant`.
 *
 * @example
 * ```ts
 * const claims = await verifyInnerRefreshToken(jws, { issuer: 'JWTIS', algorithm: 'ES256', keyFor, now: Date.now() })
 * ```
 */
export async function verifyInnerRefreshToken(jws: string, options: InnerRefreshTokenOptions): Promise<JWTPayload> {
  const { payload } = await jwtVerify(
    jws,
    async (header) => {
      const key = typeof header.kid === 'string' ? await options.keyFor(header.kid) : undefined
      if (key === undefined) throw new Error('unknown signing key')
      return key
    },
    {
      issuer: options.issuer,
      audience: options.issuer,
      typ: REFRESH_TOKEN_TYP,
      algorithms: [options.algorithm],
      currentDate: new Date(options.now),
      clockTolerance: 0,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    },
  )
  return payload
}
