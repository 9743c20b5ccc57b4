/**
 * Key pairs for tests, made through DER. On Node 20, exporting a JWK from a KeyObject that
 * comes straight out of generateKeyPair(Sync) can deadlock the process: the export holds
 * the key's lock while it allocates, an allocation may run the garbage collector, and the
 * collector then frees the generation job, whose destructor waits for that same lock.
 * Keys generated as DER and re-imported share nothing with the job.
 *
 * Plain JavaScript, so that a child process can load it without a TypeScript loader (the
 * regression test runs it under a V8 flag that collects garbage at every few allocations).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'

/**
 * Generates a key pair of `type` (`'ec'`, `'ed25519'`, `'rsa'`, ...) with node:crypto
 * `options`, and returns KeyObjects re-imported from its DER encodings.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateDerKeyPair('ec', { namedCurve: 'P-256' })
 * const jwk = publicKey.export({ format: 'jwk' })
 * ```
 */
export function generateDerKeyPair(type, options = {}) {
  const pair = generateKeyPairSync(type, {
    ...options,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  })
  return {
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
  }
}
