/**
 * Bearer secrets: the admin token and client tokens. They are generated here, shown once,
 * and stored only as hashes.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { randomBase64url } from '../jose/random-pool.js'

const MIN_TOKEN_BYTES = 16
const HEX = /^(?:[0-9a-f]{2})+$/i

/**
 * A new random bearer secret, base64url without padding.
 *
 * @param bytes - Entropy in bytes; at least 16. Default 32 (256 bits).
 * @example
 * ```ts
 * const clientToken = randomToken() // 43 characters
 * ```
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_TOKEN_BYTES) {
    throw new TypeError(`a token needs an integer of at least ${MIN_TOKEN_BYTES} bytes`)
  }
  return randomBase64url(bytes)
}

/**
 * The hex SHA-256 of a bearer secret, the form in which it is stored. A fast hash is right
 * here: the secrets are 256-bit random values, so there is nothing to brute-force, unlike a
 * password.
 *
 * @example
 * ```ts
 * await store.setMeta({ admin_token_hash: hashSecret(adminToken) })
 * ```
 */
export function hashSecret(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Compares two hex hashes in constant time. False when either is not hex or their lengths
 * differ (hash lengths are public).
 *
 * @example
 * ```ts
 * const ok = secretsEqual(hashSecret(presented), storedHash)
 * ```
 */
export function secretsEqual(aHex: string, bHex: string): boolean {
  if (aHex.length !== bHex.length || !HEX.test(aHex) || !HEX.test(bHex)) return false
  return timingSafeEqual(Buffer.from(aHex, 'hex'), Buffer.from(bHex, 'hex'))
}
