/**
 * Key pair generation off the event loop (node:crypto runs `generateKeyPair` on the thread
 * pool). Which algs and sizes a client may have is the alg policy's (`core/alg-policy.ts`).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'

/** The key pair to make, as node:crypto parameters. */
export type KeyPairShape =
  | { type: 'rsa'; modulusLength: number }
  | { type: 'ec'; namedCurve: string }
  | { type: 'ed25519' }

/** A freshly generated key pair. */
export interface GeneratedKey {
  /** RFC 7638 SHA-256 thumbprint of the public key, base64url: the `kid` of tokens and the JWKS. */
  id: string
  alg: string
  /** The public JWK, with `kid`, `alg` and `use`. */
  publicJwk: Record<string, unknown> & { kty: string; kid: string }
  /** The private JWK, with `kid`, `alg` and `use`. Seal it before it is stored. */
  privateJwk: Record<string, unknown>
}

/** DER output keeps the generated key apart from the generation job (see generatePair). */
const DER_OUTPUT = {
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'der' },
} as const

/**
 * Generates on the thread pool and re-imports the DER output. Exporting a JWK straight from
 * the KeyObjects a generation job hands back can deadlock on Node 20 (the export holds the
 * key's lock while the job's cleanup waits for it); fresh KeyObjects have no such tie.
 */
function generatePair(shape: KeyPairShape): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicDer: Buffer, privateDer: Buffer): void => {
      if (err) {
        reject(err)
        return
      }
      resolve({
        publicKey: createPublicKey({ key: publicDer, format: 'der', type: 'spki' }),
        privateKey: createPrivateKey({ key: privateDer, format: 'der', type: 'pkcs8' }),
      })
    }
    switch (shape.type) {
      case 'rsa':
        generateKeyPair('rsa', { modulusLength: shape.modulusLength, publicExponent: 0x10001, ...DER_OUTPUT }, done)
        break
      case 'ec':
        generateKeyPair('ec', { namedCurve: shape.namedCurve, ...DER_OUTPUT }, done)
        break
      case 'ed25519':
        generateKeyPair('ed25519', DER_OUTPUT, done)
        break
    }
  })
}

/**
 * Generates a key pair labelled with its use and alg, on the thread pool.
 *
 * @example
 * ```ts
 * const key = await generateKeyPairFor('sig', 'ES256', { type: 'ec', namedCurve: 'P-256' })
 * ```
 */
export async function generateKeyPairFor(use: 'sig' | 'enc', alg: string, shape: KeyPairShape): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await generatePair(shape)
  const publicPart = publicKey.export({ format: 'jwk' })
  const id = await calculateJwkThumbprint(publicPart as JWK, 'sha256')
  const labels = { kid: id, alg, use }
  return {
    id,
    alg,
    publicJwk: { ...publicPart, kty: publicPart.kty!, ...labels },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...labels },
  }
}
