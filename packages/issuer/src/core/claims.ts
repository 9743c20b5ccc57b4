import { IssuerError } from '../errors.js'
import { type Audience, tokenAudience } from './audience.js'

/** Claims the issuer sets itself; a request may not give them. */
export const RESERVED_CLAIMS: readonly string[] = Object.freeze(['iss', 'iat', 'nbf', 'exp', 'jti', 'client_id'])

/** The largest custom claim set, as JSON bytes: keeps both tokens under verifiers' 16 KiB limit. */
export const MAX_CLAIMS_BYTES = 8192

/** The longest `sub`, in characters. */
export const MAX_SUBJECT_LENGTH = 1024

/** A request's claims, checked: the subject apart, the rest as plain JSON values. */
export interface CheckedClaims {
  sub: string
  /** Every other claim (including `aud` when the request sets one). */
  custom: Record<string, unknown>
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * True when a `__proto__` member stands anywhere in `value`. JSON.parse makes it an own
 * member, harmless here, but verifiers that copy claims into objects (and ours, which
 * refuses such payloads) must never be handed one. Walks without recursion, so no nesting
 * depth can overflow the stack.
 */
function holdsProtoMember(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const item = pending.pop()
    if (typeof item !== 'object' || item === null) continue
    if (!Array.isArray(item) && Object.hasOwn(item, '__proto__')) return true
    pending.push(...Object.values(item))
  }
  return false
}

/**
 * Checks the claims of an issue request: a plain object with a string `sub`, none of the
 * {@link RESERVED_CLAIMS}, no `__proto__` member at any depth, an `aud` (if any) that
 * narrows the client's `audience`, all within {@link MAX_CLAIMS_BYTES}. Throws
 * `IssuerError('invalid_request')` saying what is wrong.
 */
export function checkClaims(claims: unknown, audience: Audience): CheckedClaims {
  if (!isPlainObject(claims)) throw new IssuerError('invalid_request', 'claims must be a JSON object')
  const reserved = RESERVED_CLAIMS.filter((name) => Object.hasOwn(claims, name))
  if (reserved.length > 0) {
    throw new IssuerError(
      'invalid_request',
      `claims may not set ${reserved.join(', ')}: the issuer sets ${RESERVED_CLAIMS.join(', ')}`,
    )
  }
  const { sub, ...rest } = claims
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_LENGTH) {
    throw new IssuerError('invalid_request', `claims.sub is required: a string of 1 to ${MAX_SUBJECT_LENGTH} characters`)
  }
  if (holdsProtoMember(rest)) throw new IssuerError('invalid_request', 'claims may not hold a __proto__ member')
  if (Object.hasOwn(rest, 'aud')) rest['aud'] = tokenAudience(audience, rest['aud'])
  let json: string
  try {
    json = JSON.stringify(rest)
  } catch {
    throw new IssuerError('invalid_request', 'claims must be JSON values')
  }
  if (new TextEncoder().encode(json).byteLength > MAX_CLAIMS_BYTES) {
    throw new IssuerError('invalid_request', `claims may not exceed ${MAX_CLAIMS_BYTES} bytes of JSON`)
  }
  // The JSON round trip leaves only what a token can carry (no undefined, functions, dates).
  return { sub, custom: JSON.parse(json) as Record<string, unknown> }
}
