import type { KeyRecord } from '../store/contract.js'
import type { Jwks, PublicJwk } from './types.js'

// The public members of each key type: a stored JWK is published through this filter only,
// so no private member can ever reach a JWKS.
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
  RSA: ['n', 'e'],
}

/** The longest a JWKS response may be cached, in seconds. */
export const MAX_JWKS_MAX_AGE = 300

/** A stored key's public JWK as published: kty and public members, `kid`, `alg`, `use`. */
export function publicJwkOf(record: KeyRecord): PublicJwk {
  const stored = JSON.parse(record.publicJwk) as Record<string, unknown>
  const kty = String(stored['kty'])
  const jwk: PublicJwk = { kty, kid: record.id }
  for (const member of PUBLIC_MEMBERS[kty] ?? []) {
    if (stored[member] !== undefined) jwk[member] = stored[member]
  }
  jwk['alg'] = record.alg
  jwk['use'] = record.use
  return jwk
}

/**
 * True when a verifier may need the key at `now`: a signing key next, current, or retired
 * but not past `publishUntil` (for keys retired before it was kept, `retireUntil`).
 */
export function isPublished(record: KeyRecord, now: number): boolean {
  if (record.use !== 'sig') return false
  if (record.state === 'retired') {
    const until = record.publishUntil ?? record.retireUntil
    return until !== undefined && until > now
  }
  return true
}

const STATE_ORDER = { current: 0, next: 1, retired: 2 } as const

/**
 * The JWKS of the given keys: the published signing keys, current first, then next, then
 * retired.
 *
 * @example
 * ```ts
 * const jwks = publishedJwks(await store.listKeys({ clientKid: 'shop' }), Date.now())
 * ```
 */
export function publishedJwks(records: readonly KeyRecord[], now: number): Jwks {
  const keys = records
    .filter((record) => isPublished(record, now))
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state])
    .map(publicJwkOf)
  return { keys }
}

/**
 * Seconds a JWKS response may be cached: a tenth of the shortest key lifetime, at most
 * {@link MAX_JWKS_MAX_AGE} and at least 1, so that a verifier refreshing on that schedule
 * sees every next key long before it signs.
 */
export function jwksMaxAgeSeconds(shortestKeyExpiry: number): number {
  return Math.max(1, Math.min(MAX_JWKS_MAX_AGE, Math.floor(shortestKeyExpiry / 10_000)))
}
