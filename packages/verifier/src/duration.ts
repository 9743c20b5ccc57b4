import type { Duration } from './jwks/types.js'

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const GO_STYLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g

/**
 * Parses a duration into milliseconds: a non-negative number of milliseconds, or a
 * Go-style string such as `'500ms'`, `'30s'`, `'15m'`, `'72h'`, `'1h30m'`, `'7d'`.
 *
 * @throws TypeError naming `what` when the value is not a duration.
 * @example
 * ```ts
 * parseDuration('1h30m') // 5_400_000
 * ```
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
    throw new TypeError(`${what} must be a non-negative number of milliseconds`)
  }
  if (typeof value === 'string') {
    const text = value.trim()
    if (GO_STYLE.test(text)) {
      let ms = 0
      for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as string]!
      return Math.round(ms)
    }
  }
  throw new TypeError(`${what} must be milliseconds or a string like '30s', '15m', '72h' or '1h30m'`)
}
