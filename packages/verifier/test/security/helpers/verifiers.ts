/**
 * The verifier implementations the security suite runs against: every crypto path the
 * package ships must refuse the same forgeries.
 */
import { createVerifier } from '../../../src/index.js'
import { createVerifier as createNodeVerifier } from '../../../src/node/create-verifier.js'

/** What the suite needs of a verifier. */
export interface TestVerifier {
  verify(token: string): Promise<{ payload: Record<string, unknown>; protectedHeader: Record<string, unknown> }>
  close(): void | Promise<void>
}

/** A verifier factory taking options the suite builds (some deliberately bad). */
export type TestVerifierFactory = (options: Record<string, unknown>) => TestVerifier

/** One crypto path of the package. */
export interface VerifierPath {
  name: string
  createVerifier: TestVerifierFactory
  /**
   * A verifier of the signature alone (payload any bytes, no claims checks), when the
   * package offers one: it lets the Wycheproof vectors, whose payloads are not claims
   * sets, be accepted when valid.
   */
  createJwsVerifier?: TestVerifierFactory
}

/** Every path under test: the runtime-neutral entry (WebCrypto) and the `node` entry (node:crypto). */
export const VERIFIER_PATHS: readonly VerifierPath[] = [
  { name: 'neutral WebCrypto', createVerifier: createVerifier as unknown as TestVerifierFactory },
  { name: 'Node fast path', createVerifier: createNodeVerifier as unknown as TestVerifierFactory },
]
