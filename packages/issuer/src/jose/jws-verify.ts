import { type KeyObject, verify } from 'node:crypto'
import { decodeBase64url } from './base64url.js'
import { p1363ToDer } from './ecdsa-signature.js'
import { algorithmOf, checkKeyFits, JWS_ALGORITHMS, signatureOptions } from './jose-algorithms.js'
import { parseProtectedHeader } from './protected-header.js'

const JWS_HEADER = new Set(['alg', 'kid', 'typ'])

/** Options of {@link verifyJws}. */
export interface VerifyJwsOptions {
  /** The one alg accepted. */
  algorithm: string
  /** The required `typ`, if any. */
  typ?: string | undefined
  /** The public key for the header's `kid`, or undefined when there is none. */
  keyFor: (kid: string) => KeyObject | undefined
}

/** A verified JWS. */
export interface VerifiedJws {
  header: Record<string, unknown>
  payload: Buffer
}

/** A JWS whose `kid` names no key the caller has: it may know more after a reload. */
export class UnknownKeyError extends Error {
  override readonly name = 'UnknownKeyError'
  /** The unknown `kid` (a public key id, never a secret). */
  readonly kid: string

  constructor(kid: string) {
    super('the JWS names a key that is not known')
    this.kid = kid
  }
}

/**
 * Verifies a compact JWS with node:crypto: exactly three parts; a protected header with no
 * member beyond `alg`, `kid` and `typ`, the expected `alg` (never `none`) and `typ`; a `kid`
 * the caller has a key for; a signature by that key (for ES*, exactly `r || s`).
 *
 * @throws UnknownKeyError for a `kid` without a key; Error for anything else wrong.
 * @example
 * ```ts
 * const { payload } = verifyJws(jws, { algorithm: 'ES256', typ: 'rt+jwt', keyFor: (kid) => keys.get(kid) })
 * ```
 */
export function verifyJws(token: string, options: VerifyJwsOptions): VerifiedJws {
  const algorithm = algorithmOf(JWS_ALGORITHMS, options.algorithm, 'signing alg')
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error('a compact JWS has three parts')
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = parseProtectedHeader(headerPart, JWS_HEADER)
  if (header['alg'] !== options.algorithm) throw new Error('the JWS alg is not the one accepted')
  if (options.typ !== undefined && header['typ'] !== options.typ) throw new Error('the JWS typ is not the one expected')
  const kid = header['kid']
  if (typeof kid !== 'string') throw new Error('the JWS names no key')
  const key = options.keyFor(kid)
  if (key === undefined) throw new UnknownKeyError(kid)
  checkKeyFits(key, options.algorithm, 'public')
  const signature = decodeBase64url(signaturePart, 'signature')
  if (algorithm.curve !== undefined && signature.length !== 2 * algorithm.curve.size) {
    throw new Error('the signature has the wrong length')
  }
  const payload = decodeBase64url(payloadPart, 'payload')
  const input = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii')
  const checked = algorithm.curve === undefined ? signature : p1363ToDer(signature)
  if (!verify(algorithm.digest, input, signatureOptions(algorithm, key), checked)) {
    throw new Error('the signature does not verify')
  }
  return { header, payload }
}
