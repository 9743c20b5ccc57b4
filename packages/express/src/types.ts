import type { JwtHeader, JwtPayload } from '@jwtis/verifier'

/**
 * The claims of a verified token, as `req.auth.payload` types them. Empty here: extend it
 * with your own claims through declaration merging, and every `req.auth` knows them.
 *
 * @example
 * ```ts
 * declare module '@jwtis/express' {
 *   interface AuthClaims {
 *     scope?: string
 *     role: 'admin' | 'member'
 *   }
 * }
 * // later: req.auth?.payload.role is 'admin' | 'member'
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface users extend through declaration merging
export interface AuthClaims {}

/** The payload of a verified token: the registered claims and yours. */
export type AuthPayload = JwtPayload & AuthClaims

/** What the middleware sets as `req.auth` once the token is verified. */
export interface AuthResult {
  /** The verified claims. */
  payload: AuthPayload
  /** The verified protected header (`alg`, `kid`, `typ`). */
  protectedHeader: JwtHeader
  /** The token itself, e.g. to call another API on the user's behalf. Never log it. */
  token: string
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `requireAuth`, `optionalAuth`, a token session or a resource link once the token is verified. */
      auth?: AuthResult
      /** Set by a resource link's middleware: the resource its token grants. */
      resource?: string
    }
  }
}
