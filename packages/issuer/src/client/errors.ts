/**
 * Why an issuer call failed: the issuer API's `error` code, or what went wrong before an
 * answer arrived.
 */
export type IssuerClientErrorCode =
  /** The issuer refused the request as malformed (400). */
  | 'invalid_request'
  /** The client token is missing or wrong (401). */
  | 'invalid_client'
  /** The refresh token cannot be renewed: malformed, expired, revoked, reused, foreign (401). */
  | 'invalid_grant'
  /** The client acted on another client's kid (403). */
  | 'access_denied'
  /** No such client (404). */
  | 'not_found'
  /** The kid is registered already (409). */
  | 'client_exists'
  /** The request body was over 64 KiB (413). */
  | 'request_too_large'
  /** Asked again too soon, e.g. a second rotation within a minute (429). */
  | 'slow_down'
  /** The issuer's store or keys are unavailable (503). */
  | 'temporarily_unavailable'
  /** The issuer failed unexpectedly (500). */
  | 'server_error'
  /** No answer: the issuer is unreachable or the connection failed. */
  | 'network_error'
  /** No answer within the client's `timeout`. */
  | 'timeout'
  /** An answer that is not what the API promises (not JSON, wrong shape, a redirect). */
  | 'invalid_response'

const API_CODES: ReadonlySet<string> = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'access_denied',
  'not_found',
  'client_exists',
  'request_too_large',
  'slow_down',
  'temporarily_unavailable',
  'server_error',
])

/** True when `code` is one of the API's own error codes. */
export function isApiErrorCode(code: unknown): code is IssuerClientErrorCode {
  return typeof code === 'string' && API_CODES.has(code)
}

/**
 * The one error class of the issuer client. `status` is the HTTP status (0 when no answer
 * arrived), `code` the API's `error` (or a client-side code), `description` the API's
 * `error_description`. The message never holds a token.
 */
export class IssuerClientError extends Error {
  override readonly name = 'IssuerClientError'
  readonly status: number
  readonly code: IssuerClientErrorCode
  readonly description: string

  constructor(status: number, code: IssuerClientErrorCode, description: string, options?: { cause?: unknown }) {
    super(status === 0 ? `issuer call failed (${code}): ${description}` : `issuer answered ${status} ${code}: ${description}`, options)
    this.status = status
    this.code = code
    this.description = description
  }
}
