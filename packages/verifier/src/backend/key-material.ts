import { type AlgorithmProfile, algorithmProfile } from '../algorithms.js'
import type { JsonWebKeyLike } from '../jwk-types.js'
import { decodeBase64Url } from '../parse/base64url.js'
import { rsaKeyFlaw } from '../rsa-key.js'

/** The members of a public JWK, per kty; RFC 7638 orders them for the thumbprint. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** The profile of an asymmetric alg; throws for an unknown alg or an HMAC one. */
export function asymmetricProfile(alg: string): AlgorithmProfile {
  const profile = algorithmProfile(alg)
  if (profile === undefined || profile.kty === 'oct') throw new TypeError(`${alg} is not an asymmetric JWS algorithm`)
  return profile
}

/** True for a plain object that looks like a JWK (has a string `kty`). */
export function isJwkObject(input: unknown): input is JsonWebKeyLike {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { kty?: unknown }).kty === 'string' &&
    typeof (input as { export?: unknown }).export !== 'function'
  )
}

/**
 * Only the public members of a JWK, checked for presence and type. A private JWK, a
 * symmetric one or an unknown kty is a TypeError: a verifier should never hold more than
 * it needs.
 */
export function publicJwk(jwk: JsonWebKeyLike, label: string): Record<string, string> {
  for (const member of PRIVATE_MEMBERS) {
    if (jwk[member] !== undefined) {
      throw new TypeError(
        jwk.kty === 'oct'
          ? `${label} is a symmetric key: give it as the secret option`
          : `${label} is a private key: give the public key`,
      )
    }
  }
  const members = typeof jwk.kty === 'string' && Object.hasOwn(PUBLIC_MEMBERS, jwk.kty) ? PUBLIC_MEMBERS[jwk.kty] : undefined
  if (members === undefined) throw new TypeError(`${label} has an unsupported kty`)
  const out: Record<string, string> = {}
  for (const member of members) {
    const value = jwk[member]
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${label} lacks its "${member}" member`)
    out[member] = value
  }
  return out
}

/** The RFC 7638 thumbprint input: the required public members, in order, as JSON. */
export function thumbprintInput(jwk: Record<string, string>): string {
  const members = PUBLIC_MEMBERS[jwk['kty'] ?? ''] ?? []
  const ordered: Record<string, string> = {}
  for (const member of members) ordered[member] = jwk[member] ?? ''
  return JSON.stringify(ordered)
}

/** Bits of an RSA modulus given as base64url, leading zero bytes ignored. */
export function modulusBits(n: string): number {
  const bytes = decodeBase64Url(n)
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

/** Throws a TypeError unless a key of this type and curve may be used with the alg. */
export function assertKeyFits(kty: string, crv: string | undefined, alg: string, label: string): AlgorithmProfile {
  const profile = asymmetricProfile(alg)
  if (profile.kty !== kty || (profile.crv !== undefined && profile.crv !== crv)) {
    throw new TypeError(`${label} (${describeKey(kty, crv)}) does not fit ${alg}`)
  }
  return profile
}

/** Throws a TypeError for an RSA modulus under the alg's minimum (2048 bits). */
export function assertRsaSize(bits: number, profile: AlgorithmProfile, label: string): void {
  const minBits = (profile.minKeyBytes ?? 0) * 8
  if (bits < minBits) throw new TypeError(`${label} is a ${bits}-bit RSA key; at least ${minBits} bits are required`)
}

/**
 * Throws a TypeError for an RSA public key (modulus and exponent as big-endian bytes)
 * whose signatures anyone can forge: an exponent under 3 or even, or the ROCA flaw (not
 * looked for when the modulus is not known).
 */
export function assertSoundRsaKey(modulus: Uint8Array | undefined, exponent: Uint8Array, label: string): void {
  const flaw = rsaKeyFlaw(modulus, exponent)
  if (flaw !== undefined) throw new TypeError(`${label} ${flaw}`)
}

/** A short description of a key type for error messages, e.g. `EC P-256`. */
export function describeKey(kty: string, crv: string | undefined): string {
  return crv === undefined ? kty : `${kty} ${crv}`
}

/** The label of a PEM armor (`PUBLIC KEY`, `CERTIFICATE`, ...), or undefined when the text is no PEM. */
export function pemLabel(text: string): string | undefined {
  const match = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\s*$/.exec(text)
  return match?.[1]
}

/**
 * Throws a TypeError unless `text` is a PEM of a public key or a certificate; a private
 * key is refused by name, without echoing the text.
 */
export function assertPublicPem(text: string, label: string, accepted: readonly string[]): string {
  const kind = pemLabel(text)
  if (kind === undefined) throw new TypeError(`${label} is neither a PEM nor a JWK`)
  if (kind.includes('PRIVATE')) throw new TypeError(`${label} is a private key: give the public key`)
  if (!accepted.includes(kind)) throw new TypeError(`${label}: a "${kind}" PEM is not supported here (use ${accepted.join(' or ')})`)
  return kind
}
