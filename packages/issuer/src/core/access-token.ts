import { randomToken } from '../crypto/secrets.js'
import type { Audience } from './audience.js'
import type { LoadedKey } from './client-keys.js'
import type { SignSpec } from './token-jobs.js'

/** The `typ` header of access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt'

/** What an access token says, beyond the times the issuer sets. */
export interface AccessTokenInput {
  /** The `iss`. */
  issuer: string
  /** The requesting client's kid, the `client_id` claim. */
  clientKid: string
  /** The `aud` when the claims set none: the client's registered audience or its kid. */
  audience: Audience
  sub: string
  /** Custom claims (an `aud`, checked to narrow `audience`, takes its place). */
  custom: Readonly<Record<string, unknown>>
  /** Milliseconds since the epoch. */
  now: number
  /** Milliseconds. */
  ttl: number
}

/**
 * The job that signs an access token: JWS `{alg, kid, typ: 'at+jwt'}` with `iss`, `sub`,
 * `aud`, `client_id`, `iat`, `nbf`, `exp`, `jti` and the custom claims; and its `exp`.
 *
 * @example
 * ```ts
 * const { job, exp } = accessTokenJob(set.sig.current, { issuer: 'JWTIS', clientKid: 'shop', audience: 'shop', sub: 'u1', custom: {}, now: Date.now(), ttl: 900_000 })
 * ```
 */
export function accessTokenJob(key: LoadedKey, input: AccessTokenInput): { job: SignSpec; exp: number } {
  const iat = Math.floor(input.now / 1000)
  const exp = Math.floor((input.now + input.ttl) / 1000)
  const { aud, ...custom } = input.custom
  // Custom claims first, so that nothing in them can displace what the issuer asserts.
  const payload = {
    ...custom,
    iss: input.issuer,
    sub: input.sub,
    aud: aud ?? input.audience,
    client_id: input.clientKid,
    iat,
    nbf: iat,
    exp,
    jti: randomToken(16),
  }
  const header = JSON.stringify({ alg: key.record.alg, kid: key.record.id, typ: ACCESS_TOKEN_TYP })
  return { job: { alg: key.record.alg, header, payload: JSON.stringify(payload) }, exp }
}
