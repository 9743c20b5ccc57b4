import { importSPKI, importX509 } from 'jose/key/import'
import { type AlgorithmProfile, algorithmProfile } from '../algorithms.js'
import type { JsonWebKeyLike } from '../jwk-types.js'
import type { KeyInput } from '../options.js'
import { decodeBase64Url, encodeBase64Url } from '../parse/base64url.js'
import {
  assertKeyFits,
  assertPublicPem,
  assertRsaSize,
  assertSoundRsaKey,
  isJwkObject,
  modulusBits,
  publicJwk,
  thumbprintInput,
} from './key-material.js'
import type { CryptoBackend, LocalKeyMaterial, SignatureCheck } from './types.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

interface WebCryptoParams {
  importParams: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams
  verifyParams: AlgorithmIdentifier | RsaPssParams | EcdsaParams
}

const HASH_BYTES: Readonly<Record<string, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }

function webCryptoParams(alg: string, profile: AlgorithmProfile): WebCryptoParams {
  const hash = profile.hash ?? 'SHA-256'
  switch (profile.kty) {
    case 'EC':
      return { importParams: { name: 'ECDSA', namedCurve: profile.crv! }, verifyParams: { name: 'ECDSA', hash } }
    case 'OKP':
      return { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } }
    case 'oct':
      return { importParams: { name: 'HMAC', hash }, verifyParams: { name: 'HMAC' } }
    default:
      return alg.startsWith('PS')
        ? { importParams: { name: 'RSA-PSS', hash }, verifyParams: { name: 'RSA-PSS', saltLength: HASH_BYTES[hash]! } }
        : { importParams: { name: 'RSASSA-PKCS1-v1_5', hash }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } }
  }
}

function checkWith(key: CryptoKey, params: WebCryptoParams['verifyParams']): SignatureCheck {
  const subtle = globalThis.crypto.subtle
  return (signingInput, signature) =>
    subtle.verify(params, key, signature as Uint8Array<ArrayBuffer>, encoder.encode(signingInput))
}

async function importPublicJwk(pub: Record<string, string>, alg: string, label: string): Promise<SignatureCheck> {
  const profile = assertKeyFits(pub['kty']!, pub['crv'], alg, label)
  if (profile.kty === 'RSA') {
    assertRsaSize(modulusBits(pub['n']!), profile, label)
    assertSoundRsaKey(decodeBase64Url(pub['n']!), decodeBase64Url(pub['e']!), label)
  }
  const params = webCryptoParams(alg, profile)
  const key = await globalThis.crypto.subtle.importKey('jwk', pub, params.importParams, false, ['verify'])
  return checkWith(key, params.verifyParams)
}

/** Imports a public JWK for one alg as a WebCrypto key; rejects when it does not fit. */
export function importJwkWithWebCrypto(jwk: JsonWebKeyLike, alg: string): Promise<SignatureCheck> {
  try {
    return importPublicJwk(publicJwk(jwk, 'the key'), alg, 'the key')
  } catch (err) {
    return Promise.reject(err)
  }
}

async function thumbprintOf(pub: Record<string, string>): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(thumbprintInput(pub)))
  return encodeBase64Url(new Uint8Array(digest))
}

async function jwkMaterial(pub: Record<string, string>, kid: string | undefined, label: string): Promise<LocalKeyMaterial> {
  return {
    kid,
    thumbprint: await thumbprintOf(pub),
    kty: pub['kty']!,
    crv: pub['crv'],
    importFor: (alg) => importPublicJwk(pub, alg, label),
  }
}

/** One representative alg per key family: enough for jose to recognise a PEM's key type. */
const PEM_PROBES = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256'] as const

async function jwkFromPem(pem: string, kind: string, label: string): Promise<Record<string, string>> {
  const importer = kind === 'CERTIFICATE' ? importX509 : importSPKI
  for (const alg of PEM_PROBES) {
    let key: CryptoKey
    try {
      key = await importer(pem, alg, { extractable: true })
    } catch {
      continue
    }
    return publicJwk((await globalThis.crypto.subtle.exportKey('jwk', key)) as JsonWebKeyLike, label)
  }
  throw new TypeError(`${label} is not a supported public key`)
}

const CRYPTO_KEY_TYPES: Readonly<Record<string, string>> = {
  ECDSA: 'EC',
  'RSASSA-PKCS1-v1_5': 'RSA',
  'RSA-PSS': 'RSA',
  Ed25519: 'OKP',
}

