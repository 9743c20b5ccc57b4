import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'

/** What {@link generateKeyPairViaDer} makes: the kinds the tests use. */
export type TestKeyType = 'ec' | 'ed25519' | 'rsa'

/**
 * `generateKeyPairSync`, but the keys are re-imported from DER before anyone sees them. On
 * Node 20, exporting a JWK from a KeyObject straight out of the generation job can deadlock
 * the process when the garbage collector frees that job at the same moment.
 */
export function generateKeyPairViaDer(
  type: TestKeyType,
  options: { namedCurve?: string; modulusLength?: number } = {},
): { publicKey: KeyObject; privateKey: KeyObject } {
  const der = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const
  const pair = generateKeyPairSync(type as 'ec', { ...(options as { namedCurve: string }), ...der }) as unknown as {
    publicKey: Buffer
    privateKey: Buffer
  }
  return {
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
  }
}
