import type { KeyObject } from 'node:crypto'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

/** A key pair for tests. */
export interface TestKeyPair {
  publicKey: KeyObject
  privateKey: KeyObject
}

const cache = new Map<string, TestKeyPair>()

/**
 * A key pair of a kind, made once per test file: `P-256`, `P-384`, `P-521`, `Ed25519`,
 * `RSA-2048` or `RSA-1024` (too small on purpose).
 */
export function keyPair(kind: string): TestKeyPair {
  let pair = cache.get(kind)
  if (pair === undefined) {
    if (kind.startsWith('P-')) pair = generateKeyPairViaDer('ec', { namedCurve: kind })
    else if (kind === 'Ed25519') pair = generateKeyPairViaDer('ed25519')
    else if (kind.startsWith('RSA-')) pair = generateKeyPairViaDer('rsa', { modulusLength: Number(kind.slice(4)) })
    else throw new Error(`no test key of kind ${kind}`)
    cache.set(kind, pair)
  }
  return pair
}

/** Base64url of a JSON value. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A compact token with one part replaced. */
export function withPart(token: string, index: number, part: string): string {
  const parts = token.split('.')
  parts[index] = part
  return parts.join('.')
}

/** A base64url part with one bit of its first byte flipped. */
export function flipped(part: string): string {
  const bytes = Buffer.from(part, 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 1
  return bytes.toString('base64url')
}

/** The decoded protected header of a compact token. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>
}
