import type { IncomingMessage } from 'node:http'

/**
 * The value of cookie `name` in the request's `Cookie` header, percent-decoded, or undefined.
 * When the name appears more than once (a path-specific cookie shadowing another), the first
 * one wins, as browsers send the most specific first. Reads `req.cookies` when a
 * cookie parser already filled it.
 */
export function readCookie(req: IncomingMessage & { cookies?: unknown }, name: string): string | undefined {
  const parsed = req.cookies
  if (typeof parsed === 'object' && parsed !== null) {
    const value = (parsed as Record<string, unknown>)[name]
    if (typeof value === 'string') return value === '' ? undefined : value
  }
  const header = req.headers.cookie
  if (header === undefined) return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue
    let value = pair.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
    if (value === '') return undefined
    try {
      return decodeURIComponent(value)
    } catch {
      return value
    }
  }
  return undefined
}
