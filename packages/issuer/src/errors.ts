/**
 * The public errors of `@jwtis/issuer`, gathered: `IssuerError` for every refusal of the
 * issuer's API, `StoreError` for a store that cannot serve, `KeyringError` for a password
 * that does not unlock the store or a record altered without it. The last two are defined
 * beside what throws them (the stores and the keyring sit below the issuer and import none
 * of it) and re-exported here, so this is the one place to look.
 *
 * The codes of `IssuerError` are wire values: each is the `error` member of the HTTP API's
 * JSON errors. Where OAuth 2.0 has a code for the case, it is that code: RFC 6749 section
 * 5.2 (`invalid_request`, `invalid_client`, `invalid_grant`), section 4.1.2.1
 * (`access_denied`, `server_error`, `temporarily_unavailable`) and RFC 8628 section 3.5
 * (`slow_down`), so an OAuth client library reads them without a mapping; `not_found`,
 * `client_exists` and `request_too_large` are the issuer's own. The type is the API's, from
 * `@jwtis/client`: the client and the issuer cannot disagree on it.
 */
import type { ApiErrorCode } from '@jwtis/client'

export { KeyringError, type KeyringErrorCode } from './crypto/keyring.js'
export { StoreError, type StoreErrorCode } from './store/errors.js'

/**
 * Every reason the issuer refuses a call: the API's error codes. `http/status.ts` maps each
 * to its HTTP status in one table.
 */
export type IssuerErrorCode = ApiErrorCode

/**
 * A client setting or request field an `invalid_request` is about, as the library names it
 * (the keys of `ClientSettings` and `IssueRequest`). The HTTP API names them in snake case
 * (`auth_ttl`), the CLI as flags (`--authTTL`).
 */
export type IssuerErrorField =
  | 'sigAlg'
  | 'sigBits'
  | 'encAlg'
  | 'encBits'
  | 'contEnc'
  | 'keyExpiry'
  | 'authTTL'
  | 'refreshTTL'
  | 'familyTTL'
  | 'refreshStrategy'

/**
 * The one error class of the issuer's API. The message is safe to show to the caller: it
 * never carries a token, a password or key material. When `field` is set, the message is
 * the field's API name, a space, and what is wrong with it (`auth_ttl must be ...`), so
 * each layer can name the field its own way.
 *
 * @example
 * ```ts
 * try {
 *   await issuer.issue('shop', { claims: { sub: 'user-1' }, authTTL: 10 })
 * } catch (err) {
 *   if (err instanceof IssuerError && err.field === 'authTTL') console.error(err.message)
 * }
 * ```
 */
export class IssuerError extends Error {
  override readonly name = 'IssuerError'
  readonly code: IssuerErrorCode
  /** For `slow_down` and `temporarily_unavailable`: seconds after which a retry may succeed. */
  readonly retryAfter: number | undefined
  /** The setting or field at fault, for `invalid_request`; undefined when the request as a whole is. */
  readonly field: IssuerErrorField | undefined

  constructor(
    code: IssuerErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfter?: number; field?: IssuerErrorField },
  ) {
    super(message, options)
    this.code = code
    this.retryAfter = options?.retryAfter
    this.field = options?.field
  }
}

/** The API (snake case) name of each field, as messages and the HTTP API write it. */
export const FIELD_API_NAMES: Readonly<Record<IssuerErrorField, string>> = Object.freeze({
  sigAlg: 'sig_alg',
  sigBits: 'sig_bits',
  encAlg: 'enc_alg',
  encBits: 'enc_bits',
  contEnc: 'cont_enc',
  keyExpiry: 'expiry',
  authTTL: 'auth_ttl',
  refreshTTL: 'refresh_ttl',
  familyTTL: 'family_ttl',
  refreshStrategy: 'refresh_strategy',
})

/**
 * An `invalid_request` about one field: the message names it as the API does.
 *
 * @example
 * ```ts
 * throw invalidField('authTTL', 'must be a duration of at least 1s') // "auth_ttl must be ..."
 * ```
 */
export function invalidField(field: IssuerErrorField, problem: string): IssuerError {
  return new IssuerError('invalid_request', `${FIELD_API_NAMES[field]} ${problem}`, { field })
}

/** What is wrong with the field of a field error: its message after the field's API name. */
export function fieldProblem(err: IssuerError): string {
  return err.field === undefined ? err.message : err.message.slice(FIELD_API_NAMES[err.field].length + 1)
}

/** The one message for every refresh token that cannot be renewed, so none leaks why. */
export const INVALID_GRANT_MESSAGE = 'the refresh token is invalid, expired or revoked'
