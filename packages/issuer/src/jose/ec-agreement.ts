/**
 * ECDH on raw points (node:crypto's `ECDH`), for JWE ECDH-ES. Ephemeral keys live only in
 * an `ECDH` object and never become KeyObjects: generating and exporting them costs less,
 * and on Node 20 exporting a freshly generated KeyObject can deadlock against the garbage
 * collector finalising its generation job.
 */
import { createECDH, type ECDH, type KeyObject } from 'node:crypto'
import { decodeBase64url } from './base64url.js'
import { type EcCurve, ecCurveByName, ecCurveOf } from './jose-algorithms.js'

/** An ephemeral public key as the JWE `epk` header carries it. */
export interface EphemeralPublicJwk {
  kty: 'EC'
  crv: string
  x: string
  y: string
}

/** The outcome of one ephemeral agreement. */
export interface EphemeralAgreement {
  /** The shared secret Z; the caller wipes it after the KDF. */
  sharedSecret: Buffer
  epk: EphemeralPublicJwk
}

const recipientPoints = new WeakMap<KeyObject, { curve: EcCurve; point: Buffer }>()
const recipientAgreements = new WeakMap<KeyObject, { curve: EcCurve; ecdh: ECDH }>()

function curveOf(key: KeyObject): EcCurve {
  const curve = ecCurveOf(key)
  if (curve === undefined) throw new Error('the key is not an EC key on P-256, P-384 or P-521')
  return curve
}

/** An uncompressed SEC 1 point from its two coordinates, each exactly the curve's size. */
function pointOf(curve: EcCurve, x: Buffer, y: Buffer): Buffer {
  if (x.length !== curve.size || y.length !== curve.size) throw new Error('an EC coordinate has the wrong length')
  return Buffer.concat([Buffer.from([4]), x, y])
}

function recipientPoint(publicKey: KeyObject): { curve: EcCurve; point: Buffer } {
  let known = recipientPoints.get(publicKey)
  if (known === undefined) {
    const curve = curveOf(publicKey)
    const jwk = publicKey.export({ format: 'jwk' })
    known = { curve, point: pointOf(curve, decodeBase64url(jwk.x ?? '', 'x'), decodeBase64url(jwk.y ?? '', 'y')) }
    recipientPoints.set(publicKey, known)
  }
  return known
}

/** Two `ECDH` objects of a curve: one makes ephemeral keys, one multiplies the base point. */
interface EcdhScratch {
  ephemeral: ECDH
  agreement: ECDH
}

const scratches = new Map<EcCurve, EcdhScratch>()

/**
 * This thread's `ECDH` objects of `curve`, made once and reused: `generateKeys` and
 * `setPrivateKey` replace the whole key each call, and making a new `ECDH` costs about as
 * much as one of those multiplications on Node 20. Each call runs to its end synchronously,
 * so no two calls ever share them; a reused object holds no more than a dropped one would
 * until it was collected.
 */
function scratchOf(curve: EcCurve): EcdhScratch {
  let scratch = scratches.get(curve)
  if (scratch === undefined) {
    scratch = { ephemeral: createECDH(curve.namedCurve), agreement: createECDH(curve.namedCurve) }
    scratches.set(curve, scratch)
  }
  return scratch
}

/** The `epk` header of an ephemeral key's uncompressed point. */
function epkOf(curve: EcCurve, point: Buffer): EphemeralPublicJwk {
  return {
    kty: 'EC',
    crv: curve.crv,
    x: point.subarray(1, 1 + curve.size).toString('base64url'),
    y: point.subarray(1 + curve.size).toString('base64url'),
  }
}

/**
 * Makes a fresh ephemeral key on the recipient's curve and agrees a secret with the
 * recipient's public key (the sender's half of ECDH-ES). Every call uses a new key.
 *
 * @example
 * ```ts
 * const { sharedSecret, epk } = agreeEphemeral(recipientPublicKey)
 * ```
 */
export function agreeEphemeral(recipient: KeyObject): EphemeralAgreement {
  if (recipient.type !== 'public') throw new Error('ECDH-ES encrypts to a public key')
  const { curve, point } = recipientPoint(recipient)
  const { ephemeral } = scratchOf(curve)
  const ephemeralPoint = ephemeral.generateKeys()
  const sharedSecret = ephemeral.computeSecret(point)
  return {
    sharedSecret,
    epk: epkOf(curve, ephemeralPoint),
  }
}

/** Hands the private scalar of an EC key to `use`, then wipes the bytes. */
function withPrivateScalar<T>(privateKey: KeyObject, use: (d: Buffer) => T): T {
  const d = decodeBase64url(privateKey.export({ format: 'jwk' }).d ?? '', 'private key')
  try {
    return use(d)
  } finally {
    d.fill(0)
  }
}

