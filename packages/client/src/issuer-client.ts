import { IssuerClientError } from './errors.js'
import { type ClientKeysBody, isApiErrorCode, type PublicJwk, type TokenPairBody } from './wire.js'

/** How a renew treats the refresh token it was given (see the issuer's refresh strategies). */
export type RefreshStrategy = 'refreshBoth' | 'refreshOnExpire' | 'noRefresh'

/** A duration: milliseconds, or a Go-style string such as `'15m'`, `'72h'`, `'1h30m'`. */
export type Duration = number | string

/** A token pair from `issue` or `renew`. */
export interface TokenPair {
  /** The token family's id. */
  id: string
  accessToken: string
  refreshToken: string
  /** The access token's `exp`, seconds since the epoch. */
  expiry: number
}

/** The client's current public keys. */
export interface ClientKeys {
  kid: string
  pubSigKey: PublicJwk
  pubEncKey: PublicJwk
  /** When the current signing key rotates, seconds since the epoch. */
  expiry: number
  valid: boolean
}

/** What `issue` takes. */
export interface IssueOptions {
  /** The access token's claims; `sub` is required, `iss`/`iat`/`nbf`/`exp`/`jti` refused. */
  claims: Record<string, unknown>
  /** Shortens the client's access token lifetime (never lengthens it). */
  authTTL?: Duration | undefined
  /** Shortens the client's refresh token lifetime (never lengthens it). */
  refreshTTL?: Duration | undefined
}

/** What `renew` takes besides the refresh token. */
export interface RenewOptions {
  /** Overrides the client's refresh strategy for this renew. */
  strategy?: RefreshStrategy | undefined
}

/** What `revoke` revokes: one refresh token's whole family, or every family of a subject. */
export type RevokeTarget = { token: string } | { sub: string }

/** Options of {@link createIssuerClient}. */
export interface IssuerClientOptions {
  /** Base URL of the issuer API, e.g. `https://id.example.com` (with its mount path, if any). */
  url: string | URL
  /** This client's kid, as registered. */
  kid: string
  /** This client's token, as returned once by the registration. */
  clientToken: string
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined
  /** Milliseconds to wait for each answer before failing with `timeout`. Default 10000. */
  timeout?: number | undefined
  /**
   * Allow a plain `http:` URL on a host other than loopback. Default false: the client token
   * would cross the network in clear text.
   */
  allowHttp?: boolean | undefined
}

