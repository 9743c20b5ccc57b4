/**
 * Every reason the issuer refuses a call. The codes are the `error` of the HTTP API's JSON
 * errors; `http/status.ts` maps each to its status in one table.
 */
export type IssuerErrorCode =
  /** Malformed or invalid input: a bad field, duration, alg, bit size or claim (400). */
  | 'invalid_request'
  /** Missing or wrong admin or client token (401). */
  | 'invalid_client'
  /** A refresh token that cannot be renewed: malformed, expired, revoked, reused, foreign (401). */
  | 'invalid_grant'
  /** Authenticated, but acting on another client's kid (403). */
  | 'access_denied'
  /** No such client or route (404). */
  | 'not_found'
  /** The client kid is registered already (409). */
  | 'client_exists'
  /** The request body is over 64 KiB (413). */
  | 'request_too_large'
  /** Asked again too soon, e.g. a client rotating its keys twice within a minute (429, `Retry-After`). */
  | 'slow_down'
  /** The store or keys are not available (503). */
  | 'temporarily_unavailable'
  /** Anything unexpected; the description never carries the cause (500). */
  | 'server_error'

/**
 * The one error class of `@jwtis/issuer`. The message is safe to show to the caller: it
 * never carries a token, a password or key material.
 */
export class IssuerError extends Error {
  override readonly name = 'IssuerError'
  readonly code: IssuerErrorCode

  constructor(code: IssuerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The one message for every refresh token that cannot be renewed, so none leaks why. */
export const INVALID_GRANT_MESSAGE = 'the refresh token is invalid, expired or revoked'
