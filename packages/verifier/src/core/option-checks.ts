import { parseDuration } from '../duration.js'

/** Throws a TypeError naming any member of `options` outside `known` (catches typos such as `audiance`). */
export function assertKnownOptions(options: object, known: ReadonlySet<string>, label: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new TypeError(`unknown option ${label}${name}`)
  }
}

/** One non-empty string or a non-empty array of them, as an array. */
export function stringList(value: unknown, what: string): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${what} must be a non-empty string or array of strings`)
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'string' || entry.length === 0) throw new TypeError(`${what} must hold non-empty strings`)
  }
  return [...new Set(list as string[])]
}

/** A duration option in seconds, or `fallback` when unset. */
export function durationSeconds(value: unknown, fallback: number | undefined, what: string): number | undefined {
  if (value === undefined) return fallback
  return parseDuration(value as number | string, what) / 1000
}

/** A positive integer option, or `fallback` when unset. */
export function positiveInteger(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  throw new TypeError(`${what} must be a positive integer`)
}

/** An optional function option. */
export function optionalFunction<F>(value: unknown, what: string): F | undefined {
  if (value === undefined || typeof value === 'function') return value as F | undefined
  throw new TypeError(`${what} must be a function`)
}

/** An optional boolean option. */
export function optionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  throw new TypeError(`${what} must be a boolean`)
}

/** True for a non-null object that is not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
