/**
 * Which key algs, sizes and content encryptions a client may use: the issuer's alg policy.
 * The JOSE code below implements more than this allows in no case; RSA1_5 is refused here
 * by name, with the reason.
 */
import { type GeneratedKey, generateKeyPairFor } from '../crypto/keys.js'
import { IssuerError } from '../errors.js'
import { CONTENT_ENCRYPTIONS } from '../jose/jose-algorithms.js'

/** What key to make. */
export interface KeySpec {
  /** `sig` for a JWS signing key, `enc` for a JWE key-management key. */
  use: 'sig' | 'enc'
  /** The JWS alg (`ES256`, `EdDSA`, `RS256`, `PS256`, ...) or JWE alg (`RSA-OAEP-256`, `ECDH-ES+A256KW`, ...). */
  alg: string
  /**
   * RSA modulus length (2048, 3072 or 4096; default 2048), or the EC curve size (256, 384
   * or 521). For ES* and EdDSA the alg fixes the curve: absent, or that curve's size.
   * For ECDH-ES* it picks the curve; default 256 (P-256).
   */
  bits?: number | undefined
}

type KeyShape =
  | { type: 'rsa'; sizes: readonly number[]; defaultSize: number }
  | { type: 'ec'; curves: Readonly<Record<number, string>>; defaultSize: number }
  | { type: 'ed25519'; sizes: readonly number[]; defaultSize: number }

const RSA: KeyShape = { type: 'rsa', sizes: [2048, 3072, 4096], defaultSize: 2048 }
const ED25519: KeyShape = { type: 'ed25519', sizes: [256], defaultSize: 256 }
const ecCurve = (bits: number, curve: string): KeyShape => ({ type: 'ec', curves: { [bits]: curve }, defaultSize: bits })
const ECDH: KeyShape = { type: 'ec', curves: { 256: 'P-256', 384: 'P-384', 521: 'P-521' }, defaultSize: 256 }

const SIGNING: Readonly<Record<string, KeyShape>> = {
  ES256: ecCurve(256, 'P-256'),
  ES384: ecCurve(384, 'P-384'),
  ES512: ecCurve(521, 'P-521'),
  EdDSA: ED25519,
  RS256: RSA,
  RS384: RSA,
  RS512: RSA,
  PS256: RSA,
  PS384: RSA,
  PS512: RSA,
}

const KEY_MANAGEMENT: Readonly<Record<string, KeyShape>> = {
  'RSA-OAEP': RSA,
  'RSA-OAEP-256': RSA,
  'ECDH-ES': ECDH,
  'ECDH-ES+A128KW': ECDH,
  'ECDH-ES+A192KW': ECDH,
  'ECDH-ES+A256KW': ECDH,
}

/** The JWS algs a client's signing keys may use. */
export const SIGNING_ALGS: readonly string[] = Object.keys(SIGNING)
/** The JWE key-management algs a client's encryption key may use. */
export const KEY_MANAGEMENT_ALGS: readonly string[] = Object.keys(KEY_MANAGEMENT)
/** The JWE content encryptions a client may use: every one the issuer's JWE implements. */
export const CONTENT_ENCRYPTION_ALGS: readonly string[] = [...CONTENT_ENCRYPTIONS.keys()]

const RSA1_5_REFUSED =
  'RSA1_5 is refused: RSA PKCS#1 v1.5 key transport is open to padding-oracle (Bleichenbacher) attacks; ' +
  'RFC 8725 advises against it and the JOSE working group is deprecating it. Use RSA-OAEP-256 or ECDH-ES+A256KW'

