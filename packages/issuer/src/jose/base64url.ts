/** Base64url (RFC 4648 section 5, no padding), the encoding of every JOSE compact part. */

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Encodes bytes, or a string as UTF-8, as base64url without padding.
 *
 * @example
 * ```ts
 * encodeBase64url('{"alg":"ES256"}') // 'eyJhbGciOiJFUzI1NiJ9'
 * ```
 */
export function encodeBase64url(value: Uint8Array | string): string {
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength)).toString(
    'base64url',
  )
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * True when the unused low bits of the last character are zero. A 2- or 3-character tail
 * carries 4 or 2 bits that no byte uses; were they free, one token could travel as several
 * strings (a refresh token with its last character changed would still open).
 */
function hasCanonicalEnd(text: string): boolean {
  const rest = text.length % 4
  if (rest === 0) return true
  const last = ALPHABET.indexOf(text.charAt(text.length - 1))
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/**
 * Decodes base64url strictly: only the alphabet, no padding, no length that no encoding has,
 * and zero trailing bits, so exactly one string encodes each byte sequence. Node's own
 * decoder skips characters it does not know and ignores trailing bits.
 *
 * @throws Error naming `what` (never its content) when the text is not base64url.
 * @example
 * ```ts
 * const iv = decodeBase64url(parts[2], 'initialization vector')
 * ```
 */
export function decodeBase64url(text: string, what: string): Buffer {
  if (text.length % 4 === 1 || !BASE64URL.test(text) || !hasCanonicalEnd(text)) {
    throw new Error(`the ${what} is not base64url`)
  }
  return Buffer.from(text, 'base64url')
}
