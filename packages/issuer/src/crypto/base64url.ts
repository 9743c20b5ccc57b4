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

/**
 * Decodes base64url strictly: only the alphabet, no padding, no length that no encoding has.
 * Node's own decoder skips characters it does not know, which would let two different
 * strings stand for the same bytes.
 *
 * @throws Error naming `what` (never its content) when the text is not base64url.
 * @example
 * ```ts
 * const iv = decodeBase64url(parts[2], 'initialization vector')
 * ```
 */
export function decodeBase64url(text: string, what: string): Buffer {
  if (text.length % 4 === 1 || !BASE64URL.test(text)) throw new Error(`the ${what} is not base64url`)
  return Buffer.from(text, 'base64url')
}
