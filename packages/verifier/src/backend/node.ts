/// <reference types="node" />
import { Buffer, isAscii, isUtf8 } from 'node:buffer'
import {
  KeyObject,
  constants,
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
} from 'node:crypto'
import { algorithmProfile } from '../algorithms.js'
import type { JsonWebKeyLike } from '../jwk-types.js'
import type { KeyInput } from '../options.js'
import { p1363ToDer } from './ecdsa-der.js'
import {
  assertKeyFits,
  assertPublicPem,
  assertRsaSize,
  assertSoundRsaKey,
  describeKey,
  isJwkObject,
  publicJwk,
  thumbprintInput,
} from './key-material.js'
import { type VerifyKey, scheduleVerify } from './thread-pool.js'
import type { CryptoBackend, LocalKeyMaterial, SignatureCheck } from './types.js'

const NODE_HASH: Readonly<Record<string, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }
const HASH_BYTES: Readonly<Record<string, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }
const CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }

interface KeyShape {
  kty: string
  crv: string | undefined
  bits: number
}

function shapeOf(key: KeyObject, label: string): KeyShape {
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { kty: 'EC', crv: CURVES[details.namedCurve ?? ''] ?? details.namedCurve, bits: 0 }
    case 'rsa':
    case 'rsa-pss':
      return { kty: 'RSA', crv: undefined, bits: details.modulusLength ?? 0 }
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', bits: 0 }
    default:
      throw new TypeError(`${label} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not a supported signature key`)
  }
}

/**
 * Builds the check of a public KeyObject for one alg: synchronous when the verification is
 * alone, on the thread pool when others are in flight. The options object is made once
 * here so that the hot path allocates only the signing input's buffer.
 */
function checkFor(key: KeyObject, alg: string, label: string): SignatureCheck {
  const shape = shapeOf(key, label)
  const profile = assertKeyFits(shape.kty, shape.crv, alg, label)
  if (shape.kty === 'RSA') {
    assertRsaSize(shape.bits, profile, label)
    const { n, e } = key.export({ format: 'jwk' }) as { n: string; e: string }
    assertSoundRsaKey(Buffer.from(n, 'base64url'), Buffer.from(e, 'base64url'), label)
    if (key.asymmetricKeyType === 'rsa-pss' && !alg.startsWith('PS')) {
      throw new TypeError(`${label} (${describeKey(shape.kty, shape.crv)} PSS-only) does not fit ${alg}`)
    }
  }
  const hash = profile.hash === undefined ? null : NODE_HASH[profile.hash]!
  // ECDSA signatures reach node:crypto as DER, which it reads for less than P1363.
  if (shape.kty === 'EC') {
    return (signingInput, signature) => scheduleVerify(hash, Buffer.from(signingInput, 'latin1'), key, p1363ToDer(signature))
  }
  const options: VerifyKey = alg.startsWith('PS')
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : key
  return (signingInput, signature) => scheduleVerify(hash, Buffer.from(signingInput, 'latin1'), options, signature)
}

function thumbprintOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>
  return createHash('sha256').update(thumbprintInput(jwk)).digest('base64url')
}

function material(key: KeyObject, kid: string | undefined, label: string): LocalKeyMaterial {
  const shape = shapeOf(key, label)
  return {
    kid,
    thumbprint: thumbprintOf(key),
    kty: shape.kty,
    crv: shape.crv,
    importFor: (alg) => checkFor(key, alg, label),
  }
}

/**
 * A copy of a caller's public key, made from its DER encoding. On Node 20, exporting a JWK
 * (as the thumbprint needs) from a KeyObject straight out of `generateKeyPair(Sync)` can
 * deadlock the process when the garbage collector frees the generation job meanwhile; a
 * DER export, and a key re-imported from it, do not.
 */
function copyThroughDer(key: KeyObject): KeyObject {
  return createPublicKey({ key: key.export({ type: 'spki', format: 'der' }), format: 'der', type: 'spki' })
}

function publicKeyObject(jwk: JsonWebKeyLike, label: string): KeyObject {
  const pub = publicJwk(jwk, label)
  try {
    return createPublicKey({ key: pub, format: 'jwk' })
  } catch (cause) {
    throw new TypeError(`${label} is not a valid public key`, { cause })
  }
}

/** Imports a public JWK for one alg as a Node.js KeyObject; rejects when it does not fit. */
export function importJwkWithNode(jwk: JsonWebKeyLike, alg: string): Promise<SignatureCheck> {
  try {
    return Promise.resolve(checkFor(publicKeyObject(jwk, 'the key'), alg, 'the key'))
  } catch (err) {
    return Promise.reject(err)
  }
}

function isCryptoKey(input: unknown): input is CryptoKey {
  return typeof CryptoKey !== 'undefined' && input instanceof CryptoKey
}

/** Reads a configured key with node:crypto, synchronously: every problem is a TypeError now. */
export function loadLocalKeyWithNode(input: KeyInput, label: string): LocalKeyMaterial {
  if (typeof input === 'string') {
    assertPublicPem(input, label, ['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE'])
    let key: KeyObject
    try {
      key = createPublicKey(input)
    } catch (cause) {
      throw new TypeError(`${label} is not a valid public key`, { cause })
    }
    return material(key, undefined, label)
  }
  if (input instanceof KeyObject) {
    if (input.type !== 'public') throw new TypeError(`${label} is a ${input.type} key: give the public key`)
    return material(copyThroughDer(input), undefined, label)
  }
  if (isCryptoKey(input)) {
    if (input.type !== 'public') throw new TypeError(`${label} is a ${input.type} key: give the public key`)
    return material(KeyObject.from(input), undefined, label)
  }
  if (isJwkObject(input)) {
    return material(publicKeyObject(input, label), typeof input.kid === 'string' ? input.kid : undefined, label)
  }
  throw new TypeError(`${label} is not a key: give a public JWK, PEM, KeyObject or CryptoKey`)
}

/** Builds the HMAC check of a secret for an HS alg, compared in constant time. */
export function importSecretWithNode(secret: Uint8Array, alg: string): SignatureCheck {
  const profile = algorithmProfile(alg)
  if (profile?.kty !== 'oct') throw new TypeError(`${alg} is not an HMAC algorithm`)
  const key = createSecretKey(secret)
  const hash = NODE_HASH[profile.hash!]!
  const size = HASH_BYTES[profile.hash!]!
  return (signingInput, signature) =>
    signature.length === size && timingSafeEqual(createHmac(hash, key).update(signingInput, 'latin1').digest(), signature)
}

function decodeText(part: string): string | undefined {
  const bytes = Buffer.from(part, 'base64url')
  if (isAscii(bytes)) return bytes.toString('latin1')
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined
}

function decodeBytes(part: string): Uint8Array {
  return Buffer.from(part, 'base64url')
}

/** The Node.js backend: synchronous node:crypto verification with KeyObjects. */
export const nodeBackend: CryptoBackend = {
  importJwk: importJwkWithNode,
  loadLocalKey: loadLocalKeyWithNode,
  importSecret: importSecretWithNode,
  decodeText,
  decodeBytes,
}
