/**
 * The verifier implementations the security suite runs against: every crypto path the
 * package ships must refuse the same forgeries.
 */
import { nodeBackend } from '../../../src/backend/node.js'
import type { CryptoBackend } from '../../../src/backend/types.js'
import { webCryptoBackend } from '../../../src/backend/webcrypto.js'
import { resolveVerifierConfig } from '../../../src/core/config.js'
import { createJwsVerifier } from '../../../src/core/jws.js'
import * as neutral from '../../../src/index.js'
import * as node from '../../../src/index.node.js'

/** What the suite needs of a verifier. */
export interface TestVerifier {
  verify(token: string): Promise<{ payload: Record<string, unknown>; protectedHeader: Record<string, unknown> }>
  close(): void | Promise<void>
}

/** A verifier factory taking options the suite builds (some deliberately bad). */
export type TestVerifierFactory = (options: Record<string, unknown>) => TestVerifier

/** A verifier of the signature alone: the payload may be any bytes, no claim is read. */
export interface TestJwsVerifier {
  verify(token: string): Promise<{ payload: Uint8Array; protectedHeader: Record<string, unknown> }>
  close(): void
}

/** Builds a {@link TestJwsVerifier} from the key source and alg options of `createVerifier`. */
export type TestJwsVerifierFactory = (options: Record<string, unknown>) => TestJwsVerifier

/** One crypto path of the package. */
export interface VerifierPath {
  name: string
  createVerifier: TestVerifierFactory
  /**
   * The signature level of the same path (the package's internal `createJwsVerifier`,
   * which `createVerifier` runs below the claims): it lets the Wycheproof vectors, whose
   * payloads are not claims sets, be accepted when valid.
   */
  createJwsVerifier: TestJwsVerifierFactory
}

/** Every path under test: the runtime-neutral entry (WebCrypto) and the `node` entry (node:crypto). */
export const VERIFIER_PATHS: readonly VerifierPath[] = [
  pathOf('neutral WebCrypto', neutral, webCryptoBackend),
  pathOf('Node fast path', node, nodeBackend),
]

function pathOf(name: string, entry: object, backend: CryptoBackend): VerifierPath {
  const exports = entry as Record<string, unknown>
  return {
    name,
    createVerifier: exports['createVerifier'] as TestVerifierFactory,
    createJwsVerifier: signatureLevel(backend),
  }
}

/**
 * The signature level as `createVerifier` builds it: the options go through the same
 * checks and key source construction, then parse and signature check run on the token.
 * The issuer and audience only satisfy those checks; no claim is read at this level.
 */
function signatureLevel(backend: CryptoBackend): TestJwsVerifierFactory {
  return (options) => {
    const config = resolveVerifierConfig({ issuer: 'https://issuer.invalid', audience: 'unused', ...options }, backend)
    const route = config.single!
    const jws = createJwsVerifier({ maxTokenLength: config.maxTokenLength, algorithms: config.algorithms, backend })
    return {
      async verify(token) {
        const parsed = jws.parse(token)
        await jws.checkSignature(parsed, route.source)
        return { protectedHeader: parsed.header, payload: backend.decodeBytes(parsed.payload) }
      },
      close: () => route.close(),
    }
  }
}