/** An alg from the caller, quoted and cut short so a message stays readable. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)
}

function invalid(message: string): IssuerError {
  return new IssuerError('invalid_request', message)
}

function sizesOf(shape: KeyShape): number[] {
  return shape.type === 'ec' ? Object.keys(shape.curves).map(Number) : [...shape.sizes]
}

function listSizes(sizes: readonly number[]): string {
  if (sizes.length === 1) return String(sizes[0])
  return `${sizes.slice(0, -1).join(', ')} or ${sizes.at(-1)}`
}

function shapeOf(spec: KeySpec): KeyShape {
  if (spec.use !== 'sig' && spec.use !== 'enc') throw invalid(`key use must be "sig" or "enc", not ${quote(spec.use)}`)
  if (typeof spec.alg !== 'string' || spec.alg === '') throw invalid('a key alg is required')
  if (spec.alg === 'RSA1_5') throw invalid(RSA1_5_REFUSED)
  const table = spec.use === 'sig' ? SIGNING : KEY_MANAGEMENT
  const shape = Object.hasOwn(table, spec.alg) ? table[spec.alg] : undefined
  if (shape) return shape
  const kind = spec.use === 'sig' ? 'signing' : 'key-management'
  const supported = (spec.use === 'sig' ? SIGNING_ALGS : KEY_MANAGEMENT_ALGS).join(', ')
  const other = spec.use === 'sig' ? KEY_MANAGEMENT : SIGNING
  if (Object.hasOwn(other, spec.alg)) {
    throw invalid(`${spec.alg} is not a ${kind} alg; supported ${kind} algs: ${supported}`)
  }
  throw invalid(`unsupported ${kind} alg ${quote(spec.alg)}; supported: ${supported}`)
}

function sizeOf(spec: KeySpec, shape: KeyShape): number {
  if (spec.bits === undefined) return shape.defaultSize
  const allowed = sizesOf(shape)
  if (Number.isInteger(spec.bits) && allowed.includes(spec.bits)) return spec.bits
  const given = typeof spec.bits === 'number' ? String(spec.bits) : quote(spec.bits)
  if (shape.type === 'rsa') {
    throw invalid(`${spec.alg} keys take ${listSizes(allowed)} bits (RSA modulus length), not ${given}`)
  }
  if (shape.type === 'ed25519') {
    throw invalid(`${spec.alg} keys are Ed25519: give no bit size, or ${listSizes(allowed)}; not ${given}`)
  }
  const curves = Object.values(shape.curves)
  if (curves.length === 1) {
    throw invalid(`${spec.alg} keys are on ${curves[0]}: give no bit size, or ${listSizes(allowed)}; not ${given}`)
  }
  throw invalid(`${spec.alg} keys take a curve of ${listSizes(allowed)} bits (${curves.join(', ')}), not ${given}`)
}

/**
 * Checks a key spec without generating anything.
 *
 * @throws IssuerError `invalid_request`: an unknown alg (the message lists the supported
 * ones), RSA1_5 (the message says why), or a bit size that does not fit the alg (the
 * message names the allowed sizes).
 * @example
 * ```ts
 * checkKeySpec({ use: 'sig', alg: 'RS256', bits: 1024 }) // throws: RS256 keys take 2048, 3072 or 4096 bits ...
 * ```
 */
export function checkKeySpec(spec: KeySpec): void {
  sizeOf(spec, shapeOf(spec))
}

/**
 * Checks a JWE content encryption (`enc`): A128GCM, A192GCM or A256GCM.
 *
 * @throws IssuerError `invalid_request` naming the supported ones.
 * @example
 * ```ts
 * checkContentEncryption('A256GCM')
 * ```
 */
export function checkContentEncryption(enc: string): void {
  if (!CONTENT_ENCRYPTION_ALGS.includes(enc)) {
    throw invalid(`unsupported content encryption ${quote(enc)}; supported: ${CONTENT_ENCRYPTION_ALGS.join(', ')}`)
  }
}

/**
 * Generates a key pair for a spec, on the thread pool, never blocking the event loop.
 *
 * @throws IssuerError `invalid_request` for a spec {@link checkKeySpec} refuses.
 * @example
 * ```ts
 * const key = await generateKey({ use: 'enc', alg: 'ECDH-ES+A256KW', bits: 384 })
 * key.publicJwk // { kty: 'EC', crv: 'P-384', x, y, kid: key.id, alg: 'ECDH-ES+A256KW', use: 'enc' }
 * ```
 */
export async function generateKey(spec: KeySpec): Promise<GeneratedKey> {
  const shape = shapeOf(spec)
  const size = sizeOf(spec, shape)
  const pair =
    shape.type === 'rsa'
      ? ({ type: 'rsa', modulusLength: size } as const)
      : shape.type === 'ec'
        ? ({ type: 'ec', namedCurve: shape.curves[size]! } as const)
        : ({ type: 'ed25519' } as const)
  return generateKeyPairFor(spec.use, spec.alg, pair)
}
