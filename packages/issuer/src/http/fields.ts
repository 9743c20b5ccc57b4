import { checkAudienceSetting } from '../core/audience.js'
import { MAX_DURATION_MS, parseIssuerDuration } from '../core/durations.js'
import { IssuerError } from '../errors.js'
import { isRefreshStrategy, REFRESH_STRATEGIES } from '../core/defaults.js'
import type { RefreshStrategy } from '../store/contract.js'

/** A parsed JSON request body: always a plain object (an absent body is `{}`). */
export type Fields = Record<string, unknown>

function invalid(message: string): IssuerError {
  return new IssuerError('invalid_request', message)
}

/** Refuses fields the route does not know, so a typo never silently falls back to a default. */
export function refuseUnknownFields(fields: Fields, known: readonly string[]): void {
  const unknown = Object.keys(fields).filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    throw invalid(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}`)
  }
}

/** A string field, or undefined when absent; `''` counts as given and is refused. */
export function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a non-empty string`)
  return value
}

/** A required non-empty string field. */
export function requiredString(fields: Fields, name: string): string {
  const value = optionalString(fields, name)
  if (value === undefined) throw invalid(`${name} is required`)
  return value
}

/** A positive integer field (bit sizes), or undefined when absent. */
export function optionalInteger(fields: Fields, name: string): number | undefined {
  const value = fields[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`${name} must be a positive integer`)
  }
  return value
}

/**
 * A duration field in milliseconds, or undefined when absent. The API takes Go-style
 * strings (`'15m'`, `'72h'`, `'1h30m'`) or an integer number of SECONDS.
 */
export function optionalDuration(fields: Fields, name: string): number | undefined {
  const value = fields[name]
  if (value === undefined || value === null) return undefined
  const hint = `${name} must be a duration such as '15m', '72h' or '1h30m', or an integer number of seconds`
  const ms = parseIssuerDuration(value)
  if (ms === undefined) throw invalid(hint)
  if (ms <= 0) throw invalid(`${name} must be longer than zero`)
  if (ms > MAX_DURATION_MS) throw invalid(`${name} must be at most 100 years`)
  return ms
}

/** The first of several alias fields that is present; two different values are refused. */
export function aliasedDuration(fields: Fields, names: readonly string[]): number | undefined {
  let found: { name: string; ms: number } | undefined
  for (const name of names) {
    const ms = optionalDuration(fields, name)
    if (ms === undefined) continue
    if (found !== undefined && found.ms !== ms) {
      throw invalid(`${found.name} and ${name} disagree; give one of them`)
    }
    found ??= { name, ms }
  }
  return found?.ms
}

/** A refresh strategy field, or undefined when absent. */
export function optionalStrategy(fields: Fields, name: string): RefreshStrategy | undefined {
  const value = optionalString(fields, name)
  if (value === undefined) return undefined
  if (!isRefreshStrategy(value)) throw invalid(`${name} must be one of ${REFRESH_STRATEGIES.join(', ')}`)
  return value
}

/** A JSON object field (claims), or undefined when absent. */
export function optionalObject(fields: Fields, name: string): Record<string, unknown> | undefined {
  const value = fields[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${name} must be a JSON object`)
  return value as Record<string, unknown>
}

/** An audience field (a string or a list of strings), or undefined when absent. */
export function optionalAudience(fields: Fields, name: string): string | string[] | undefined {
  const value = fields[name]
  if (value === undefined || value === null) return undefined
  return checkAudienceSetting(value)
}
