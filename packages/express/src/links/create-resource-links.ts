import type { Duration } from '@jwtis/client'
import { isVerifyError, type JwtHeader } from '@jwtis/verifier'
import type { Request, RequestHandler } from 'express'
import { resolveAuthOptions } from '../authenticate.js'
import { bearerError, unavailableError } from '../challenge.js'
import { AuthError } from '../errors.js'
import { connectIssuer, type IssuerConnectionOptions } from '../issuer-connection.js'
import { failureHandler } from '../respond.js'
import type { AuthPayload } from '../types.js'
import { resolveVerifier, type VerifierInput } from '../verifier-option.js'
import { LINK_CLAIM } from './link-claim.js'

/** Options of {@link createResourceLinks}. */
export interface ResourceLinksOptions extends IssuerConnectionOptions {
  /** Verifies link tokens locally (no call to the issuer): a verifier, or options to build one. */
  verifier: VerifierInput
  /** The path links start with; the token follows it. Default `'/resource'`. */
  basePath?: string | undefined
  /** The `realm` of the `WWW-Authenticate` challenge of a 401. Default `'api'`. */
  realm?: string | undefined
  /** Seconds in `Retry-After` when the keys cannot be obtained (503). Default 30. */
  retryAfter?: number | undefined
  /** Hand refusals to `next(err)` instead of answering them. Default false. */
  passErrors?: boolean | undefined
}

/** What {@link ResourceLinks.sign} takes. */
export interface SignLinkOptions {
  /** Whom the link is for: the token's `sub`. */
  sub: string
  /** What it grants, e.g. `'invoices/2024-117.pdf'`. */
  resource: string
  /** How long the link works: milliseconds or a string like `'15m'`; at most the client's access TTL. */
  ttl: Duration
}

/** What {@link ResourceLinks.middleware} takes. */
export interface LinkMiddlewareOptions {
  /** The resource the request asks for; when given, a link for another one is refused with 403. */
  resource?: ((req: Request) => string) | undefined
  /** The route parameter that holds the token. Default `'token'`. */
  param?: string | undefined
}

/** Signed links to one resource for one subject, valid until they expire. */
export interface ResourceLinks {
  /** Asks the issuer for a token and returns the link `${basePath}/<token>`. */
  sign(options: SignLinkOptions): Promise<string>
  /** Middleware for routes with the token parameter: sets `req.auth` and `req.resource`. */
  middleware(options?: LinkMiddlewareOptions): RequestHandler
}

/**
 * Creates signed resource links: `sign` gets a token from the issuer that grants one
 * subject one resource until it expires; `middleware` verifies it locally against the
 * JWKS (the issuer may be down meanwhile) and answers 410 Gone once it has expired, 401 when
 * it is bad, and 403 when it grants another resource than the route serves. Link tokens
 * are refused by `requireAuth`, so a shared link never opens the API.
 *
 * @example
 * ```ts
 * const links = createResourceLinks({ issuerUrl, kid: 'shop', clientToken, verifier })
 * app.post('/invoices/:id/share', requireAuth({ verifier }), async (req, res) => {
 *   res.json({ link: await links.sign({ sub: req.auth!.payload.sub!, resource: `invoices/${req.params.id}`, ttl: '15m' }) })
 * })
 * app.get('/resource/:token', links.middleware(), (req, res) => {
 *   res.sendFile(pathOf(req.resource!))
 * })
 * ```
 */
export function createResourceLinks(options: ResourceLinksOptions): ResourceLinks {
  const where = 'createResourceLinks'
  const issuer = connectIssuer(where, options)
  const verifier = resolveVerifier(options.verifier, where)
  const { challenge, retryAfter } = resolveAuthOptions(where, options)
  const base = options.basePath ?? '/resource'
  if (typeof base !== 'string' || !base.startsWith('/')) throw new TypeError(`${where}: basePath must be a path starting with /`)
  const basePath = base.replace(/\/+$/, '')
  const passErrors = options.passErrors === true

  async function check(req: Request, param: string, resourceOf: LinkMiddlewareOptions['resource']): Promise<void> {
    const token = req.params[param]
    if (typeof token !== 'string' || token === '') throw bearerError('invalid_token', 'the link has no token', challenge)
    let payload: AuthPayload
    let protectedHeader: JwtHeader
    try {
      ;({ payload, protectedHeader } = await verifier.verify<AuthPayload>(token))
    } catch (err) {
      if (isVerifyError(err, 'ERR_TOKEN_EXPIRED')) throw new AuthError('link_expired', 'the link has expired', { cause: err })
      if (isVerifyError(err, 'ERR_KEYS_UNAVAILABLE')) throw unavailableError('the link cannot be checked now; try again later', retryAfter, err)
      if (isVerifyError(err)) throw bearerError('invalid_token', 'the link is invalid', challenge, err)
      throw err
    }
    const granted = payload[LINK_CLAIM]
    if (typeof granted !== 'string') throw bearerError('invalid_token', 'the link is invalid', challenge)
    if (resourceOf !== undefined && resourceOf(req) !== granted) {
      throw new AuthError('access_denied', 'the link is for another resource')
    }
    req.auth = { payload, protectedHeader, token }
    req.resource = granted
  }

  return {
    async sign(link) {
      if (typeof link !== 'object' || link === null) throw new TypeError('sign: options are required')
      if (typeof link.sub !== 'string' || link.sub === '') throw new TypeError('sign: sub must be a non-empty string')
      if (typeof link.resource !== 'string' || link.resource === '') throw new TypeError('sign: resource must be a non-empty string')
      // The refresh token that comes with the pair never leaves this function and expires with the link.
      const pair = await issuer.issue({ claims: { sub: link.sub, [LINK_CLAIM]: link.resource }, authTTL: link.ttl, refreshTTL: link.ttl })
      // Checking the fresh token now fails a misconfigured verifier at sign time rather than
      // when the link is opened, and caches the keys the middleware needs. Expiry is checked
      // only after the signature, issuer and audience, so a link of a second or so whose life
      // ran out while it was made (`exp` is in whole seconds) has proved the set-up as well.
      try {
        await verifier.verify(pair.accessToken)
      } catch (err) {
        if (!isVerifyError(err, 'ERR_TOKEN_EXPIRED')) throw err
      }
      return `${basePath}/${pair.accessToken}`
    },
    middleware(middlewareOptions = {}) {
      const param = middlewareOptions.param ?? 'token'
      const resourceOf = middlewareOptions.resource
      if (resourceOf !== undefined && typeof resourceOf !== 'function') throw new TypeError('middleware: resource must be a function of the request')
      return (req, res, next) => {
        check(req, param, resourceOf).then(() => next(), failureHandler(res, next, passErrors))
      }
    },
  }
}
