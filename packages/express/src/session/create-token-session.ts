import { type Duration, IssuerClientError, type TokenPair } from '@jwtis/client'
import { parseDuration } from '@jwtis/verifier'
import type { Request, RequestHandler, Response } from 'express'
import { bearerError, unavailableError } from '../challenge.js'
import { isLinkToken } from '../links/link-claim.js'
import { type AuthOptions, resolveAuthOptions } from '../authenticate.js'
import { readCookie } from '../extract/cookies.js'
import { connectIssuer, type IssuerConnectionOptions, isOutage } from '../issuer-connection.js'
import { failureHandler } from '../respond.js'
import type { AuthPayload, AuthResult } from '../types.js'
import { resolveVerifier, type VerifierInput } from '../verifier-option.js'
import { toAuthError } from '../verify-errors.js'
import { clearingCookie, type CookieAttributes, serializeCookie } from './set-cookie.js'
import { createSingleFlight } from './single-flight.js'

/** The cookies of a token session. Both are always `HttpOnly`. */
export interface TokenSessionCookies {
  /** Name of the access token cookie. Default `'jwtis_at'`. */
  access?: string | undefined
  /** Name of the refresh token cookie. Default `'jwtis_rt'`. */
  refresh?: string | undefined
  /** Cookie `Path`. Default `'/'`. */
  path?: string | undefined
  /** Cookie `Domain`. Default: none (the host that set it only). */
  domain?: string | undefined
  /** Cookie `SameSite`. Default `'lax'`; `'none'` needs https. */
  sameSite?: 'strict' | 'lax' | 'none' | undefined
  /**
   * Cookie lifetime: milliseconds or a string like `'72h'`; match it to the client's refresh
   * TTL. Default: browser-session cookies (gone when the browser closes).
   */
  maxAge?: Duration | undefined
  /** `Secure`: true, false, or `'auto'` (set on https requests, `req.secure`). Default `'auto'`. */
  secure?: boolean | 'auto' | undefined
}

/** Options of {@link createTokenSession}. */
export interface TokenSessionOptions extends IssuerConnectionOptions, Pick<AuthOptions, 'realm' | 'retryAfter'> {
  /** Verifies access tokens locally: a verifier, or options to build one. */
  verifier: VerifierInput
  /** Cookie names and attributes. */
  cookies?: TokenSessionCookies | undefined
  /** Hand refusals to `next(err)` instead of answering them. Default false. */
  passErrors?: boolean | undefined
  /**
   * Milliseconds a renew's result stays shared with requests that still carry the old
   * refresh cookie. Default 10000 (the issuer's default grace window).
   */
  renewHold?: number | undefined
}

/** What `login` takes besides the claims. */
export interface LoginOptions {
  /** Shortens the access token lifetime (never lengthens it). */
  authTTL?: Duration | undefined
  /** Shortens the refresh token lifetime (never lengthens it). */
  refreshTTL?: Duration | undefined
}

/** A token session: cookies that hold a token pair, renewed through the issuer when needed. */
export interface TokenSession {
  /** Issues a pair for `claims.sub` and sets both cookies on `res`. Rejects with an `IssuerClientError`. */
  login(res: Response, claims: Record<string, unknown>, options?: LoginOptions): Promise<TokenPair>
  /** Middleware: verifies the access cookie, renews once when it has expired, sets `req.auth`. */
  middleware(): RequestHandler
  /** Revokes the session's token family and clears both cookies. Rejects when the issuer cannot revoke. */
  logout(req: Request, res: Response): Promise<void>
}

const SAME_SITE = { strict: 'Strict', lax: 'Lax', none: 'None' } as const
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function checkCookies(cookies: TokenSessionCookies): { access: string; refresh: string; base: Omit<CookieAttributes, 'secure'>; secure: boolean | 'auto' } {
  const where = 'createTokenSession'
  const access = cookies.access ?? 'jwtis_at'
  const refresh = cookies.refresh ?? 'jwtis_rt'
  for (const name of [access, refresh]) {
    if (typeof name !== 'string' || !COOKIE_NAME.test(name)) throw new TypeError(`${where}: cookie names must be cookie tokens`)
  }
  if (access === refresh) throw new TypeError(`${where}: the access and refresh cookies need different names`)
  const path = cookies.path ?? '/'
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s]/.test(path)) throw new TypeError(`${where}: cookies.path must be a path`)
  const domain = cookies.domain
  if (domain !== undefined && (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+$/.test(domain))) {
    throw new TypeError(`${where}: cookies.domain must be a host name`)
  }
  const sameSite = SAME_SITE[cookies.sameSite ?? 'lax']
  if (sameSite === undefined) throw new TypeError(`${where}: cookies.sameSite must be 'strict', 'lax' or 'none'`)
  const secure = cookies.secure ?? 'auto'
  if (secure !== 'auto' && typeof secure !== 'boolean') throw new TypeError(`${where}: cookies.secure must be true, false or 'auto'`)
  if (sameSite === 'None' && secure === false) throw new TypeError(`${where}: SameSite=None cookies must be Secure`)
  const maxAge = cookies.maxAge === undefined ? undefined : Math.ceil(parseDuration(cookies.maxAge, `${where}: cookies.maxAge`) / 1000)
  return { access, refresh, base: { path, domain, sameSite, maxAge }, secure }
}

