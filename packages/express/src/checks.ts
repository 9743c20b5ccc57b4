import type { JwtPayload } from '@jwtis/verifier'

/** A JSON value a claim may be compared with. */
export type ClaimValue = string | number | boolean

/**
 * What a claim must hold: a value (the claim equals it, or is an array holding it), a list
 * (the claim, or one of its elements, is one of them), or a predicate of the claim's value.
 */
export type ClaimExpectation = ClaimValue | readonly ClaimValue[] | ((value: unknown, payload: JwtPayload) => boolean)

/**
 * The scopes a token grants: its `scope` claim (space-separated, RFC 8693 / RFC 9068), or a
 * `scp` array as some issuers send.
 */
export function grantedScopes(payload: JwtPayload): readonly string[] {
  const scope = payload['scope'] ?? payload['scp']
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '')
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string')
  return []
}

/**
 * True when the token grants every one of `required`.
 *
 * @example
 * ```ts
 * hasScopes({ scope: 'orders:read orders:write' }, ['orders:read']) // true
 * ```
 */
export function hasScopes(payload: JwtPayload, required: readonly string[]): boolean {
  if (required.length === 0) return true
  const granted = grantedScopes(payload)
  return required.every((scope) => granted.includes(scope))
}

function holds(value: unknown, wanted: readonly ClaimValue[]): boolean {
  if (Array.isArray(value)) return value.some((item) => wanted.includes(item as ClaimValue))
  return wanted.includes(value as ClaimValue)
}

/**
 * The name of the first claim that does not meet its expectation, or undefined when all do.
 *
 * @example
 * ```ts
 * failingClaim({ role: 'member' }, { role: 'admin' }) // 'role'
 * failingClaim({ roles: ['admin', 'ops'] }, { roles: 'admin', email_verified: (v) => v === true }) // 'email_verified'
 * ```
 */
export function failingClaim(payload: JwtPayload, expectations: Readonly<Record<string, ClaimExpectation>>): string | undefined {
  for (const [name, expected] of Object.entries(expectations)) {
    const value = Object.hasOwn(payload, name) ? payload[name] : undefined
    const ok =
      typeof expected === 'function'
        ? expected(value, payload) === true
        : holds(value, Array.isArray(expected) ? (expected as readonly ClaimValue[]) : [expected as ClaimValue])
    if (!ok) return name
  }
  return undefined
}

/** Checks `claims` options once, at construction. */
export function checkExpectations(where: string, claims: unknown): Readonly<Record<string, ClaimExpectation>> {
  if (claims === undefined) return {}
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError(`${where}: claims must be an object of claim names to expected values or predicates`)
  }
  for (const [name, expected] of Object.entries(claims)) {
    const values = Array.isArray(expected) ? expected : [expected]
    const ok =
      typeof expected === 'function' ||
      (values.length > 0 && values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    if (!ok) throw new TypeError(`${where}: claims.${name} must be a string, number, boolean, a list of them, or a function`)
  }
  return claims as Record<string, ClaimExpectation>
}
