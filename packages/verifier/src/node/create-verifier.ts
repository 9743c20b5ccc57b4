import { nodeBackend } from '../backend/node.js'
import { buildVerifier } from '../core/verifier.js'
import type { VerifierOptions } from '../options.js'
import type { Verifier } from '../types.js'

/**
 * Creates a verifier, like the runtime-neutral `createVerifier`, on `node:crypto`: keys
 * become `KeyObject`s once; a verification alone is checked synchronously, so it settles
 * without waiting on WebCrypto's promises, while many in flight at once are spread over
 * libuv's thread pool and the main thread. Local keys are imported here, so a bad key is a
 * `TypeError` at once. The package's `node` export condition selects this function on
 * Node.js.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'https://id.example.com',
 *   audience: 'shop',
 *   keys: publicKeyPem,
 *   algorithms: ['ES256'],
 * })
 * const { payload } = await verifier.verify(token)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return buildVerifier(options, nodeBackend)
}
