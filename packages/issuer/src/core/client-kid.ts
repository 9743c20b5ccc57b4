import { IssuerError } from '../errors.js'

// RFC 3986 unreserved characters: a kid is used as-is in URL paths and key-sealing labels.
const CLIENT_KID = /^[A-Za-z0-9._~-]{1,128}$/
const DOTS_ONLY = /^\.+$/

/**
 * Throws `invalid_request` unless `kid` can name a client: 1 to 128 characters of
 * `A-Z a-z 0-9 . _ ~ -`, and not only dots (which a URL path would resolve away).
 */
export function checkClientKid(kid: unknown): string {
  if (typeof kid !== 'string' || !CLIENT_KID.test(kid) || DOTS_ONLY.test(kid)) {
    throw new IssuerError(
      'invalid_request',
      'a client kid is 1 to 128 characters of letters, digits, ".", "_", "~" and "-", and not only dots',
    )
  }
  return kid
}
