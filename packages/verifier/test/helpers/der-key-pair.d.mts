import type { KeyObject } from 'node:crypto'

/** A key pair re-imported from DER: safe to export as JWK on every supported Node. */
export interface DerKeyPair {
  publicKey: KeyObject
  privateKey: KeyObject
}

/** Generates a key pair of `type` with node:crypto `options`, through DER. */
export function generateDerKeyPair(type: 'ec' | 'ed25519' | 'x25519' | 'rsa' | 'rsa-pss', options?: Record<string, unknown>): DerKeyPair