/** A typed client of the issuer API, bound to one client kid. */
export interface IssuerClient {
  /** The kid this client acts for. */
  readonly kid: string
  /** Issues an access and refresh token pair for `claims.sub`. */
  issue(options: IssueOptions): Promise<TokenPair>
  /** Renews a pair; fails with `invalid_grant` when the refresh token cannot be renewed. */
  renew(refreshToken: string, options?: RenewOptions): Promise<TokenPair>
  /** Revokes a refresh token's family, or a subject's families; succeeds for unknown tokens. */
  revoke(target: RevokeTarget): Promise<void>
  /** This client's current public keys. */
  keys(): Promise<ClientKeys>
  /** Rotates this client's keys now and returns the new current ones. */
  rotate(): Promise<ClientKeys>
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

function checkOptions(options: IssuerClientOptions): { base: URL; timeout: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('createIssuerClient: options are required')
  let base: URL
  try {
    base = new URL(options.url)
  } catch {
    throw new TypeError('createIssuerClient: url must be an absolute http(s) URL')
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TypeError('createIssuerClient: url must be an absolute http(s) URL')
  }
  if (base.protocol === 'http:' && options.allowHttp !== true && !LOOPBACK.test(base.hostname)) {
    throw new TypeError('createIssuerClient: url must be https (plain http only on loopback, or with allowHttp: true)')
  }
  if (base.username !== '' || base.password !== '' || base.search !== '' || base.hash !== '') {
    throw new TypeError('createIssuerClient: url must not carry credentials, a query or a fragment')
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  if (typeof options.kid !== 'string' || options.kid === '') throw new TypeError('createIssuerClient: kid must be a non-empty string')
  if (typeof options.clientToken !== 'string' || options.clientToken === '') {
    throw new TypeError('createIssuerClient: clientToken must be a non-empty string')
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('createIssuerClient: fetch must be a function')
  }
  const timeout = options.timeout ?? 10_000
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('createIssuerClient: timeout must be a positive number of milliseconds')
  return { base, timeout }
}

/** A duration on the wire: Go-style strings pass as they are; milliseconds become `'…ms'`. */
function wireDuration(value: Duration | undefined, name: string): string | number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value % 1000 === 0 ? value / 1000 : `${Math.round(value)}ms`
  }
  throw new TypeError(`${name} must be a positive number of milliseconds or a string like '15m'`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function badAnswer(status: number, what: string): IssuerClientError {
  return new IssuerClientError(status, 'invalid_response', what)
}

function isTokenPairBody(body: unknown): body is TokenPairBody {
  return (
    isRecord(body) &&
    typeof body['id'] === 'string' &&
    typeof body['access_token'] === 'string' &&
    typeof body['refresh_token'] === 'string' &&
    typeof body['expiry'] === 'number'
  )
}

function isClientKeysBody(body: unknown): body is ClientKeysBody {
  return (
    isRecord(body) &&
    typeof body['kid'] === 'string' &&
    isRecord(body['pub_sig_key']) &&
    isRecord(body['pub_enc_key']) &&
    typeof body['expiry'] === 'number' &&
    typeof body['valid'] === 'boolean'
  )
}

function toTokenPair(status: number, body: unknown): TokenPair {
  if (!isTokenPairBody(body)) throw badAnswer(status, 'the answer is not a token pair')
  return { id: body.id, accessToken: body.access_token, refreshToken: body.refresh_token, expiry: body.expiry }
}

function toClientKeys(status: number, body: unknown): ClientKeys {
  if (!isClientKeysBody(body)) throw badAnswer(status, 'the answer is not a client key set')
  return { kid: body.kid, pubSigKey: body.pub_sig_key, pubEncKey: body.pub_enc_key, expiry: body.expiry, valid: body.valid }
}

/**
 * Creates a typed client of the issuer API for one registered client. It uses only `fetch`,
 * so it runs on Node, Bun, Deno and edge workers, and imports nothing of the server.
 *
 * @example
 * ```ts
 * import { createIssuerClient, IssuerClientError } from '@jwtis/client'
 *
 * const issuer = createIssuerClient({ url: 'https://id.example.com', kid: 'shop', clientToken })
 * const pair = await issuer.issue({ claims: { sub: 'user-42', scope: 'orders:read' }, authTTL: '5m' })
 * try {
 *   const next = await issuer.renew(pair.refreshToken)
 * } catch (err) {
 *   if (err instanceof IssuerClientError && err.code === 'invalid_grant') {
 *     // log the user in again
 *   }
 * }
 * await issuer.revoke({ sub: 'user-42' })
 * ```
 */
export function createIssuerClient(options: IssuerClientOptions): IssuerClient {
  const { base, timeout } = checkOptions(options)
  const { kid, clientToken } = options
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const kidPath = encodeURIComponent(kid)

  async function call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${clientToken}` }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    let response: Response
    try {
      response = await doFetch(new URL(path, base), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        // A redirect could carry the client token elsewhere: never follow one.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      })
    } catch (err) {
      const timedOut = (err as { name?: unknown } | null)?.name === 'TimeoutError'
      throw timedOut
        ? new IssuerClientError(0, 'timeout', `no answer within ${timeout} ms`, { cause: err })
        : new IssuerClientError(0, 'network_error', 'the issuer is unreachable', { cause: err })
    }
    let parsed: unknown
    try {
      parsed = await response.json()
    } catch (err) {
      throw new IssuerClientError(response.status, 'invalid_response', 'the answer is not JSON', { cause: err })
    }
    if (response.ok) return { status: response.status, body: parsed }
    if (isRecord(parsed) && isApiErrorCode(parsed['error'])) {
      const description = typeof parsed['error_description'] === 'string' ? parsed['error_description'] : parsed['error']
      throw new IssuerClientError(response.status, parsed['error'], description)
    }
    throw badAnswer(response.status, `unexpected status ${response.status}`)
  }

  return {
    kid,
    async issue(request) {
      if (!isRecord(request) || !isRecord(request.claims)) throw new TypeError('issue: claims must be an object')
      const body: Record<string, unknown> = { kid, claims: request.claims }
      const authTTL = wireDuration(request.authTTL, 'authTTL')
      const refreshTTL = wireDuration(request.refreshTTL, 'refreshTTL')
      if (authTTL !== undefined) body['auth_ttl'] = authTTL
      if (refreshTTL !== undefined) body['refresh_ttl'] = refreshTTL
      const answer = await call('POST', 'issue_token', body)
      return toTokenPair(answer.status, answer.body)
    },
    async renew(refreshToken, renewOptions = {}) {
      if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('renew: refreshToken must be a non-empty string')
      const body: Record<string, unknown> = { kid, refresh_token: refreshToken }
      if (renewOptions.strategy !== undefined) body['refresh_strategy'] = renewOptions.strategy
      const answer = await call('POST', 'renew_token', body)
      return toTokenPair(answer.status, answer.body)
    },
    async revoke(target) {
      const fields: Record<string, unknown> = isRecord(target) ? target : {}
      const token = fields['token']
      const sub = fields['sub']
      if (typeof token === 'string' && token !== '' && sub === undefined) {
        await call('POST', 'revoke', { kid, token })
      } else if (typeof sub === 'string' && sub !== '' && token === undefined) {
        await call('POST', 'revoke', { kid, sub })
      } else {
        throw new TypeError('revoke: give { token } or { sub }, a non-empty string')
      }
    },
    async keys() {
      const answer = await call('GET', `keys/${kidPath}`)
      return toClientKeys(answer.status, answer.body)
    },
    async rotate() {
      const answer = await call('POST', `keys/${kidPath}/rotate`, {})
      return toClientKeys(answer.status, answer.body)
    },
  }
}
