/**
 * The limit every verifier is measured against: decode the header and payload and call
 * node:crypto's verify with a KeyObject made in advance. No claims, no key lookup, no
 * strictness: what any verifier must at least do.
 */
import { constants, verify } from 'node:crypto'
import type { BenchKey } from './tokens.js'

/** Verifies a token's signature synchronously; returns the payload or throws. */
export type RawVerify = (token: string) => Record<string, unknown>

/** Builds the raw verify of one key. */
export function createRawVerify(key: BenchKey): RawVerify {
  const hash = key.alg === 'EdDSA' ? null : 'sha256'
  const options =
    key.alg === 'ES256'
      ? { key: key.publicKey, dsaEncoding: 'ieee-p1363' as const }
      : key.alg === 'PS256'
        ? { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : { key: key.publicKey }
  return (token) => {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as { alg?: unknown }
    if (header.alg !== key.alg) throw new Error('unexpected alg')
    const signature = Buffer.from(token.slice(second + 1), 'base64url')
    if (!verify(hash, Buffer.from(token.slice(0, second)), options, signature)) throw new Error('bad signature')
    return JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString()) as Record<string, unknown>
  }
}
