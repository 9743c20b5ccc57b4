import type { IncomingMessage } from 'node:http'
import { readCookie } from './cookies.js'

/** Where a token may come from besides `Authorization: Bearer`. */
export interface TokenLocations {
  /** Read the token from this cookie when no Authorization header is sent. Default: no cookie. */
  cookie?: string | undefined
  /**
   * Read the token from this query parameter (RFC 6750 section 2.3 names it `access_token`).
   * Default: never, since URLs end up in logs and `Referer` headers.
   */
  query?: string | undefined
}

/** What a request carries: a token, nothing, or a malformed attempt (with why). */
export type ExtractedToken =
  | { kind: 'token'; token: string }
  | { kind: 'none' }
  | { kind: 'malformed'; reason: string }

// RFC 6750 section 2.1: b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const NONE: ExtractedToken = { kind: 'none' }

/**
 * How many Authorization headers the request carries. Node.js keeps only the first in
 * `req.headers`, so the raw list is counted; a request with two is ambiguous and refused.
 */
function authorizationCount(req: IncomingMessage): number {
  const raw = req.rawHeaders
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++
  }
  return count
}

function fromHeader(value: string): ExtractedToken {
  const space = value.indexOf(' ')
  const scheme = space < 0 ? value : value.slice(0, space)
  // Another scheme (Basic, Digest) is no bearer credential at all: the caller is challenged.
  if (scheme.toLowerCase() !== 'bearer') return NONE
  const rest = space < 0 ? '' : value.slice(space + 1).trim()
  if (rest === '') return { kind: 'malformed', reason: 'the Bearer scheme needs a token' }
  if (rest.includes(' ')) return { kind: 'malformed', reason: 'the Authorization header has extra parts' }
  if (!B64TOKEN.test(rest)) return { kind: 'malformed', reason: 'the bearer token has characters a token cannot have' }
  return { kind: 'token', token: rest }
}

function fromQuery(req: IncomingMessage, name: string): string[] {
  const url = req.url ?? ''
  const mark = url.indexOf('?')
  if (mark < 0) return []
  return new URLSearchParams(url.slice(mark + 1)).getAll(name)
}

/**
 * Finds the token of a request: `Authorization: Bearer` first, then the cookie or query
 * parameter when asked. Malformed: `Bearer` without a token, extra parts, characters no
 * token has, two Authorization headers, the token in both header and query, or two query
 * tokens (RFC 6750 asks for exactly one method).
 */
export function extractToken(req: IncomingMessage, locations: TokenLocations): ExtractedToken {
  const header = req.headers.authorization
  let found: ExtractedToken = NONE
  if (header !== undefined) {
    if (authorizationCount(req) > 1) return { kind: 'malformed', reason: 'the request has more than one Authorization header' }
    found = fromHeader(header)
    if (found.kind === 'malformed') return found
  }
  if (locations.query !== undefined) {
    const values = fromQuery(req, locations.query)
    if (values.length > 0) {
      if (found.kind === 'token') return { kind: 'malformed', reason: 'the token must be sent one way only' }
      if (values.length > 1 || values[0] === '') return { kind: 'malformed', reason: `give one ${locations.query} parameter` }
      return { kind: 'token', token: values[0]! }
    }
  }
  if (found.kind === 'none' && locations.cookie !== undefined) {
    const value = readCookie(req, locations.cookie)
    if (value !== undefined) return { kind: 'token', token: value }
  }
  return found
}
