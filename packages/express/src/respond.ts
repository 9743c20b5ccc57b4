import type { ErrorRequestHandler, NextFunction, Response } from 'express'
import { type AuthError, isAuthError } from './errors.js'

/**
 * Answers a refusal: its status, its headers (`WWW-Authenticate`, `Retry-After`) and the
 * JSON body `{error, error_description}`. Refusals are never cached.
 *
 * @example
 * ```ts
 * if (!isAdmin(req)) return sendAuthError(res, new AuthError('insufficient_scope', 'admins only'))
 * ```
 */
export function sendAuthError(res: Response, err: AuthError): void {
  res.status(err.status)
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value)
  res.setHeader('Cache-Control', 'no-store')
  res.json(err.toJSON())
}

/**
 * An opt-in error handler for apps that use `passErrors: true`: it renders an `AuthError`
 * as the middleware would have, and passes every other error on. Mount it after your routes.
 *
 * @example
 * ```ts
 * app.use('/api', requireAuth({ verifier }, { passErrors: true }), api)
 * app.use(authErrorHandler())
 * ```
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!isAuthError(err) || res.headersSent) {
      next(err)
      return
    }
    sendAuthError(res, err)
  }
}

/** How a middleware of the package reports a failure: it answers, or hands it to `next`. */
export function failureHandler(res: Response, next: NextFunction, passErrors: boolean): (err: unknown) => void {
  return (err) => {
    if (passErrors || !isAuthError(err) || res.headersSent) next(err)
    else sendAuthError(res, err)
  }
}
