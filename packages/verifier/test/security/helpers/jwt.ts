/**
 * Mints and forges compact JWS tokens with real crypto (node:crypto), byte for byte under
 * the test's control: exact header and payload text, tampered segments, foreign keys.
 */
import { constants, createHmac, type KeyObject, randomUUID, sign, verify } from 'node:crypto'
import type { JsonWebKeyLike } from '../../../src/jwk-types.js'
import { generateDerKeyPair } from '../../helpers/der-key-pair.mjs'

/** The issuer every fixture token claims and every fixture verifier expects. */
export const ISSUER = 'https://issuer.test'
/** The audience every fixture token claims and every fixture verifier expects. */
export const AUDIENCE = 'shop'

/** The asymmetric algs the fixture holds a key for. */
export type FixtureAlg = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS256' | 'PS256'

/** A key pair and the public JWK a JWKS would publish for it. */
export interface TestKeyPair {
  alg: string
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** The public JWK with `kid`, `alg` and `use: "sig"`. */
  jwk: JsonWebKeyLike
}

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /** Default: `${alg}-${random}`. */
  kid?: string
  /** RSA modulus bits. Default 2048. */
  modulusLength?: number
  /** EC curve (node name) overriding the alg's own. */
  namedCurve?: string
  /** Put `alg` in the JWK. Default true. */
  withAlg?: boolean
}

const NODE_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** Generates a key pair for `alg` (ES*, EdDSA, RS*, PS*), through DER (see der-key-pair.mjs). */
export function generateKeyPair(alg: string, options: GenerateKeyPairOptions = {}): TestKeyPair {
  const kid = options.kid ?? `${alg}-${randomUUID()}`
  let pair: { privateKey: KeyObject; publicKey: KeyObject }
  if (alg.startsWith('ES')) {
    pair = generateDerKeyPair('ec', { namedCurve: options.namedCurve ?? NODE_CURVE[alg]! })
  } else if (alg === 'EdDSA' || alg === 'Ed25519') {
    pair = generateDerKeyPair('ed25519')
  } else if (alg.startsWith('RS') || alg.startsWith('PS')) {
    pair = generateDerKeyPair('rsa', { modulusLength: options.modulusLength ?? 2048 })
  } else {
    throw new TypeError(`no key type for ${alg}`)
  }
  const jwk: JsonWebKeyLike = { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKeyLike), kid, use: 'sig' }
  if (options.withAlg !== false) jwk.alg = alg
  return { alg, kid, ...pair, jwk }
}

const HASH: Record<string, string> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
}

/** What signs: a private key, or HMAC secret bytes / text. */
export type SigningKey = KeyObject | Uint8Array | string

/**
 * Computes the JWS signature of `input` as `alg` prescribes. The key need not fit the alg:
 * an ES384 signature made with a P-256 key is exactly what an alg-mismatch forgery needs.
 */
export function signInput(alg: string, key: SigningKey, input: string | Uint8Array): Buffer {
  const data = typeof input === 'string' ? Buffer.from(input) : input
  if (alg.startsWith('HS')) {
    const secret = typeof key === 'string' || key instanceof Uint8Array ? key : key.export()
    return createHmac(HASH[alg]!, secret).update(data).digest()
  }
  if (typeof key === 'string' || key instanceof Uint8Array) throw new TypeError(`${alg} needs a private key`)
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, key)
  if (alg.startsWith('ES')) return sign(HASH[alg]!, data, { key, dsaEncoding: 'ieee-p1363' })
  if (alg.startsWith('PS')) {
    return sign(HASH[alg]!, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  }
  if (alg.startsWith('RS')) return sign(HASH[alg]!, data, key)
  throw new TypeError(`cannot sign ${alg}`)
}

/** base64url without padding. */
export function b64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url')
}

/** Decodes base64url (lenient: for reading test vectors, not for judging them). */
export function fromB64url(input: string): Buffer {
  return Buffer.from(input, 'base64url')
}

