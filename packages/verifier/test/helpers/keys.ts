/**
 * The one place tests make keys: every key pair comes from node:crypto through DER (see
 * der-key-pair.mjs: on Node 20 a JWK export of a key straight out of generateKeyPair can
 * deadlock), with the public JWK a JWKS would publish for it.
 */
import { type KeyObject, randomUUID } from 'node:crypto'
import { CompactSign, compactVerify, type JWK } from 'jose'
import type { JsonWebKeyLike } from '../../src/jwk-types.js'
import { generateDerKeyPair } from './der-key-pair.mjs'

/** The asymmetric algs the fixture holds a key for. */
export type FixtureAlg = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS256' | 'PS256'

/** A key pair and the public JWK a JWKS would publish for it. */
export interface TestKeyPair {
  alg: string
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** The public JWK with `kid`, and `alg` and `use: "sig"` unless left out. */
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
  /** Put `use: "sig"` in the JWK. Default true. */
  withUse?: boolean
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
  const jwk: JsonWebKeyLike = { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKeyLike), kid }
  if (options.withUse !== false) jwk.use = 'sig'
  if (options.withAlg !== false) jwk.alg = alg
  return { alg, kid, ...pair, jwk }
}

/** True for a {@link TestKeyPair}. */
export function isKeyPair(key: unknown): key is TestKeyPair {
  return typeof key === 'object' && key !== null && 'privateKey' in key && 'jwk' in key
}

/** A key pair as a bare public JWK lists it: `kid` only, no `alg` or `use`. */
export type KeyPair = TestKeyPair

/** A fresh key pair for `alg` whose JWK carries no `alg` or `use`; `modulusLength` for RSA (default 2048). */
export function newKeyPair(alg: string, options: { kid?: string; modulusLength?: number } = {}): KeyPair {
  return generateKeyPair(alg, {
    kid: options.kid ?? `${alg}-${randomUUID().slice(0, 8)}`,
    modulusLength: options.modulusLength,
    withAlg: false,
    withUse: false,
  })
}

const shared = new Map<string, KeyPair>()

/** A key pair per alg (as {@link newKeyPair}, kid `${alg}-key`), shared within a test file: RSA generation is slow. */
export function keyPair(alg: string): KeyPair {
  let pair = shared.get(alg)
  if (pair === undefined) {
    pair = newKeyPair(alg, { kid: `${alg}-key` })
    shared.set(alg, pair)
  }
  return pair
}

/** A real signing key pair, its public JWK as a JWKS would list it, and a way to sign with it. */
export interface TestKey {
  kid: string
  alg: string
  /** The public JWK, with `kid`, `alg` and `use: "sig"`. */
  jwk: JWK
  /** Signs a token with the private key, naming this key's kid (or none with `kid: null`). */
  sign(header?: { kid?: string | null }): Promise<string>
}

/** Creates a key pair for `alg` (RSA for an alg without a key type of its own), named `kid` (random by default). */
export async function createTestKey(alg = 'ES256', kid: string = randomKid()): Promise<TestKey> {
  const pair = generateKeyPair(/^(ES|RS|PS)\d{3}$|^EdDSA$|^Ed25519$/.test(alg) ? alg : 'RS256', { kid })
  const jwk = { ...pair.jwk, alg } as JWK
  return {
    kid,
    alg,
    jwk,
    async sign(header = {}) {
      const named = header.kid === null ? {} : { kid: header.kid ?? kid }
      return new CompactSign(new TextEncoder().encode('{"sub":"test"}'))
        .setProtectedHeader({ alg, ...named })
        .sign(pair.privateKey)
    },
  }
}

/** True when `key` (as a key source resolved it) verifies `token`. */
export async function verifies(key: unknown, token: string): Promise<boolean> {
  try {
    await compactVerify(token, key as CryptoKey)
    return true
  } catch {
    return false
  }
}

/** A kid nobody has published. */
export function randomKid(): string {
  return randomUUID()
}
