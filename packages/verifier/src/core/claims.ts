import { VerifyError } from '../errors.js'
import type { JwtPayload } from '../types.js'

/** The claim checks of one issuer, precomputed from the options. */
export interface ClaimsPolicy {
  /** Accepted `iss` values. */
  issuers: readonly string[]
  /** Accepted `aud` values; the token's audience must include one. */
  audiences: readonly string[]
  /** Clock tolerance, in seconds. */
  toleranceSec: number
  /** Largest accepted age of `iat`, in seconds; undefined for no limit. */
  maxAgeSec: number | undefined
  /** Claims that must be present: always `exp`, `iss`, `aud`, plus the configured ones. */
  required: readonly string[]
}

function invalid(claim: string, message: string): VerifyError {
  return new VerifyError('ERR_CLAIM_INVALID', message, { claim })
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * Checks a signature-verified payload against a policy at `nowMs` (milliseconds since
 * the epoch). Order: presence of required claims, `iss`, `aud`, `exp`, `nbf`, `iat`,
 * age; then the types of `sub` and `jti`. Throws the first failure. The time checks are
 * written so that a clock giving NaN fails them (every comparison with NaN is false).
 */
export function checkClaims(payload: JwtPayload, policy: ClaimsPolicy, nowMs: number): void {
  const required = policy.required
  for (let i = 0; i < required.length; i++) {
    const claim = required[i]!
    if (payload[claim] === undefined) throw new VerifyError('ERR_CLAIM_MISSING', `the "${claim}" claim is missing`, { claim })
  }
  const iss = payload.iss
  if (typeof iss !== 'string' || !policy.issuers.includes(iss)) throw invalid('iss', 'unexpected "iss" claim value')
  if (!audienceMatches(payload.aud, policy.audiences)) throw invalid('aud', 'unexpected "aud" claim value')

  const now = nowMs / 1000
  const tolerance = policy.toleranceSec
  const exp = payload.exp
  if (!isTime(exp)) throw invalid('exp', 'the "exp" claim is not a number')
  if (!(now - tolerance < exp)) throw new VerifyError('ERR_TOKEN_EXPIRED', 'the token has expired', { claim: 'exp' })
  const nbf = payload.nbf
  if (nbf !== undefined) {
    if (!isTime(nbf)) throw invalid('nbf', 'the "nbf" claim is not a number')
    if (!(nbf <= now + tolerance)) throw new VerifyError('ERR_TOKEN_NOT_YET_VALID', 'the token is not valid yet', { claim: 'nbf' })
  }
  const iat = payload.iat
  if (iat !== undefined) {
    if (!isTime(iat)) throw invalid('iat', 'the "iat" claim is not a number')
    if (!(iat <= now + tolerance)) {
      throw new VerifyError('ERR_TOKEN_NOT_YET_VALID', 'the token was issued in the future', { claim: 'iat' })
    }
    if (policy.maxAgeSec !== undefined && !(now - iat <= policy.maxAgeSec + tolerance)) {
      throw new VerifyError('ERR_TOKEN_TOO_OLD', 'the token is older than the maximum token age', { claim: 'iat' })
    }
  }
  if (payload.sub !== undefined && typeof payload.sub !== 'string') throw invalid('sub', 'the "sub" claim is not a string')
  if (payload.jti !== undefined && typeof payload.jti !== 'string') throw invalid('jti', 'the "jti" claim is not a string')
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud)
  if (!Array.isArray(aud)) return false
  let found = false
  for (const entry of aud) {
    if (typeof entry !== 'string') return false
    if (!found && accepted.includes(entry)) found = true
  }
  return found
}
