import { decodeBase64url } from './base64url.js'

/** The longest protected header read, in characters of base64url. */
const MAX_HEADER_LENGTH = 4096

/**
 * Decodes a compact JWS or JWE protected header: base64url of a JSON object whose members
 * are all in `allowed`. Anything else (`crit`, `zip`, `jku`, `jwk`, `b64`, ...) is refused:
 * the issuer reads back only tokens it made, and it makes them with nothing more.
 *
 * @throws Error saying what is wrong, never quoting the header.
 * @example
 * ```ts
 * const header = parseProtectedHeader(token.slice(0, token.indexOf('.')), new Set(['alg', 'kid', 'typ']))
 * ```
 */
export function parseProtectedHeader(segment: string, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (segment.length === 0 || segment.length > MAX_HEADER_LENGTH) throw new Error('the protected header is missing or too long')
  let header: unknown
  try {
    header = JSON.parse(decodeBase64url(segment, 'protected header').toString('utf8'))
  } catch {
    throw new Error('the protected header is not base64url JSON')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error('the protected header is not a JSON object')
  }
  for (const name of Object.keys(header)) {
    if (!allowed.has(name)) throw new Error('the protected header has a member the issuer never sets')
  }
  return header as Record<string, unknown>
}
