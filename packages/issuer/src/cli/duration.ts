import { parseDuration as parseGoDuration } from '@jwtis/verifier'

/**
 * Reads a duration as the HTTP API takes them: a Go-style string (`15m`, `72h`, `1h30m`) or
 * an integer number of seconds. Returns milliseconds, or undefined when `text` is neither.
 *
 * @example
 * ```ts
 * parseDuration('1h30m') // 5_400_000
 * parseDuration('90') // 90_000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  try {
    return parseGoDuration(value)
  } catch {
    return undefined
  }
}
