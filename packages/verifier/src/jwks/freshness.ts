/** The shortest honoured `max-age`, in milliseconds (1 s). */
export const MIN_HEADER_MAX_AGE_MS: number = 1000
/** The longest honoured `max-age`, in milliseconds (24 h). */
export const MAX_HEADER_MAX_AGE_MS: number = 24 * 3_600_000

/** How a response's caching headers shape the keys' freshness. */
export interface FreshnessPolicy {
  /** Used when the response has no usable `max-age`. */
  defaultMaxAgeMs: number
  /** The refetch window, used for `no-store` and `no-cache` (refetch at the next window). */
  cooldownMs: number
}

/**
 * How long keys from a response stay fresh, in milliseconds: `max-age` minus `Age`,
 * clamped to [1 s, 24 h]; the next refetch window for `no-store` or `no-cache`; the
 * default max age otherwise. `s-maxage` is for shared caches and ignored.
 */
export function freshnessLifetime(headers: Headers, policy: FreshnessPolicy): number {
  const directives = parseCacheControl(headers.get('cache-control'))
  if (directives.has('no-store') || directives.has('no-cache')) {
    return Math.max(policy.cooldownMs, MIN_HEADER_MAX_AGE_MS)
  }
  const maxAge = directives.get('max-age')
  if (maxAge === undefined || !/^\d+$/.test(maxAge)) return policy.defaultMaxAgeMs
  const ageHeader = headers.get('age')?.trim()
  const age = ageHeader !== undefined && /^\d+$/.test(ageHeader) ? Number(ageHeader) : 0
  const lifetime = (Number(maxAge) - age) * 1000
  return Math.min(Math.max(lifetime, MIN_HEADER_MAX_AGE_MS), MAX_HEADER_MAX_AGE_MS)
}

function parseCacheControl(value: string | null): Map<string, string> {
  const directives = new Map<string, string>()
  if (value === null) return directives
  for (const part of value.split(',')) {
    const [name = '', argument = ''] = part.split('=', 2)
    const key = name.trim().toLowerCase()
    // The first occurrence of a directive wins, as for any cache.
    if (key !== '' && !directives.has(key)) directives.set(key, argument.trim().replace(/^"(.*)"$/, '$1'))
  }
  return directives
}
