import { AuthError, type AuthErrorCode } from './errors.js'

/** Seconds a client should wait before retrying when keys or the issuer are unreachable. */
export const DEFAULT_RETRY_AFTER = 30

/** A quoted-string of RFC 9110: backslash and double quote escaped, control characters dropped. */
function quoted(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, '\\$&')}"`
}

/** What a Bearer challenge says beyond its realm. */
export interface ChallengeOptions {
  realm: string
  /** The scopes the resource needs, for `insufficient_scope`. */
  scopes?: readonly string[] | undefined
}

/**
 * Builds the refusal for a Bearer-protected resource: the RFC 6750 challenge in
 * `WWW-Authenticate`, an error code in it except for `unauthorized` (no credentials: the
 * challenge names only the realm, as RFC 6750 section 3.1 asks).
 */
export function bearerError(code: AuthErrorCode, description: string, options: ChallengeOptions, cause?: unknown): AuthError {
  let challenge = `Bearer realm=${quoted(options.realm)}`
  if (code !== 'unauthorized') {
    challenge += `, error=${quoted(code)}, error_description=${quoted(description)}`
    if (code === 'insufficient_scope' && options.scopes !== undefined && options.scopes.length > 0) {
      challenge += `, scope=${quoted(options.scopes.join(' '))}`
    }
  }
  return new AuthError(code, description, { headers: { 'WWW-Authenticate': challenge }, cause })
}

/** The refusal for an outage: 503 with `Retry-After`, so a client retries instead of logging out. */
export function unavailableError(description: string, retryAfter: number, cause?: unknown): AuthError {
  return new AuthError('temporarily_unavailable', description, { headers: { 'Retry-After': String(retryAfter) }, cause })
}