/**
 * Creates a token session: `login` issues a pair through the issuer and keeps it in two
 * `HttpOnly` cookies; `middleware()` verifies the access cookie locally and, when it has
 * expired and a refresh cookie is present, renews through the issuer once for every
 * concurrent request of the session; `logout` revokes the family and clears the cookies.
 * An issuer that cannot be reached during a renew gives 503 with `Retry-After`, and the
 * cookies stay: the user is not logged out by an outage.
 *
 * @example
 * ```ts
 * const session = createTokenSession({
 *   issuerUrl: 'https://id.example.com', kid: 'shop', clientToken: process.env.SHOP_CLIENT_TOKEN!,
 *   verifier: { issuer: 'JWTIS', audience: 'shop', jwksUri: 'https://id.example.com/jwks/shop' },
 *   cookies: { sameSite: 'strict', maxAge: '72h' },
 * })
 * app.post('/login', async (req, res) => {
 *   const user = await checkPassword(req.body)
 *   await session.login(res, { sub: user.id, scope: 'orders:read' })
 *   res.redirect('/')
 * })
 * app.use('/account', session.middleware())
 * app.post('/logout', async (req, res) => {
 *   await session.logout(req, res)
 *   res.redirect('/')
 * })
 * ```
 */
export function createTokenSession(options: TokenSessionOptions): TokenSession {
  const where = 'createTokenSession'
  const issuer = connectIssuer(where, options)
  const verifier = resolveVerifier(options.verifier, where)
  const { challenge, retryAfter } = resolveAuthOptions(where, options)
  const names = checkCookies(options.cookies ?? {})
  const holdMs = options.renewHold ?? 10_000
  if (!Number.isFinite(holdMs) || holdMs < 0) throw new TypeError(`${where}: renewHold must be a non-negative number of milliseconds`)
  const passErrors = options.passErrors === true
  const renewals = createSingleFlight<TokenPair>({ holdMs, max: 10_000 })

  function attributes(req: Request): CookieAttributes {
    return { ...names.base, secure: names.secure === 'auto' ? req.secure : names.secure }
  }

  function setPair(res: Response, pair: TokenPair): void {
    const attrs = attributes(res.req)
    res.append('Set-Cookie', [serializeCookie(names.access, pair.accessToken, attrs), serializeCookie(names.refresh, pair.refreshToken, attrs)])
    // A shared cache must never keep an answer that sets a session.
    res.setHeader('Cache-Control', 'no-store')
  }

  function clearPair(req: Request, res: Response): void {
    const attrs = attributes(req)
    res.append('Set-Cookie', [clearingCookie(names.access, attrs), clearingCookie(names.refresh, attrs)])
  }

  async function verified(token: string): Promise<AuthResult> {
    let result: AuthResult
    try {
      const { payload, protectedHeader } = await verifier.verify<AuthPayload>(token)
      result = { payload, protectedHeader, token }
    } catch (err) {
      throw toAuthError(err, challenge, retryAfter)
    }
    // A resource link put in the cookie must not log its holder in as the link's subject.
    if (isLinkToken(result.payload)) throw bearerError('invalid_token', 'a resource link is not an access token', challenge)
    return result
  }

  async function renew(req: Request, res: Response, refreshToken: string): Promise<AuthResult> {
    let pair: TokenPair
    try {
      pair = await renewals.run(refreshToken, () => issuer.renew(refreshToken))
    } catch (err) {
      if (!(err instanceof IssuerClientError)) throw err
      if (isOutage(err)) throw unavailableError('the session cannot be renewed now; try again later', retryAfter, err)
      if (err.code === 'invalid_grant') {
        clearPair(req, res)
        throw bearerError('invalid_token', 'the session has ended; log in again', challenge, err)
      }
      throw err // invalid_client, access_denied: this app's configuration is wrong, a 500
    }
    setPair(res, pair)
    return verified(pair.accessToken)
  }

  async function authenticate(req: Request, res: Response): Promise<AuthResult> {
    const access = readCookie(req, names.access)
    const refresh = readCookie(req, names.refresh)
    if (access !== undefined) {
      try {
        return await verified(access)
      } catch (err) {
        // An expired (or otherwise unusable) access cookie is what the refresh cookie is for;
        // keys that cannot be had are an outage that a renew would not cure.
        if (refresh === undefined || (err as { code?: unknown }).code === 'temporarily_unavailable') throw err
      }
    }
    if (refresh === undefined) throw bearerError('unauthorized', 'log in first', challenge)
    return renew(req, res, refresh)
  }

  return {
    async login(res, claims, loginOptions = {}) {
      const pair = await issuer.issue({ claims, authTTL: loginOptions.authTTL, refreshTTL: loginOptions.refreshTTL })
      setPair(res, pair)
      return pair
    },
    middleware() {
      return (req, res, next) => {
        authenticate(req, res).then((auth) => {
          req.auth = auth
          next()
        }, failureHandler(res, next, passErrors))
      }
    },
    async logout(req, res) {
      const refresh = readCookie(req, names.refresh)
      clearPair(req, res)
      if (refresh === undefined) return
      // A renew kept for late requests would hand the logged-out session back: drop it.
      renewals.forget((key, pair) => key === refresh || pair?.refreshToken === refresh)
      await issuer.revoke({ token: refresh })
    },
  }
}
