import { API_ERROR_STATUS, type ApiErrorBody } from '@jwtis/client'
import { IssuerError, type IssuerErrorCode } from '../errors.js'
import { StoreError } from '../store/errors.js'

/**
 * The one table from an issuer error code to its HTTP status: the API's wire table, which
 * the client reads too. Typing it by `IssuerErrorCode` makes a code the wire does not know
 * a compile error.
 */
export const HTTP_STATUS: Readonly<Record<IssuerErrorCode, number>> = API_ERROR_STATUS

/** The `Retry-After` of a 503, in seconds: about how long a database restart or failover takes to be noticed. */
export const RETRY_AFTER_SECONDS = 2

/** The JSON body of every error answer of the HTTP API. */
export type ErrorBody = ApiErrorBody

/** An error answer: status, extra headers and body. */
export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  body: ErrorBody
  /** The cause was not a refusal of the issuer but a failure: worth a server-side log line. */
  internal: boolean
}

const GENERIC_DESCRIPTION = 'the issuer failed to handle the request'

// Express and its parsers flag the caller's mistakes (e.g. a badly %-encoded path) with a 4xx
// `status`; their messages may echo the input, so only the fact is kept.
function isCallerMistake(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500
}

/**
 * Maps any thrown value to the answer the caller sees. An `IssuerError` keeps its code and
 * message (which never carry secrets); a `StoreError` is a 503; anything else a 500. Every 503 carries `Retry-After`. Only
 * fixed descriptions stand in for other errors, so no stack trace or library message
 * reaches the caller.
 *
 * @example
 * ```ts
 * const { status, body } = toErrorResponse(new IssuerError('not_found', 'no client "shop"'))
 * // status 404, body { error: 'not_found', error_description: 'no client "shop"' }
 * ```
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  let code: IssuerErrorCode = 'server_error'
  let description = GENERIC_DESCRIPTION
  let internal = false
  let retryAfter: number | undefined
  if (err instanceof IssuerError && Object.hasOwn(HTTP_STATUS, err.code)) {
    code = err.code
    description = err.message
    internal = code === 'server_error'
    retryAfter = err.retryAfter
  } else if (isCallerMistake(err)) {
    code = 'invalid_request'
    description = 'the request is malformed'
  } else if (err instanceof StoreError) {
    // Its message names the file or host: for the operator's log, not the caller.
    code = 'temporarily_unavailable'
    description = 'the store is unavailable; try again later'
    internal = true
  } else {
    internal = true
  }
  const status = HTTP_STATUS[code]
  const headers: Record<string, string> = {}
  // RFC 6750 / RFC 6749: a 401 names the scheme the caller must use.
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="jwtis"'
  if (retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfter)))
  // The store is away or the issuer is stopping: another try (or instance) soon may succeed.
  else if (status === 503) headers['Retry-After'] = String(RETRY_AFTER_SECONDS)
  return { status, headers, body: { error: code, error_description: description }, internal }
}
