import { webCryptoBackend } from './backend/webcrypto.js'
import { buildVerifier } from './core/verifier.js'
import type { VerifierOptions } from './options.js'
import type { Verifier } from './types.js'

/**
 * Creates a verifier of JWTs signed with keys from a JWKS URL, OpenID discovery, a JWK Set,
 * local keys or a shared secret. Options are checked once, here: bad options throw a
 * `TypeError`. This entry uses only WebCrypto and `fetch`, so it runs on Node.js, Bun,
 * Deno and edge workers; on Node.js the package's `node` export condition selects a
 * faster build of the same function on `node:crypto`.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'https://id.example.com',
 *   audience: 'shop',
 *   jwksUri: 'https://id.example.com/jwks/shop',
 *   algorithms: ['ES256'],
 * })
 * const { payload } = await verifier.verify(token)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return buildVerifier(options, webCryptoBackend)
}
