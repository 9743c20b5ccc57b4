/**
 * The issuer's durations: how the API and the CLI read them, their outer bound, and the
 * refresh grace window's default and bound. The layers import these; none restates them.
 */
import { parseDuration as parseGoDuration } from '@jwtis/verifier'

/** Far beyond any sane lifetime, yet well inside what a Date and a JWT `exp` can hold. */
export const MAX_DURATION_MS: number = 100 * 365 * 86_400_000

/** How long a superseded refresh token generation renews to the same successor by default, ms. */
export const GRACE_TTL_DEFAULT_MS = 10_000

/** The longest grace window: a longer one would let a stolen, superseded token renew for too long. */
export const GRACE_TTL_MAX_MS = 300_000

/**
 * Reads a duration as the issuer takes them: a number is an integer count of SECONDS; a
 * string is Go-style (`15m`, `72h`, `1h30m`), every part with its unit. Returns
 * milliseconds, or undefined when `value` is neither. (The verifier's `parseDuration`, which
 * this uses for strings, takes a bare number as milliseconds: the issuer's API says seconds.)
 *
 * @example
 * ```ts
 * parseIssuerDuration('1h30m') // 5_400_000
 * parseIssuerDuration(90) // 90_000
 * parseIssuerDuration('90') // undefined: a string needs its unit
 * ```
 */
export function parseIssuerDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value * 1000 : undefined
  if (typeof value !== 'string') return undefined
  try {
    return parseGoDuration(value.trim())
  } catch {
    return undefined
  }
}
