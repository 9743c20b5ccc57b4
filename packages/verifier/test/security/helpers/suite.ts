import { afterAll, beforeAll } from 'vitest'
import { type SecurityFixture, startFixture } from './fixture.js'
import type { TestVerifier, TestVerifierFactory } from './verifiers.js'

/** A fixture and a verifier trusting its published keys, for one describe block. */
export interface FixtureSuite {
  fixture: SecurityFixture
  verifier: TestVerifier
}

/**
 * Starts a fixture and a verifier on its default options before the enclosing describe
 * block's tests, and closes both after them. Read the fields inside tests, not before.
 */
export function useFixtureVerifier(createVerifier: TestVerifierFactory): FixtureSuite {
  const suite = {} as FixtureSuite
  beforeAll(async () => {
    suite.fixture = await startFixture()
    suite.verifier = createVerifier(suite.fixture.options())
  })
  afterAll(async () => {
    await suite.verifier?.close()
    await suite.fixture?.close()
  })
  return suite
}
