/**
 * The issuer API's JSON, as it crosses the wire: the one definition that the issuer's HTTP
 * layer writes and this client reads. Field names are the API's (snake_case); the client
 * turns them into the camelCase results of its methods.
 */

/** Every `error` code of the API's JSON errors, each with its one HTTP status. */
export type ApiErrorCode =
  /** The request is malformed or invalid: a bad field, duration, alg, bit size or claim (400). */
  | 'invalid_request'
  /** The admin or client token is missing or wrong (401). */
  | 'invalid_client'
  /** The refresh token cannot be renewed: malformed, expired, revoked, reused, foreign (401). */
  | 'invalid_grant'
  /** Authenticated, but acting on another client's kid (403). */
  | 'access_denied'
  /** No such client or route (404). */
  | 'not_found'
  /** The kid is registered already (409). */
  | 'client_exists'
  /** The request body was over 64 KiB (413). */
  | 'request_too_large'
  /** Asked again too soon, e.g. a client rotating its keys twice within a minute (429, `Retry-After`). */
  | 'slow_down'
  /** The issuer's store or keys are unavailable (503). */
  | 'temporarily_unavailable'
  /** The issuer failed unexpectedly; the description never carries the cause (500). */
  | 'server_error'

/** The HTTP status of each API error code: the one table both sides read. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = Object.freeze({
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 401,
  access_denied: 403,
  not_found: 404,
  client_exists: 409,
  request_too_large: 413,
  slow_down: 429,
  temporarily_unavailable: 503,
  server_error: 500,
})

/** True when `code` is one of the API's own error codes. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERROR_STATUS, code)
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  error: ApiErrorCode
  /** Safe to show: never a token, a password or key material. */
  error_description: string
}

/** A public JWK as the issuer publishes it. */
export type PublicJwk = Record<string, unknown> & { kty: string; kid: string }

/** The answer of `POST /issue_token` and `POST /renew_token`. */
export interface TokenPairBody {
  /** The token family's id. */
  id: string
  access_token: string
  /** The same as `access_token`, under the name clients of the original jwtis read. */
  auth_token: string
  refresh_token: string
  /** The access token's `exp`, seconds since the epoch. */
  expiry: number
}

/** The answer of `GET /keys/:kid` and `POST /keys/:kid/rotate`. */
export interface ClientKeysBody {
  kid: string
  pub_sig_key: PublicJwk
  pub_enc_key: PublicJwk
  /** When the current signing key rotates, seconds since the epoch. */
  expiry: number
  /** The keys are usable now. */
  valid: boolean
}

/** The answer of `POST /register/:kid`: the client token is shown this once. */
export interface RegisteredClientBody extends ClientKeysBody {
  client_token: string
}
