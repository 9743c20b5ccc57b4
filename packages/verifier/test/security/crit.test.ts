/**
 * RFC 7515 §4.1.11 and RFC 7797: a header the verifier does not understand but is told is
 * critical must fail the token, and the unencoded-payload option (`b64: false`) is refused,
 * since it changes what the signature covers. Every token here carries a genuine signature.
 */
import { describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { createJwt } from '../helpers/tokens.js'
import { useFixtureVerifier } from './helpers/suite.js'
import { VERIFIER_PATHS } from './helpers/verifiers.js'

const UNSUPPORTED_OR_MALFORMED = ['ERR_HEADER_UNSUPPORTED', 'ERR_TOKEN_MALFORMED'] as const

describe.each(VERIFIER_PATHS)('crit and b64 ($name)', ({ createVerifier }) => {
  const suite = useFixtureVerifier(createVerifier)

  it('accepts a genuine token with an unknown header that is not critical (control)', async () => {
    const { protectedHeader } = await suite.verifier.verify(createJwt({ key: suite.fixture.keys.ES256, header: { 'x-note': 1 } }))
    expect(protectedHeader['x-note']).toBe(1)
  })

  it('refuses a critical extension it does not understand', async () => {
    for (const key of [suite.fixture.keys.ES256, suite.fixture.keys.RS256]) {
      const token = createJwt({ key, header: { crit: ['x-unknown'], 'x-unknown': true } })
      await expectRejected(suite.verifier.verify(token), 'ERR_HEADER_UNSUPPORTED', token)
    }
  })

  it('refuses crit naming a registered claim carried in the header', async () => {
    const token = createJwt({ key: suite.fixture.keys.ES256, header: { crit: ['exp'], exp: 1363284000 } })
    await expectRejected(suite.verifier.verify(token), 'ERR_HEADER_UNSUPPORTED', token)
  })

  it('refuses b64: false marked critical (RFC 7797)', async () => {
    // The signing input of a b64:false token whose payload is the base64url text equals the
    // normal one, so a verifier that ignored b64 would accept a different payload.
    const token = createJwt({ key: suite.fixture.keys.ES256, header: { b64: false, crit: ['b64'] } })
    await expectRejected(suite.verifier.verify(token), 'ERR_HEADER_UNSUPPORTED', token)
  })

  it('refuses b64: false without crit', async () => {
    const token = createJwt({ key: suite.fixture.keys.ES256, header: { b64: false } })
    await expectRejected(suite.verifier.verify(token), UNSUPPORTED_OR_MALFORMED, token)
  })

  it.each([
    ['an empty list', []],
    ['not a list', 'x-unknown'],
    ['a registered header (alg)', ['alg']],
    ['a name absent from the header', ['x-missing']],
    ['a non-string entry', [42]],
    ['a duplicated entry', ['x-unknown', 'x-unknown']],
  ])('refuses crit that is %s', async (_label, crit) => {
    const token = createJwt({ key: suite.fixture.keys.ES256, header: { crit, 'x-unknown': 1 } })
    await expectRejected(suite.verifier.verify(token), UNSUPPORTED_OR_MALFORMED, token)
  })
})