const ownScalars = new WeakMap<KeyObject, { curve: EcCurve; scalar: bigint }>()

function bigIntOf(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex') || '0'}`)
}

function ownScalar(privateKey: KeyObject): { curve: EcCurve; scalar: bigint } {
  let known = ownScalars.get(privateKey)
  if (known === undefined) {
    known = { curve: curveOf(privateKey), scalar: withPrivateScalar(privateKey, bigIntOf) }
    ownScalars.set(privateKey, known)
  }
  return known
}

/**
 * The sender's half of ECDH-ES made by the recipient itself, as the issuer does when it
 * seals a refresh token to its own encryption key: the same fresh ephemeral key `e` and the
 * same shared secret, two to three times faster. `Z` is the x-coordinate of `e·Q`, and with
 * the private key `q` of `Q = q·G` at hand, `e·Q = (e·q mod n)·G`: two multiplications of the
 * base point, for which OpenSSL keeps precomputed tables, instead of one of the base point
 * and one of an arbitrary point, which costs about four times as much. The JWE is the one
 * {@link agreeEphemeral} would make with this `e`.
 *
 * The product `e·q mod n` is computed with BigInt, whose timing is not constant. What it
 * could leak is of `e·q mod n`, a value only useful to whoever knows `e`: the ephemeral key
 * never leaves this call (the token carries `e·G`), and `Z` is secret too.
 *
 * @example
 * ```ts
 * const { sharedSecret, epk } = agreeEphemeralToSelf(ownPrivateKey)
 * ```
 */
export function agreeEphemeralToSelf(recipient: KeyObject): EphemeralAgreement {
  if (recipient.type !== 'private') throw new Error('ECDH-ES to oneself takes the private key')
  const { curve, scalar } = ownScalar(recipient)
  const { ephemeral, agreement } = scratchOf(curve)
  const ephemeralPoint = ephemeral.generateKeys()
  const e = ephemeral.getPrivateKey()
  // Both factors lie in [1, n-1] and n is prime, so the product is never 0 mod n.
  const product = Buffer.from(((bigIntOf(e) * scalar) % curve.order).toString(16).padStart(curve.size * 2, '0'), 'hex')
  e.fill(0)
  let sharedPoint: Buffer
  try {
    agreement.setPrivateKey(product)
    sharedPoint = agreement.getPublicKey()
  } finally {
    product.fill(0)
  }
  const sharedSecret = Buffer.from(sharedPoint.subarray(1, 1 + curve.size))
  sharedPoint.fill(0)
  return {
    sharedSecret,
    epk: epkOf(curve, ephemeralPoint),
  }
}

const EPK_MEMBERS = new Set(['kty', 'crv', 'x', 'y'])

/**
 * The recipient's half of ECDH-ES: agrees a secret between its private key and the `epk`
 * of a JWE header. The `epk` must be a public EC JWK on the recipient's own curve; its
 * point is checked to lie on the curve (node:crypto refuses any other), which defeats
 * invalid-curve attacks on the private key.
 *
 * @throws Error for a malformed `epk`, another curve, or a point not on the curve.
 * @example
 * ```ts
 * const sharedSecret = agreeWithEphemeral(privateKey, header.epk)
 * ```
 */
export function agreeWithEphemeral(recipient: KeyObject, epk: unknown): Buffer {
  if (recipient.type !== 'private') throw new Error('ECDH-ES decrypts with a private key')
  let agreement = recipientAgreements.get(recipient)
  if (agreement === undefined) {
    const curve = curveOf(recipient)
    const ecdh = createECDH(curve.namedCurve)
    withPrivateScalar(recipient, (d) => ecdh.setPrivateKey(d))
    agreement = { curve, ecdh }
    recipientAgreements.set(recipient, agreement)
  }
  if (typeof epk !== 'object' || epk === null || Array.isArray(epk)) throw new Error('the epk is not a JWK')
  const jwk = epk as Record<string, unknown>
  if (Object.keys(jwk).some((name) => !EPK_MEMBERS.has(name))) throw new Error('the epk has members beyond kty, crv, x, y')
  if (jwk['kty'] !== 'EC' || ecCurveByName(jwk['crv']) !== agreement.curve) throw new Error("the epk is not on the key's curve")
  if (typeof jwk['x'] !== 'string' || typeof jwk['y'] !== 'string') throw new Error('the epk has no coordinates')
  const point = pointOf(agreement.curve, decodeBase64url(jwk['x'], 'epk x'), decodeBase64url(jwk['y'], 'epk y'))
  try {
    return agreement.ecdh.computeSecret(point)
  } catch {
    throw new Error('the epk is not a point on the curve')
  }
}
