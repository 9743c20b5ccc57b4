/**
 * The JOSE algs the issuer signs and encrypts with, as node:crypto parameters (RFC 7518),
 * and the check that a key fits its alg. The tables hold exactly the algs of the SPEC;
 * anything else is refused by name.
 */
import { type KeyObject, constants } from 'node:crypto'

/** An EC curve as JOSE names it and as node:crypto does. */
export interface EcCurve {
  /** The JWK `crv`: `P-256`, `P-384` or `P-521`. */
  readonly crv: string
  /** The OpenSSL name node:crypto reports and `createECDH` takes. */
  readonly namedCurve: string
  /** Bytes of one coordinate (and of the private scalar). */
  readonly size: number
  /** The order n of the base point (SEC 2). */
  readonly order: bigint
}

const P256: EcCurve = {
  crv: 'P-256',
  namedCurve: 'prime256v1',
  size: 32,
  order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
}
const P384: EcCurve = {
  crv: 'P-384',
  namedCurve: 'secp384r1',
  size: 48,
  order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
}
const P521: EcCurve = {
  crv: 'P-521',
  namedCurve: 'secp521r1',
  size: 66,
  order:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
}
const CURVES: readonly EcCurve[] = [P256, P384, P521]

/** How node:crypto makes and checks one JWS alg's signatures. */
export interface JwsAlgorithm {
  /** The digest node:crypto's `sign`/`verify` take; null for EdDSA, which hashes itself. */
  readonly digest: string | null
  readonly keyType: 'ec' | 'rsa' | 'ed25519'
  /** For ES*: the curve; signatures are IEEE P1363 `r || s`, two coordinates long. */
  readonly curve?: EcCurve
  /** For PS*: RSASSA-PSS with MGF1 of the same digest and a salt as long as the digest (RFC 7518 section 3.5). */
  readonly pss?: boolean
}

/** The JWS algs, by name. */
export const JWS_ALGORITHMS: ReadonlyMap<string, JwsAlgorithm> = new Map<string, JwsAlgorithm>([
  ['ES256', { digest: 'sha256', keyType: 'ec', curve: P256 }],
  ['ES384', { digest: 'sha384', keyType: 'ec', curve: P384 }],
  ['ES512', { digest: 'sha512', keyType: 'ec', curve: P521 }],
  ['EdDSA', { digest: null, keyType: 'ed25519' }],
  ['RS256', { digest: 'sha256', keyType: 'rsa' }],
  ['RS384', { digest: 'sha384', keyType: 'rsa' }],
  ['RS512', { digest: 'sha512', keyType: 'rsa' }],
  ['PS256', { digest: 'sha256', keyType: 'rsa', pss: true }],
  ['PS384', { digest: 'sha384', keyType: 'rsa', pss: true }],
  ['PS512', { digest: 'sha512', keyType: 'rsa', pss: true }],
])

/** A JWE key-management alg. */
export type KeyManagement =
  /** ECDH-ES: direct key agreement, or with AES key wrap of a random content key (`wrap` set). */
  | { readonly kind: 'ecdh'; readonly wrap?: { readonly cipher: string; readonly keyLength: number } }
  /** RSAES-OAEP of a random content key, MGF1 with the same digest. */
  | { readonly kind: 'rsa-oaep'; readonly oaepHash: 'sha1' | 'sha256' }

/** The JWE key-management algs, by name. RSA1_5 is absent on purpose. */
export const KEY_MANAGEMENTS: ReadonlyMap<string, KeyManagement> = new Map<string, KeyManagement>([
  ['RSA-OAEP', { kind: 'rsa-oaep', oaepHash: 'sha1' }],
  ['RSA-OAEP-256', { kind: 'rsa-oaep', oaepHash: 'sha256' }],
  ['ECDH-ES', { kind: 'ecdh' }],
  ['ECDH-ES+A128KW', { kind: 'ecdh', wrap: { cipher: 'id-aes128-wrap', keyLength: 16 } }],
  ['ECDH-ES+A192KW', { kind: 'ecdh', wrap: { cipher: 'id-aes192-wrap', keyLength: 24 } }],
  ['ECDH-ES+A256KW', { kind: 'ecdh', wrap: { cipher: 'id-aes256-wrap', keyLength: 32 } }],
])

