import { algorithmProfile, jwkFitsAlgorithm } from '../algorithms.js'
import { rsaKeyFlaw } from '../rsa-key.js'
import type { JsonWebKeyLike } from '../jwk-types.js'

/** A JWK that passed the selection rules, reduced to its public members. */
export interface SelectedKey {
  kid: string | undefined
  /** The public members only (`kty`, `crv`, `x`, `y`, `n`, `e`, plus `kid` and `alg`). */
  jwk: JsonWebKeyLike
  /** The allowed algs the key may be used with: its own `alg`, or every allowed alg that fits it. */
  algorithms: readonly string[]
  /** Identifies the key material, so an unchanged key is not imported twice. */
  fingerprint: string
}

/** Why a JWKS document as a whole was refused. */
export class JwksDocumentError extends Error {
  override readonly name = 'JwksDocumentError'
}

/** Members that only a private or secret key carries. A set that publishes them is compromised. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** The members each key type needs, all base64url strings. */
const PUBLIC_MEMBERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['EC', ['crv', 'x', 'y']],
  ['OKP', ['crv', 'x']],
  ['RSA', ['n', 'e']],
])

const BASE64URL = /^[A-Za-z0-9_-]+$/

/** A kid that two different usable keys of a document share: tokens naming it are refused. */
export interface AmbiguousKid {
  kid: string
  /** Every alg the keys under this kid could serve, so that a token without a kid counts them too. */
  algorithms: readonly string[]
}

/** What {@link selectKeys} keeps of a JWKS document. */
export interface KeySelection {
  /** The usable keys, in document order; a kid appears at most once. */
  keys: SelectedKey[]
  /** Kids listed for two or more different usable keys. None of their keys is in {@link keys}. */
  ambiguous: AmbiguousKid[]
}

/**
 * Applies the per-key rules to a JWKS document: the document must be an object with a
 * `keys` array of at most `maxKeys` entries (otherwise it is refused whole, with a
 * {@link JwksDocumentError}); then each key is kept or skipped on its own, so one bad key
 * never spoils the set. A key is skipped when it is meant for encryption (`use` other than
 * `sig`, `key_ops` without `verify`), has an unknown kty, crv or alg, an alg outside
 * `algorithms`, carries private members, or is an RSA key under the alg's minimum size,
 * with an exponent under 3 or even, or with the ROCA flaw. A key without `alg` is usable
 * for every allowed alg that fits its kty and curve.
 *
 * A kid listed for two different usable keys is ambiguous: neither key is kept under it
 * (taking the first listed would let the document's order decide which signer is trusted).
 * The same key listed twice under one kid, for the same algs, is kept once. Keys without a
 * kid are never ambiguous: they serve only tokens without a kid, and only when a single
 * key fits the token's alg.
 */
export function selectKeys(
  document: unknown,
  algorithms: readonly string[],
  maxKeys: number = Number.POSITIVE_INFINITY,
): KeySelection {
  if (!isObject(document) || !Array.isArray(document.keys)) {
    throw new JwksDocumentError('JWKS document is not an object with a "keys" array')
  }
  const entries: unknown[] = document.keys
  if (entries.length > maxKeys) {
    throw new JwksDocumentError(`JWKS document lists ${entries.length} keys, more than the limit of ${maxKeys}`)
  }
  const selected: SelectedKey[] = []
  const byKid = new Map<string, SelectedKey>()
  const ambiguous = new Map<string, Set<string>>()
  for (const entry of entries) {
    const key = selectKey(entry, algorithms)
    if (key === undefined) continue
    if (key.kid === undefined) {
      selected.push(key)
      continue
    }
    const clash = ambiguous.get(key.kid)
    if (clash !== undefined) {
      for (const alg of key.algorithms) clash.add(alg)
      continue
    }
    const held = byKid.get(key.kid)
    if (held === undefined) {
      byKid.set(key.kid, key)
      selected.push(key)
    } else if (!isSameKey(held, key)) {
      ambiguous.set(key.kid, new Set([...held.algorithms, ...key.algorithms]))
    }
  }
  return {
    keys: ambiguous.size === 0 ? selected : selected.filter((key) => key.kid === undefined || !ambiguous.has(key.kid)),
    ambiguous: [...ambiguous].map(([kid, algs]) => ({ kid, algorithms: [...algs] })),
  }
}

