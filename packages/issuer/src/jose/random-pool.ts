/**
 * Small random values drawn from a buffer that one CSPRNG call refills, as node:crypto's
 * own `randomUUID` does. A call of `randomBytes` costs about 5 µs whatever its size (the
 * call, not the bytes), and a token pair takes five small values (two ids, a `jti`, a
 * content key, an IV): drawn one call each, they cost more than the AES-GCM of the token.
 *
 * Each byte is handed out once and zeroed in the buffer as it leaves, so a value drawn
 * earlier is not left behind for a later memory disclosure. Every thread has its own
 * buffer (a module instance per thread).
 */
import { randomBytes, randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096
/** Larger draws go straight to the CSPRNG: pooling pays off for small values only. */
const MAX_POOLED_BYTES = 64

const pool = Buffer.allocUnsafeSlow(POOL_BYTES)
let offset = POOL_BYTES

/** Reserves `length` unused bytes of the pool, refilling it first when too few are left. */
function reserve(length: number): number {
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const start = offset
  offset += length
  return start
}

/**
 * `length` random bytes, in a buffer of their own.
 *
 * @example
 * ```ts
 * const iv = randomBytesPooled(12)
 * ```
 */
export function randomBytesPooled(length: number): Buffer {
  if (length > MAX_POOLED_BYTES) return randomBytes(length)
  const start = reserve(length)
  const value = Buffer.alloc(length)
  pool.copy(value, 0, start, start + length)
  pool.fill(0, start, start + length)
  return value
}

/**
 * `length` random bytes as base64url without padding.
 *
 * @example
 * ```ts
 * const jti = randomBase64url(16) // 22 characters
 * ```
 */
export function randomBase64url(length: number): string {
  if (length > MAX_POOLED_BYTES) return randomBytes(length).toString('base64url')
  const start = reserve(length)
  const value = pool.toString('base64url', start, start + length)
  pool.fill(0, start, start + length)
  return value
}