/** A JWE content encryption: AES-GCM with a 96-bit IV and a 128-bit tag (RFC 7518 section 5.3). */
export interface ContentEncryption {
  readonly cipher: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'
  /** Content key bytes. */
  readonly keyLength: number
}

/** The JWE content encryptions, by name. */
export const CONTENT_ENCRYPTIONS: ReadonlyMap<string, ContentEncryption> = new Map<string, ContentEncryption>([
  ['A128GCM', { cipher: 'aes-128-gcm', keyLength: 16 }],
  ['A192GCM', { cipher: 'aes-192-gcm', keyLength: 24 }],
  ['A256GCM', { cipher: 'aes-256-gcm', keyLength: 32 }],
])

/** GCM IV bytes. */
export const GCM_IV_LENGTH = 12
/** GCM tag bytes; shorter tags are refused. */
export const GCM_TAG_LENGTH = 16
/** RFC 3394's default initial value, which `id-aesNNN-wrap` ciphers must be given. */
export const KEY_WRAP_IV: Buffer = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')
/** The smallest RSA modulus used, in bits. */
export const MIN_RSA_BITS = 2048

/** Looks an alg up in a table, refusing unknown ones by their name. */
export function algorithmOf<T>(table: ReadonlyMap<string, T>, alg: unknown, kind: string): T {
  const found = typeof alg === 'string' ? table.get(alg) : undefined
  if (found === undefined) throw new Error(`unsupported ${kind} ${typeof alg === 'string' ? JSON.stringify(alg.slice(0, 40)) : ''}`)
  return found
}

/** The curve of an EC key, or undefined when the key is no EC key on a supported curve. */
export function ecCurveOf(key: KeyObject): EcCurve | undefined {
  if (key.asymmetricKeyType !== 'ec') return undefined
  const named = key.asymmetricKeyDetails?.namedCurve
  return CURVES.find((curve) => curve.namedCurve === named)
}

/** The curve with this JWK `crv`. */
export function ecCurveByName(crv: unknown): EcCurve | undefined {
  return CURVES.find((curve) => curve.crv === crv)
}

function isRsa(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS
}

const fitting = new WeakMap<KeyObject, Set<string>>()

/**
 * Throws unless `key` is of the type (and curve, and size) that `use` with `alg` needs:
 * node:crypto would otherwise sign ES256 with a P-384 key, or OAEP-encrypt to a 1024-bit
 * modulus, without a word. Checked once per key and alg.
 */
export function checkKeyFits(key: KeyObject, alg: string, expected: 'private' | 'public'): void {
  const label = `${expected}:${alg}`
  const known = fitting.get(key)
  if (known?.has(label)) return
  if (key.type !== expected) throw new Error(`${alg} needs a ${expected} key`)
  const jws = JWS_ALGORITHMS.get(alg)
  const management = KEY_MANAGEMENTS.get(alg)
  let fits: boolean
  if (jws !== undefined) {
    if (jws.keyType === 'ec') fits = ecCurveOf(key) === jws.curve
    else if (jws.keyType === 'rsa') fits = isRsa(key)
    else fits = key.asymmetricKeyType === 'ed25519'
  } else if (management !== undefined) {
    fits = management.kind === 'ecdh' ? ecCurveOf(key) !== undefined : isRsa(key)
  } else {
    throw new Error(`unsupported alg ${JSON.stringify(alg.slice(0, 40))}`)
  }
  if (!fits) throw new Error(`the key does not fit ${alg}`)
  if (known === undefined) fitting.set(key, new Set([label]))
  else known.add(label)
}

/**
 * node:crypto signing or verification options of a JWS alg for a key. ECDSA takes the key
 * alone: its signatures go through node:crypto as DER (see `ecdsa-signature.ts`).
 */
export function signatureOptions(
  algorithm: JwsAlgorithm,
  key: KeyObject,
): KeyObject | { key: KeyObject; padding: number; saltLength: number } {
  if (algorithm.pss) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
  return key
}
