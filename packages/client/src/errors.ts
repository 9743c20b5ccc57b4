import type { ApiErrorCode } from './wire.js'

/**
 * Why an issuer call failed: the issuer API's `error` code, or what went wrong before an
 * answer arrived.
 */
export type IssuerClientErrorCode =
  | ApiErrorCode
  /** No answer: the issuer is unreachable or the connection failed. */
  | 'network_error'
  /** No answer within the client's `timeout`. */
  | 'timeout'
  /** An answer that is not what the API promises (not JSON, wrong shape, a redirect). */
  | 'invalid_response'

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
