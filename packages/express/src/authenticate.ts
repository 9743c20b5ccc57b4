import type { IncomingMessage } from 'node:http'
import { type ChallengeOptions, bearerError, DEFAULT_RETRY_AFTER } from './challenge.js'
import { type ClaimExpectation, checkExpectations, failingClaim, hasScopes } from './checks.js'
import { extractToken, type TokenLocations } from './extract/token.js'
import { isLinkToken } from './links/link-claim.js'
import type { AuthPayload, AuthResult } from './types.js'
import { resolveVerifier, type VerifierSource } from './verifier-option.js'
import { toAuthError } from './verify-errors.js'

/** Options of {@link createAuthenticator}, `requireAuth` and `optionalAuth`. */
export interface AuthOptions extends TokenLocations {
  /** Scopes the token must all grant (its `scope` claim, space-separated, or `scp`). Default: none. */
  scopes?: readonly string[] | undefined
  /** Claims the token must hold: a value, a list of accepted values, or a predicate. Default: none. */
  claims?: Readonly<Record<string, ClaimExpectation>> | undefined
  /** The `realm` of the `WWW-Authenticate` challenge. Default `'api'`. */
  realm?: string | undefined
  /** Seconds in `Retry-After` when the keys cannot be obtained (503). Default 30. */
  retryAfter?: number | undefined
}

/** Verifies the token of a request; resolves undefined when there is none. Rejects with an `AuthError`. */
export type Authenticate = (req: IncomingMessage) => Promise<AuthResult | undefined>

/** Options checked once, shared by the middleware factories. */
export interface ResolvedAuthOptions {
  challenge: ChallengeOptions
  retryAfter: number
}

/** Checks the options common to every middleware of the package. */
export function resolveAuthOptions(where: string, options: AuthOptions): ResolvedAuthOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`)
  const realm = options.realm ?? 'api'
  if (typeof realm !== 'string' || realm === '') throw new TypeError(`${where}: realm must be a non-empty string`)
  const retryAfter = options.retryAfter ?? DEFAULT_RETRY_AFTER
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0) throw new TypeError(`${where}: retryAfter must be a whole number of seconds`)
  const scopes = options.scopes
  if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === '' || s.includes(' ')))) {
    throw new TypeError(`${where}: scopes must be a list of scope names`)
  }
  for (const name of ['cookie', 'query'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`${where}: ${name} must be a non-empty name`)
  }
  return { challenge: { realm, scopes }, retryAfter }
}

/**
 * Builds the check behind `requireAuth` and `optionalAuth` as a plain function of the
 * request, for use outside Express middleware (a WebSocket upgrade, a custom router). It
 * finds the token, verifies it, then checks scopes and claims; it never answers the
 * request itself.
 *
 * @example
 * ```ts
 * const authenticate = createAuthenticator({ verifier }, { scopes: ['chat'] })
 * server.on('upgrade', async (req, socket) => {
 *   try {
 *     const auth = await authenticate(req)
 *     if (auth === undefined) return socket.destroy()
 *   } catch (err) {
 *     socket.destroy() // an AuthError: err.status, err.headers
 *   }
 * })
 * ```
 */
export function createAuthenticator(source: VerifierSource, options: AuthOptions = {}): Authenticate {
  return buildAuthenticator('createAuthenticator', source, options).authenticate
}

/** {@link createAuthenticator}, with the checked challenge the middleware answers with. */
export function buildAuthenticator(
  where: string,
  source: VerifierSource,
  options: AuthOptions,
): { authenticate: Authenticate; challenge: ChallengeOptions } {
  const verifier = resolveVerifier(source, where)
  const { challenge, retryAfter } = resolveAuthOptions(where, options)
  const scopes = options.scopes ?? []
  const claims = checkExpectations(where, options.claims)
  const checksClaims = Object.keys(claims).length > 0
  const locations: TokenLocations = { cookie: options.cookie, query: options.query }

  const authenticate: Authenticate = async (req) => {
    const found = extractToken(req, locations)
    if (found.kind === 'none') return undefined
    if (found.kind === 'malformed') throw bearerError('invalid_request', found.reason, challenge)
    const { token } = found
    let verified: { payload: AuthPayload; protectedHeader: AuthResult['protectedHeader'] }
    try {
      verified = await verifier.verify<AuthPayload>(token)
    } catch (err) {
      throw toAuthError(err, challenge, retryAfter)
    }
    const { payload } = verified
    if (isLinkToken(payload)) throw bearerError('invalid_token', 'a resource link is not an access token', challenge)
    if (!hasScopes(payload, scopes)) throw bearerError('insufficient_scope', 'the token lacks a required scope', challenge)
    if (checksClaims) {
      const claim = failingClaim(payload, claims)
      if (claim !== undefined) throw bearerError('insufficient_scope', `the token's ${claim} claim does not grant access`, challenge)
    }
    return { payload, protectedHeader: verified.protectedHeader, token }
  }
  return { authenticate, challenge }
}
