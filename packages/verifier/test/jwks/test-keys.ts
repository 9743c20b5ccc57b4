import { CompactSign, compactVerify, type JWK } from 'jose'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'

/** A real signing key pair, its public JWK as a JWKS would list it, and a way to sign with it. */
export interface TestKey {
  kid: string
  alg: string
  /** The public JWK, with `kid`, `alg` and `use: "sig"`. */
  jwk: JWK
  /** Signs a token with the private key, naming this key's kid (or none with `kid: null`). */
  sign(header?: { kid?: string | null }): Promise<string>
}

const KEY_TYPES: Record<string, [type: 'ec' | 'ed25519' | 'rsa', options: Record<string, unknown>]> = {
  ES256: ['ec', { namedCurve: 'P-256' }],
  ES384: ['ec', { namedCurve: 'P-384' }],
  ES512: ['ec', { namedCurve: 'P-521' }],
  EdDSA: ['ed25519', {}],
}

/** Creates a key pair for `alg` (through DER, see der-key-pair.mjs), named `kid` (random by default). */
export async function createTestKey(alg = 'ES256', kid: string = randomKid()): Promise<TestKey> {
  const [type, options] = KEY_TYPES[alg] ?? ['rsa', { modulusLength: 2048 }]
  const { publicKey, privateKey } = generateDerKeyPair(type, options)
  const jwk: JWK = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' }
  return {
    kid,
    alg,
    jwk,
    async sign(header = {}) {
      const named = header.kid === null ? {} : { kid: header.kid ?? kid }
      return new CompactSign(new TextEncoder().encode('{"sub":"test"}'))
        .setProtectedHeader({ alg, ...named })
        .sign(privateKey)
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
  return crypto.randomUUID()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Waits until `check()` holds, polling; fails after `limitMs` (a hang guard, not a timing claim). */
export async function until(check: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await sleep(10)
  }
}

/** Whatever the lookup gives, synchronously or not; a `sync` flag tells which. */
export async function settle<T>(run: () => T | Promise<T>): Promise<{ sync: boolean; value?: T; error?: unknown }> {
  let result: T | Promise<T>
  try {
    result = run()
  } catch (error) {
    return { sync: true, error }
  }
  if (!(result instanceof Promise)) return { sync: true, value: result }
  try {
    return { sync: false, value: await result }
  } catch (error) {
    return { sync: false, error }
  }
}
