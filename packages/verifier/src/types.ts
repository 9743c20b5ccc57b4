import type { KeySourceStatus } from './key-source.js'

/** The protected header of a verified token. */
export interface JwtHeader {
  /** The signing algorithm, one of the allow-list. */
  alg: string
  /** The key id, when the token names one. */
  kid?: string
  /** The media type, e.g. `at+jwt`. */
  typ?: string
  [member: string]: unknown
}

/** The claims of a verified token. Registered claims have their RFC 7519 types. */
export interface JwtPayload {
  /** Issuer. */
  iss?: string
  /** Subject. */
  sub?: string
  /** Audience: one or several. */
  aud?: string | string[]
  /** Expiry, in seconds since the epoch. Always present in a verified payload. */
  exp?: number
  /** Not before, in seconds since the epoch. */
  nbf?: number
  /** Issued at, in seconds since the epoch. */
  iat?: number
  /** Token id. */
  jti?: string
  [claim: string]: unknown
}

/** What {@link Verifier.verify} resolves with. */
export interface VerifyResult<Payload extends JwtPayload = JwtPayload> {
  /** The verified claims, as plain data. */
  payload: Payload
  /** The verified protected header, as plain data; frozen, since tokens with equal headers share it. */
  protectedHeader: JwtHeader
}

/** Health of one key source of a verifier. */
export interface VerifierSourceStatus extends KeySourceStatus {
  /** The issuer whose tokens this source verifies. */
  issuer: string
  /** Where the keys come from: the JWKS or discovery URL, or `'keys'`, `'jwks'`, `'secret'`. */
  source: string
}

/** Health of a verifier, for readiness probes. */
export interface VerifierStatus {
  /** Every key source has usable keys loaded. */
  loaded: boolean
  /** Every key source's keys are within their freshness lifetime. */
  fresh: boolean
  /** Each key source, in the order of the options. */
  sources: VerifierSourceStatus[]
}

/** A configured verifier. Build one per application and reuse it. */
export interface Verifier {
  /**
   * Verifies a compact JWS and its claims. Rejects with a `VerifyError` whose `code` says
   * why; `ERR_KEYS_UNAVAILABLE` means the keys could not be obtained, not that the token
   * is bad.
   */
  verify<Payload extends JwtPayload = JwtPayload>(token: string): Promise<VerifyResult<Payload>>
  /** Health of the key sources. */
  status(): VerifierStatus
  /** Stops background key refreshes and timers and empties the verified-token cache. */
  close(): void
}
