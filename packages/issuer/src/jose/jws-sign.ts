import { type KeyObject, sign } from 'node:crypto'
import { encodeBase64url } from './base64url.js'
import { derToP1363 } from './ecdsa-signature.js'
import { algorithmOf, checkKeyFits, JWS_ALGORITHMS, signatureOptions } from './jose-algorithms.js'

/**
 * Signs a compact JWS (RFC 7515) with node:crypto: ES256/384/512 (IEEE P1363 `r || s`),
 * EdDSA (Ed25519), RS256/384/512 (PKCS #1 v1.5), PS256/384/512 (PSS, salt as long as the
 * digest). The header is given as JSON text and must carry that `alg`; the payload is JSON
 * text or bytes.
 *
 * @throws Error for an unknown alg or a key that does not fit it.
 * @example
 * ```ts
 * const jws = signJws('ES256', privateKey, JSON.stringify({ alg: 'ES256', kid, typ: 'at+jwt' }), JSON.stringify(claims))
 * ```
 */
export function signJws(alg: string, key: KeyObject, headerJson: string, payload: string | Uint8Array): string {
  const algorithm = algorithmOf(JWS_ALGORITHMS, alg, 'signing alg')
  checkKeyFits(key, alg, 'private')
  const input = `${encodeBase64url(headerJson)}.${encodeBase64url(payload)}`
  const signed = sign(algorithm.digest, Buffer.from(input, 'ascii'), signatureOptions(algorithm, key))
  const signature = algorithm.curve === undefined ? signed : derToP1363(signed, algorithm.curve.size)
  return `${input}.${signature.toString('base64url')}`
}
