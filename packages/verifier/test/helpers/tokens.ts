/**
 * The one place tests mint tokens. {@link createJwt} and {@link signSegments} mint and forge
 * compact JWS with real crypto (node:crypto), byte for byte under the test's control: exact
 * header and payload text, tampered segments, foreign keys. {@link mint} mints through
 * jose's SignJWT, for tokens as a reference implementation writes them.
 */
import { type KeyObject, constants, createHmac, randomUUID, sign, verify } from 'node:crypto'
import { SignJWT } from 'jose'
import { type TestKeyPair, isKeyPair } from './keys.js'

/** The issuer every test token claims and every test verifier expects. */
export const ISSUER = 'https://id.example.com'
/** The audience every test token claims and every test verifier expects. */
export const AUDIENCE = 'shop'

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
export async function mint(pair: TestKeyPair | undefined, options: MintOptions = {}): Promise<string> {
  const now = nowSeconds()
  const claims: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300 }
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

/** Signs exact segments with node:crypto: for tokens whose bytes a test controls. */
export function signRaw(alg: string, key: SigningKey, headerPart: string, payloadPart: string): string {
  return signSegments(headerPart, payloadPart, alg, key)
}

/** Valid claims as JSON text, for raw tokens; `extra` is spliced in before the closing brace. */
export function claimsText(extra = ''): string {
  const now = nowSeconds()
  return `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"user-1","iat":${now},"exp":${now + 300}${extra}}`
}
