/**
 * Every way a verification can fail. Callers `switch (err.code)`; the set only grows.
 *
 * `ERR_KEYS_UNAVAILABLE` is deliberately apart from the token errors: it means the keys
 * could not be obtained (JWKS endpoint down and nothing cached), so the token may well be
 * good and an HTTP layer should answer 503, not 401.
 */
export type VerifyErrorCode =
  /** Not a compact JWS: wrong number of parts, bad base64url, bad JSON, duplicate members. */
  | 'ERR_TOKEN_MALFORMED'
  /** Longer than `maxTokenLength`. */
  | 'ERR_TOKEN_TOO_LONG'
  /** `none`, an alg outside the allow-list, or an alg that does not fit the key. */
  | 'ERR_ALG_NOT_ALLOWED'
  /** A header the verifier refuses: `crit` it does not understand, `b64: false`. */
  | 'ERR_HEADER_UNSUPPORTED'
  /** The `typ` header is not the expected one. */
  | 'ERR_TYP_MISMATCH'
  /** No key of the source matches the token's `kid` (and alg). */
  | 'ERR_KID_UNKNOWN'
  /** The token's `kid` names two different keys of the JWKS: refused rather than picking one. */
  | 'ERR_KID_AMBIGUOUS'
  /** The signature does not verify. */
  | 'ERR_SIGNATURE_INVALID'
  /** `exp` is in the past (beyond the clock tolerance). */
  | 'ERR_TOKEN_EXPIRED'
  /** `nbf` (or `iat`) is in the future (beyond the clock tolerance). */
  | 'ERR_TOKEN_NOT_YET_VALID'
  /** `iat` is older than `maxTokenAge`. */
  | 'ERR_TOKEN_TOO_OLD'
  /** A claim has the wrong value or type (`iss`, `aud`, ...); `claim` names it. */
  | 'ERR_CLAIM_INVALID'
  /** A required claim is absent; `claim` names it. */
  | 'ERR_CLAIM_MISSING'
  /** With `issuers: [...]`: the token's `iss` is none of them. */
  | 'ERR_ISSUER_UNKNOWN'
  /** The keys could not be obtained: endpoint down, timed out or invalid, and nothing cached. */
  | 'ERR_KEYS_UNAVAILABLE'

/** Options of {@link VerifyError}. */
export interface VerifyErrorOptions {
  /** The claim at fault, for `ERR_CLAIM_INVALID` and `ERR_CLAIM_MISSING`. */
  claim?: string
  /** The underlying error, if any. Never carries the token. */
  cause?: unknown
}

/**
 * The one error class of `@jwtis/verifier`. Its message never contains the token or key
 * material.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token)
 * } catch (err) {
 *   if (err instanceof VerifyError && err.code === 'ERR_KEYS_UNAVAILABLE') retryLater()
 *   else throw err
 * }
 * ```
 */
export class VerifyError extends Error {
  override readonly name = 'VerifyError'
  /** Stable machine-readable reason. */
  readonly code: VerifyErrorCode
  /** The claim at fault, when the code is about a claim. */
  readonly claim: string | undefined

  constructor(code: VerifyErrorCode, message: string, options: VerifyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.claim = options.claim
  }
}

/** True when `err` is a {@link VerifyError}, optionally with one of the given codes. */
export function isVerifyError(err: unknown, ...codes: VerifyErrorCode[]): err is VerifyError {
  return err instanceof VerifyError && (codes.length === 0 || codes.includes(err.code))
}
