/**
 * A JWKS listing two keys under one kid (an issuer's mistake, or a key slipped into the
 * document): taking the first listed would accept whichever signer the order favours.
 * Tokens naming that kid are refused, whichever key really signed them; tokens of the
 * document's other kids still verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type JsonServer, startJsonServer } from '../helpers/http-server.js'
import { generateKeyPair, type TestKeyPair } from '../helpers/keys.js'
import { AUDIENCE, createJwt, ISSUER } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

describe.each(VERIFIER_PATHS)('ambiguous kid ($name)', ({ createVerifier }) => {
  let genuine: TestKeyPair
  let intruder: TestKeyPair
  let other: TestKeyPair
  let server: JsonServer
  const verifiers: TestVerifier[] = []

  beforeAll(async () => {
    genuine = generateKeyPair('ES256', { kid: 'signing-key' })
    intruder = generateKeyPair('ES256', { kid: 'signing-key' })
    other = generateKeyPair('ES256', { kid: 'other-key' })
    server = await startJsonServer({ keys: [genuine.jwk, intruder.jwk, other.jwk] })
  })
  afterAll(async () => {
    for (const verifier of verifiers) await verifier.close()
    await server?.close()
  })

  function verifierWith(source: Record<string, unknown>): TestVerifier {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], ...source })
    verifiers.push(verifier)
    return verifier
  }

  const sources = {
    jwksUri: () => ({ jwksUri: server.jwksUri }),
    'jwks given in code': () => ({ jwks: { keys: [intruder.jwk, genuine.jwk, other.jwk] } }),
  }

  for (const [label, source] of Object.entries(sources)) {
    it(`refuses tokens signed by either key of the shared kid, and verifies the other kid (${label})`, async () => {
      const verifier = verifierWith(source())
      for (const signer of [genuine, intruder]) {
        const token = createJwt({ key: signer, payload: { sub: 'admin' } })
        await expectRejected(verifier.verify(token), 'ERR_KID_AMBIGUOUS', token)
      }
      const { payload } = await verifier.verify(createJwt({ key: other }))
      expect(payload.iss).toBe(ISSUER)
    })
  }
})
