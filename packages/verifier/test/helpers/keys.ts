/**
 * Test keys and tokens: key pairs from node:crypto (through DER, see der-key-pair.mjs), tokens minted with jose's SignJWT, and
 * raw segments signed with node:crypto when a test needs exact bytes.
 */
import { type KeyObject, constants, createHmac, randomUUID, sign } from 'node:crypto'
import { SignJWT } from 'jose'
import type { JsonWebKeyLike } from '../../src/jwk-types.js'
import { generateDerKeyPair } from './der-key-pair.mjs'

export const ISSUER = 'https://id.example.com'
export const AUDIENCE = 'shop'

/** A key pair for one alg, with its public JWK (kid set, no alg). */
export interface KeyPair {
  alg: string
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  jwk: JsonWebKeyLike
}

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }
const cache = new Map<string, KeyPair>()

/** A fresh key pair for `alg`; `modulusLength` for RSA (default 2048). */
export function newKeyPair(alg: string, options: { kid?: string; modulusLength?: number } = {}): KeyPair {
  let pair: { privateKey: KeyObject; publicKey: KeyObject }
  if (alg.startsWith('ES')) pair = generateDerKeyPair('ec', { namedCurve: CURVES[alg]! })
  else if (alg === 'EdDSA' || alg === 'Ed25519') pair = generateDerKeyPair('ed25519')
  else pair = generateDerKeyPair('rsa', { modulusLength: options.modulusLength ?? 2048 })
  const kid = options.kid ?? `${alg}-${randomUUID().slice(0, 8)}`
  const jwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKeyLike), kid }
  return { alg, kid, ...pair, jwk }
}

/** A key pair per alg, shared within a test file (RSA generation is slow). */
export function keyPair(alg: string): KeyPair {
  let pair = cache.get(alg)
  if (pair === undefined) {
    pair = newKeyPair(alg, { kid: `${alg}-key` })
    cache.set(alg, pair)
  }
  return pair
}

/** Seconds since the epoch by `Date` (fake timers apply). */
export function now(): number {
  return Math.floor(Date.now() / 1000)
}

/** Options of {@link mint}. */
export interface MintOptions {
  /** Header members over `{ alg, kid }`; undefined removes one. */
  header?: Record<string, unknown>
  /** Claims over a valid set (iss, aud, sub, iat, exp in 5 min); undefined removes one. */
  claims?: Record<string, unknown>
  /** The HMAC secret, for HS algs. */
  secret?: Uint8Array | string
}

/** Mints a token with jose's SignJWT, signed by `pair` (or the secret for HS algs). */
export async function mint(pair: KeyPair | undefined, options: MintOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 300 }
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[name]
    else claims[name] = value
  }
  const header: Record<string, unknown> = pair === undefined ? {} : { alg: pair.alg, kid: pair.kid }
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (value === undefined) delete header[name]
    else header[name] = value
  }
  const key =
    options.secret === undefined ? pair!.privateKey : typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key)
}

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/** Signs exact segments with node:crypto: for tokens whose bytes a test controls. */
export function signRaw(alg: string, key: KeyObject | Uint8Array, headerPart: string, payloadPart: string): string {
  const input = `${headerPart}.${payloadPart}`
  const hash = HASHES[alg.slice(2)] ?? null
  let signature: Buffer
  if (alg.startsWith('HS')) signature = createHmac(hash!, key as Uint8Array).update(input).digest()
  else if (alg.startsWith('ES')) signature = sign(hash, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' })
  else if (alg.startsWith('PS')) {
    signature = sign(hash, Buffer.from(input), {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  } else signature = sign(alg.startsWith('RS') ? hash : null, Buffer.from(input), key as KeyObject)
  return `${input}.${signature.toString('base64url')}`
}

/** base64url of text or bytes. */
export function b64(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url')
}

/** Valid claims as JSON text, for raw tokens. */
export function claimsText(extra = ''): string {
  return `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"user-1","iat":${now()},"exp":${now() + 300}${extra}}`
}