/** The same key material for the same algs: a repeated entry, not a second key. */
function isSameKey(a: SelectedKey, b: SelectedKey): boolean {
  return (
    a.fingerprint === b.fingerprint &&
    a.algorithms.length === b.algorithms.length &&
    a.algorithms.every((alg) => b.algorithms.includes(alg))
  )
}

function selectKey(entry: unknown, allowed: readonly string[]): SelectedKey | undefined {
  if (!isObject(entry)) return undefined
  const { kty, kid, alg, use, key_ops: keyOps } = entry
  if (typeof kty !== 'string') return undefined
  const members = PUBLIC_MEMBERS.get(kty)
  if (members === undefined) return undefined
  if (kid !== undefined && typeof kid !== 'string') return undefined
  if (use !== undefined && use !== 'sig') return undefined
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined
  if (PRIVATE_MEMBERS.some((member) => entry[member] !== undefined)) return undefined
  if (!members.every((member) => typeof entry[member] === 'string' && BASE64URL.test(entry[member]))) return undefined

  let algorithms: string[]
  if (alg === undefined) {
    algorithms = allowed.filter((candidate) => fits(entry, candidate))
  } else if (typeof alg === 'string' && allowed.includes(alg) && fits(entry, alg)) {
    algorithms = [alg]
  } else {
    return undefined
  }
  if (algorithms.length === 0) return undefined

  const jwk: JsonWebKeyLike = { kty }
  for (const member of members) jwk[member] = entry[member]
  if (kid !== undefined) jwk.kid = kid
  if (alg !== undefined) jwk.alg = alg
  const fingerprint = [kty, ...members.map((member) => entry[member] as string)].join('.')
  return { kid, jwk, algorithms, fingerprint }
}

/**
 * The alg is known, its kty and curve fit, and an RSA key is large enough and has neither
 * a forgeable exponent nor the ROCA flaw.
 */
function fits(jwk: Record<string, unknown>, alg: string): boolean {
  const profile = algorithmProfile(alg)
  if (profile === undefined || profile.kty === 'oct' || !jwkFitsAlgorithm(jwk, alg)) return false
  if (profile.kty !== 'RSA') return true
  const modulus = integerBytes(jwk.n as string)
  const exponent = integerBytes(jwk.e as string)
  return bitLength(modulus) >= (profile.minKeyBytes ?? 0) * 8 && rsaKeyFlaw(modulus, exponent) === undefined
}

/** The bytes of a base64url big-endian unsigned integer (empty when it does not decode). */
function integerBytes(value: string): Uint8Array {
  let bytes: string
  try {
    bytes = atob(value.replaceAll('-', '+').replaceAll('_', '/'))
  } catch {
    return new Uint8Array(0)
  }
  return Uint8Array.from(bytes, (char) => char.charCodeAt(0))
}

/** Bit length of a big-endian unsigned integer, ignoring leading zero octets. */
function bitLength(bytes: Uint8Array): number {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks an allow-list for a key set: a non-empty array of known asymmetric algs. HMAC
 * algs are refused, since a key set never holds a shared secret.
 *
 * @throws TypeError naming the first alg at fault.
 */
export function checkAllowList(algorithms: unknown): ReadonlySet<string> {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('algorithms must be a non-empty array of JWS algorithm names')
  }
  for (const alg of algorithms) {
    const profile = typeof alg === 'string' ? algorithmProfile(alg) : undefined
    if (profile === undefined) throw new TypeError(`algorithms: ${JSON.stringify(alg)} is not a supported JWS algorithm`)
    if (profile.kty === 'oct') throw new TypeError(`algorithms: ${alg} needs a shared secret; a key set holds public keys only`)
  }
  return new Set<string>(algorithms)
}
