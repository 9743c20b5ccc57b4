/**
 * The two builds of `createVerifier` the package ships: runtime-neutral (WebCrypto) and
 * Node.js (node:crypto). Suites run against both with `describe.each(BACKENDS)`.
 */
import { createVerifier as createWebCryptoVerifier } from '../../src/index.js'
import { createVerifier as createNodeVerifier } from '../../src/index.node.js'

/** One build of createVerifier. */
export interface Backend {
  name: string
  createVerifier: typeof createWebCryptoVerifier
}

/** Both builds. */
export const BACKENDS: readonly Backend[] = [
  { name: 'webcrypto', createVerifier: createWebCryptoVerifier },
  { name: 'node', createVerifier: createNodeVerifier },
]
