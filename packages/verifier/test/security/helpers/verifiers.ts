/**
 * The verifier implementations the security suite runs against: every crypto path the
 * package ships must refuse the same forgeries.
 */
import * as neutral from '../../../src/index.js'
import * as node from '../../../src/index.node.js'

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
  pathOf('neutral WebCrypto', neutral),
  pathOf('Node fast path', node),
]

function pathOf(name: string, entry: object): VerifierPath {
  const exports = entry as Record<string, unknown>
  const path: VerifierPath = { name, createVerifier: exports['createVerifier'] as TestVerifierFactory }
  // Picked up when the entry offers a signature-level verifier under this name.
  const jws = exports['createJwsVerifier']
  if (typeof jws === 'function') path.createJwsVerifier = jws as TestVerifierFactory
  return path
}
