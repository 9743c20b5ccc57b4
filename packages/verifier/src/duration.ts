/**
 * The verifier's durations, in one home. A bare number is **milliseconds** (as for
 * `setTimeout` and jose's options); a string is Go-style with a unit on every part. The
 * jwtis issuer's HTTP API reads a bare integer as seconds instead: it keeps that rule in its
 * own reader, which calls this one for the strings.
 */

/** A duration: a number of milliseconds, or a string such as `'500ms'`, `'30s'`, `'10m'`, `'24h'`, `'1h30m'`. */
export type Duration = number | string

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
 * Parses a duration into milliseconds. A number is taken as milliseconds already (finite,
 * not negative) and returned as is; a string must be Go-style, every part with its unit
 * (`ms`, `s`, `m`, `h`, `d`): `'500ms'`, `'30s'`, `'15m'`, `'72h'`, `'1h30m'`, `'7d'`. A
 * string of digits alone (`'90'`) has no unit and is refused, so that it is never read as
 * milliseconds where seconds were meant.
 *
 * @param value milliseconds, or a Go-style string.
 * @param what names the option in the error message.
 * @returns the duration in milliseconds.
 * @throws TypeError naming `what` when the value is not a duration.
 * @example
 * ```ts
 * parseDuration('1h30m') // 5_400_000
 * parseDuration(1500) // 1500 (milliseconds)
 * parseDuration('90') // throws TypeError: no unit
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
