/**
 * Why a request was refused. Each code has one HTTP status (see {@link AUTH_ERROR_STATUS});
 * it is also the `error` of the JSON body and, for the RFC 6750 codes, of the
 * `WWW-Authenticate` header.
 */
export type AuthErrorCode =
  /** No token at all, or another scheme such as Basic (401, `WWW-Authenticate` without an error code). */
  | 'unauthorized'
  /** Malformed request: `Bearer` without a token, extra parts, two Authorization headers (400). */
  | 'invalid_request'
  /** The token is bad: malformed, forged, expired, wrong issuer or audience (401). */
  | 'invalid_token'
  /** The token lacks a required scope or claim value (403). */
  | 'insufficient_scope'
  /** A resource link for another resource than the one requested (403). */
  | 'access_denied'
  /** A resource link past its expiry (410). */
  | 'link_expired'
  /** Keys or the issuer cannot be reached: JWKS down with nothing cached, issuer down during a renew (503). */
  | 'temporarily_unavailable'

/** The one table from a refusal to its HTTP status. */
export const AUTH_ERROR_STATUS: Readonly<Record<AuthErrorCode, number>> = Object.freeze({
  unauthorized: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  link_expired: 410,
  temporarily_unavailable: 503,
})

/** Options of {@link AuthError}. */
export interface AuthErrorOptions {
  /** Response headers the refusal needs (`WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>
  /** The underlying error (a `VerifyError`, an `IssuerClientError`). Never carries the token. */
  cause?: unknown
}

/**
 * The one error class of `@jwtis/express`: what `next(err)` receives with
 * `passErrors: true`. `status` (also as `statusCode`, which Express's own error handler
 * reads) and `headers` say how to answer; `code` and `message` are the JSON body's `error`
 * and `error_description`. The message never holds the token.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (!isAuthError(err)) return next(err)
 *   res.status(err.status).set(err.headers).json({ error: err.code, error_description: err.message })
 * })
 * ```
 */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  readonly status: number
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = AUTH_ERROR_STATUS[code]
    this.statusCode = this.status
    this.headers = Object.freeze({ ...options.headers })
  }

  /** The JSON body of the answer. */
  toJSON(): { error: AuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.message }
  }
}

/** True when `err` is an {@link AuthError}, optionally with one of the given codes. */
export function isAuthError(err: unknown, ...codes: AuthErrorCode[]): err is AuthError {
  return err instanceof AuthError && (codes.length === 0 || codes.includes(err.code))
}
