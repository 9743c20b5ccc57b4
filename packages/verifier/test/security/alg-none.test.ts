/**
 * RFC 8725 §3.1 / CVE-2015-9235 class: an unsecured token (`alg: none` in any spelling)
 * must never verify, whatever its signature segment, and `none` cannot be allowed.
 */
import { describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { b64url, claims, createJwt, signInput } from '../helpers/tokens.js'
import { useFixtureVerifier } from './helpers/suite.js'
import { VERIFIER_PATHS } from './helpers/verifiers.js'

const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE', 'none ', ' none', 'none\u0000']

describe.each(VERIFIER_PATHS)('alg none ($name)', ({ createVerifier }) => {
  const suite = useFixtureVerifier(createVerifier)

  it('accepts a genuine token of the same issuer (control)', async () => {
    const { payload } = await suite.verifier.verify(createJwt({ key: suite.fixture.keys.ES256 }))
    expect(payload.sub).toBe('user-1')
  })

  describe.each(NONE_SPELLINGS)('alg %j', (alg) => {
    // An empty signature part may be refused for its form before the alg is read.
    it('is refused with an empty signature', async () => {
      const token = createJwt({ header: { alg, typ: 'JWT' } })
      expect(token.endsWith('.')).toBe(true)
      await expectRejected(suite.verifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_TOKEN_MALFORMED'], token)
    })

    it('is refused with the empty signature segment dropped', async () => {
      const token = createJwt({ header: { alg } }).slice(0, -1)
      await expectRejected(suite.verifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_TOKEN_MALFORMED'], token)
    })

    it("is refused with a published kid and the issuer's own ES256 signature over the input", async () => {
      const header = b64url(JSON.stringify({ alg, kid: suite.fixture.keys.ES256.kid }))
      const payload = b64url(JSON.stringify(claims()))
      const signature = signInput('ES256', suite.fixture.keys.ES256.privateKey, `${header}.${payload}`)
      const token = `${header}.${payload}.${b64url(signature)}`
      await expectRejected(suite.verifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
    })

    it('is refused with an arbitrary signature', async () => {
      const token = createJwt({ header: { alg, kid: suite.fixture.keys.RS256.kid }, signature: new Uint8Array(256).fill(7) })
      await expectRejected(suite.verifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
    })
  })

  it.each([
    ['missing', undefined],
    ['null', null],
    ['a number', 256],
    ['an array', ['ES256']],
    ['an object', { name: 'ES256' }],
    ['empty', ''],
  ])('refuses an alg that is %s', async (_label, alg) => {
    const token = createJwt({ key: suite.fixture.keys.ES256, header: { alg }, signAs: 'ES256' })
    await expectRejected(suite.verifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_TOKEN_MALFORMED'], token)
  })

  it.each([[['none']], [['ES256', 'none']], [['ES256', 'NONE']]])(
    'refuses to be configured with algorithms %j',
    (algorithms) => {
      expect(() => createVerifier(suite.fixture.options({ algorithms }))).toThrow(TypeError)
    },
  )
})