function isCryptoKey(input: unknown): input is CryptoKey {
  return typeof CryptoKey !== 'undefined' && input instanceof CryptoKey
}

/** A non-extractable CryptoKey is used as it is, for the algs its own parameters name. */
function nativeMaterial(key: CryptoKey, label: string): LocalKeyMaterial {
  const algorithm = key.algorithm as {
    name: string
    namedCurve?: string
    hash?: { name: string }
    modulusLength?: number
    publicExponent?: Uint8Array
  }
  const kty = CRYPTO_KEY_TYPES[algorithm.name]
  if (kty === undefined) throw new TypeError(`${label} is a ${algorithm.name} key, not a signature key`)
  const crv = kty === 'OKP' ? 'Ed25519' : algorithm.namedCurve
  return {
    kid: undefined,
    thumbprint: undefined,
    kty,
    crv,
    importFor(alg) {
      const profile = assertKeyFits(kty, crv, alg, label)
      if (kty === 'RSA') {
        assertRsaSize(algorithm.modulusLength ?? 0, profile, label)
        // A non-extractable key does not show its modulus, so ROCA cannot be looked for.
        assertSoundRsaKey(undefined, algorithm.publicExponent ?? new Uint8Array(0), label)
      }
      const params = webCryptoParams(alg, profile)
      const wanted = params.importParams as { name: string; hash?: string }
      if (wanted.name !== algorithm.name || (wanted.hash !== undefined && wanted.hash !== algorithm.hash?.name)) {
        throw new TypeError(`${label} was imported for ${algorithm.name}${algorithm.hash ? ` ${algorithm.hash.name}` : ''}, not for ${alg}`)
      }
      return checkWith(key, params.verifyParams)
    },
  }
}

/** Reads a configured key with WebCrypto (and jose for PEM). */
export function loadLocalKeyWithWebCrypto(input: KeyInput, label: string): Promise<LocalKeyMaterial> {
  if (typeof input === 'string') {
    const kind = assertPublicPem(input, label, ['PUBLIC KEY', 'CERTIFICATE'])
    return jwkFromPem(input, kind, label).then((pub) => jwkMaterial(pub, undefined, label))
  }
  if (isCryptoKey(input)) {
    if (input.type !== 'public') throw new TypeError(`${label} is a ${input.type} key: give the public key`)
    if (!input.extractable) return Promise.resolve(nativeMaterial(input, label))
    return globalThis.crypto.subtle
      .exportKey('jwk', input)
      .then((jwk) => jwkMaterial(publicJwk(jwk as JsonWebKeyLike, label), undefined, label))
  }
  if (isJwkObject(input)) {
    const pub = publicJwk(input, label)
    return jwkMaterial(pub, typeof input.kid === 'string' ? input.kid : undefined, label)
  }
  if (typeof input === 'object' && input !== null && typeof (input as { export?: unknown }).export === 'function') {
    const keyObject = input as { type: string; export(options: { format: 'jwk' }): object }
    if (keyObject.type !== 'public') throw new TypeError(`${label} is a ${keyObject.type} key: give the public key`)
    return jwkMaterial(publicJwk(keyObject.export({ format: 'jwk' }) as JsonWebKeyLike, label), undefined, label)
  }
  throw new TypeError(`${label} is not a key: give a public JWK, PEM, KeyObject or CryptoKey`)
}

/** Builds the WebCrypto HMAC check of a secret for an HS alg. */
export async function importSecretWithWebCrypto(secret: Uint8Array, alg: string): Promise<SignatureCheck> {
  const profile = algorithmProfile(alg)
  if (profile?.kty !== 'oct') throw new TypeError(`${alg} is not an HMAC algorithm`)
  const params = webCryptoParams(alg, profile)
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    secret as Uint8Array<ArrayBuffer>,
    params.importParams,
    false,
    ['verify'],
  )
  return checkWith(key, params.verifyParams)
}

function decodeText(part: string): string | undefined {
  try {
    return decoder.decode(decodeBase64Url(part))
  } catch {
    return undefined
  }
}

/** The runtime-neutral backend: WebCrypto and plain JavaScript only. */
export const webCryptoBackend: CryptoBackend = {
  importJwk: importJwkWithWebCrypto,
  loadLocalKey: loadLocalKeyWithWebCrypto,
  importSecret: importSecretWithWebCrypto,
  decodeText,
  decodeBytes: decodeBase64Url,
}
