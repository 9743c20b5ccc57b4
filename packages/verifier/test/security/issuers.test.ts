/**
 * Multi-issuer routing (`issuers: [...]`): the unverified `iss` only picks which keys to
 * try, so a token claiming issuer A is verified with A's keys alone, even when B publishes
 * the same kid, and an `iss` nobody serves (or one named like an object property) fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type JsonServer, startJsonServer } from '../helpers/http-server.js'
import { generateKeyPair, type TestKeyPair } from '../helpers/keys.js'
import { AUDIENCE, createJwt } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

const ISSUER_A = 'https://a.issuer.test'
const ISSUER_B = 'https://b.issuer.test'

describe.each(VERIFIER_PATHS)('issuer routing ($name)', ({ createVerifier }) => {
  let keyA: TestKeyPair
  let keyB: TestKeyPair
  let sharedA: TestKeyPair
  let sharedB: TestKeyPair
  let serverA: JsonServer
  let serverB: JsonServer
  let verifier: TestVerifier

  beforeAll(async () => {
    keyA = generateKeyPair('ES256', { kid: 'a-key' })
    keyB = generateKeyPair('ES256', { kid: 'b-key' })
    // Two issuers, one kid: the key cache must be keyed per source.
    sharedA = generateKeyPair('ES256', { kid: 'shared-kid' })
    sharedB = generateKeyPair('ES256', { kid: 'shared-kid' })
    serverA = await startJsonServer({ keys: [keyA.jwk, sharedA.jwk] })
    serverB = await startJsonServer({ keys: [keyB.jwk, sharedB.jwk] })
    verifier = createVerifier({
      algorithms: ['ES256'],
      issuers: [
        { issuer: ISSUER_A, audience: AUDIENCE, jwksUri: serverA.jwksUri },
        { issuer: ISSUER_B, audience: AUDIENCE, jwksUri: serverB.jwksUri },
      ],
    })
  })
  afterAll(async () => {
    await verifier?.close()
    await serverA?.close()
    await serverB?.close()
  })

  it('verifies each issuer with its own keys (control)', async () => {
    for (const [key, iss] of [
      [keyA, ISSUER_A],
      [keyB, ISSUER_B],
      [sharedA, ISSUER_A],
      [sharedB, ISSUER_B],
    ] as const) {
      const { payload } = await verifier.verify(createJwt({ key, payload: { iss } }))
      expect(payload.iss).toBe(iss)
    }
  })

  it("refuses a token claiming A signed with B's key and kid", async () => {
    const token = createJwt({ key: keyB, payload: { iss: ISSUER_A } })
    await expectRejected(verifier.verify(token), 'ERR_KID_UNKNOWN', token)
  })

  it("refuses a token claiming A signed with B's key under A's kid", async () => {
    const token = createJwt({
      key: keyB.privateKey,
      header: { alg: 'ES256', kid: keyA.kid },
      payload: { iss: ISSUER_A },
    })
    await expectRejected(verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
  })

  it("refuses a token claiming A signed with B's key of a kid both publish", async () => {
    // Verify B's token first so B's key is cached under the shared kid.
    await verifier.verify(createJwt({ key: sharedB, payload: { iss: ISSUER_B } }))
    const token = createJwt({ key: sharedB, payload: { iss: ISSUER_A } })
    await expectRejected(verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
  })

  it.each([
    ['an unknown issuer', 'https://evil.test'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['toString', 'toString'],
    ['a prefix of A', ISSUER_A.slice(0, -1)],
  ])('refuses iss that is %s', async (_label, iss) => {
    const token = createJwt({ key: keyA, payload: { iss } })
    await expectRejected(verifier.verify(token), 'ERR_ISSUER_UNKNOWN', token)
  })

  it.each([
    ['missing', undefined],
    ['an array of A', [ISSUER_A]],
    ['a number', 7],
  ])('refuses iss that is %s', async (_label, iss) => {
    const token = createJwt({ key: keyA, payload: { iss } })
    await expectRejected(
      verifier.verify(token),
      ['ERR_ISSUER_UNKNOWN', 'ERR_CLAIM_MISSING', 'ERR_CLAIM_INVALID', 'ERR_TOKEN_MALFORMED'],
      token,
    )
  })
})