/** Seconds since the epoch, read from `Date` (so a faked clock applies). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** A valid claims set for the fixture verifier, with `overrides` applied (undefined deletes). */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds()
  const base: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: randomUUID(),
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

/** Options of {@link createJwt}. */
export interface CreateJwtOptions {
  /** The signing key. A key pair also supplies the default `alg` and `kid`. */
  key?: TestKeyPair | SigningKey
  /** Header members over `{ alg, kid }` (undefined deletes), or the exact JSON text. */
  header?: Record<string, unknown> | string
  /** Claims over {@link claims}() (undefined deletes), or the exact JSON text. */
  payload?: Record<string, unknown> | string
  /** The alg whose algorithm computes the signature. Default: the header's `alg`. */
  signAs?: string
  /** Use these signature bytes instead of signing. */
  signature?: Uint8Array
}

function isKeyPair(key: unknown): key is TestKeyPair {
  return typeof key === 'object' && key !== null && 'privateKey' in key && 'jwk' in key
}

function headerText(options: CreateJwtOptions): { text: string; alg: string } {
  if (typeof options.header === 'string') {
    const parsed = JSON.parse(options.header) as { alg?: unknown }
    return { text: options.header, alg: typeof parsed.alg === 'string' ? parsed.alg : '' }
  }
  const header: Record<string, unknown> = {}
  if (isKeyPair(options.key)) Object.assign(header, { alg: options.key.alg, kid: options.key.kid })
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (value === undefined) delete header[name]
    else header[name] = value
  }
  return { text: JSON.stringify(header), alg: typeof header.alg === 'string' ? header.alg : '' }
}

/**
 * Mints a compact JWS: header and payload JSON (or exact text), signed with real crypto.
 *
 * @example
 * ```ts
 * const token = createJwt({ key: fixture.keys.ES256, payload: { sub: 'admin' } })
 * ```
 */
export function createJwt(options: CreateJwtOptions = {}): string {
  const { text, alg } = headerText(options)
  const payload = typeof options.payload === 'string' ? options.payload : JSON.stringify(claims(options.payload))
  return signSegments(b64url(text), b64url(payload), options.signAs ?? alg, options.key, options.signature)
}

/**
 * Signs already-encoded segments exactly as given (padded, with whitespace, any alphabet):
 * the signature covers the bytes the verifier sees, so only the encoding is at fault.
 */
export function signSegments(
  headerSegment: string,
  payloadSegment: string,
  alg: string,
  key: TestKeyPair | SigningKey | undefined,
  signature?: Uint8Array,
): string {
  const input = `${headerSegment}.${payloadSegment}`
  let bytes: Uint8Array
  if (signature !== undefined) bytes = signature
  else if (key === undefined) bytes = new Uint8Array(0)
  else bytes = signInput(alg, isKeyPair(key) ? key.privateKey : key, input)
  return `${input}.${b64url(bytes)}`
}

/** Splits a compact token into its three segments (throws on any other shape). */
export function segments(token: string): [string, string, string] {
  const parts = token.split('.')
  if (parts.length !== 3) throw new TypeError('not a three-part token')
  return parts as [string, string, string]
}

/** Big-endian fixed-width bytes of a non-negative integer given in hex. */
export function fixedBytes(hex: string, width: number): Buffer {
  return Buffer.from(hex.padStart(width * 2, '0'), 'hex')
}

/**
 * True when `token`'s signature verifies under `publicKey` with `alg`'s algorithm: proof
 * that a forgery is cryptographically sound, so only the verifier's policy can refuse it.
 */
export function signatureHolds(token: string, alg: string, publicKey: KeyObject): boolean {
  const [header, payload, signature] = segments(token)
  const data = Buffer.from(`${header}.${payload}`)
  const bytes = fromB64url(signature)
  if (alg === 'EdDSA') return verify(null, data, publicKey, bytes)
  const hash = HASH[alg]!
  if (alg.startsWith('ES')) return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, bytes)
  if (alg.startsWith('PS')) {
    return verify(
      hash,
      data,
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
      bytes,
    )
  }
  return verify(hash, data, publicKey, bytes)
}
