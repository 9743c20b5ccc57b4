import type { RequestHandler } from 'express'
import { type AuthOptions, buildAuthenticator } from './authenticate.js'
import { bearerError } from './challenge.js'
import { failureHandler } from './respond.js'
import type { VerifierSource } from './verifier-option.js'

/** Options of {@link requireAuth} and {@link optionalAuth}. */
export interface AuthMiddlewareOptions extends AuthOptions {
  /**
   * Hand refusals to `next(err)` (an `AuthError` with `status` and `headers`) instead of
   * answering them; render them with `authErrorHandler()` or your own handler. Default false.
   */
  passErrors?: boolean | undefined
}

function authMiddleware(where: string, source: VerifierSource, options: AuthMiddlewareOptions, required: boolean): RequestHandler {
  const { authenticate, challenge } = buildAuthenticator(where, source, options)
  const passErrors = options.passErrors === true
  return (req, res, next) => {
    const fail = failureHandler(res, next, passErrors)
    authenticate(req).then((auth) => {
      if (auth !== undefined) req.auth = auth
      else if (required) return fail(bearerError('unauthorized', 'authentication required', challenge))
      next()
    }, fail)
  }
}

/**
 * Middleware that lets a request through only with a valid bearer token that grants the
 * given scopes and claims, and sets `req.auth`. Refusals follow RFC 6750: 401 with a
 * `Bearer realm` challenge for no token, 400 `invalid_request` for a malformed header,
 * 401 `invalid_token`, 403 `insufficient_scope`, and 503 with `Retry-After` when the keys
 * cannot be obtained. Works on Express 4 and 5.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: 'JWTIS', audience: 'shop', jwksUri: 'https://id.example.com/jwks/shop' })
 * app.get('/orders', requireAuth({ verifier }, { scopes: ['orders:read'] }), (req, res) => {
 *   res.json(ordersOf(req.auth!.payload.sub))
 * })
 * ```
 */
export function requireAuth(source: VerifierSource, options: AuthMiddlewareOptions = {}): RequestHandler {
  return authMiddleware('requireAuth', source, options, true)
}

/**
 * Like {@link requireAuth}, but a request without any token passes on without `req.auth`.
 * A token that is present is checked all the same: a bad one is refused, never ignored.
 *
 * @example
 * ```ts
 * app.get('/products', optionalAuth({ verifier }), (req, res) => {
 *   res.json(req.auth ? pricesFor(req.auth.payload.sub) : publicPrices())
 * })
 * ```
 */
export function optionalAuth(source: VerifierSource, options: AuthMiddlewareOptions = {}): RequestHandler {
  return authMiddleware('optionalAuth', source, options, false)
}
