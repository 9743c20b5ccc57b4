/**
 * RFC 8725 §3.8-3.11 and RFC 9068: a genuinely signed token is still refused when it is
 * meant for someone else (iss, aud), is another kind of JWT (typ), is outside its lifetime
 * (exp, nbf, iat; the clock tolerance applied on both sides), lacks a required claim, or
 * tries to smuggle claims through `__proto__`. The clock is frozen so edges are exact.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import type { TestKeyPair } from '../helpers/keys.js'
import { AUDIENCE, claims, createJwt, ISSUER, nowSeconds } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort()

/** Claims JSON text with `members` (raw JSON text) inserted first. */
function withRawMembers(members: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(claims(overrides)).replace('{', `{${members},`)
}

function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES)
  const probe: Record<string, unknown> = {}
  for (const name of ['polluted', 'isAdmin', 'role', 'aud', 'exp', 'alg']) expect(probe[name]).toBeUndefined()
}

describe.each(VERIFIER_PATHS)('claims ($name)', ({ createVerifier }) => {
  let fixture: SecurityFixture
  let verifier: TestVerifier
  let key: TestKeyPair

  beforeAll(async () => {
    fixture = await startFixture()
    verifier = createVerifier(fixture.options())
    key = fixture.keys.ES256
  })
  afterAll(async () => {
    await verifier?.close()
    await fixture?.close()
  })
  beforeEach(() => {
    // Only Date is faked: the JWKS server and fetch keep real timers. Half a second past a
    // whole second, so edges hold whether the verifier rounds now or not.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Math.floor(Date.now() / 1000) * 1000 + 500)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  describe('lifetime, default clock tolerance of 5 s', () => {
    it('accepts exp 4 s past, refuses exp 6 s past', async () => {
      const now = nowSeconds()
      await verifier.verify(createJwt({ key, payload: { exp: now - 4, iat: now - 60, nbf: now - 60 } }))
      const token = createJwt({ key, payload: { exp: now - 6, iat: now - 60, nbf: now - 60 } })
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_EXPIRED', token)
    })

    it('accepts nbf 4 s ahead, refuses nbf 6 s ahead', async () => {
      const now = nowSeconds()
      await verifier.verify(createJwt({ key, payload: { nbf: now + 4 } }))
      const token = createJwt({ key, payload: { nbf: now + 6 } })
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_NOT_YET_VALID', token)
    })

    it('refuses iat far in the future', async () => {
      const token = createJwt({ key, payload: { iat: nowSeconds() + 3600, nbf: undefined } })
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_NOT_YET_VALID', token)
    })

    it('refuses a token that expired after it was verified, even from the token cache', async () => {
      const cached = createVerifier(fixture.options({ tokenCache: true }))
      try {
        for (const each of [verifier, cached]) {
          const token = createJwt({ key, payload: { exp: nowSeconds() + 10 } })
          await each.verify(token)
          await each.verify(token)
          vi.setSystemTime(Date.now() + 16_000)
          await expectRejected(each.verify(token), 'ERR_TOKEN_EXPIRED', token)
        }
      } finally {
        await cached.close()
      }
    })

    it('refuses a token without exp', async () => {
      const token = createJwt({ key, payload: { exp: undefined } })
      const error = await expectRejected(verifier.verify(token), 'ERR_CLAIM_MISSING', token)
      expect(error.claim).toBe('exp')
    })

    it.each([
      ['exp', 'a string', String(nowSeconds() + 300)],
      ['exp', 'a boolean', true],
      ['exp', 'an array', [nowSeconds() + 300]],
      ['exp', 'null', null],
      ['nbf', 'a string', '0'],
      ['iat', 'an object', {}],
    ])('refuses %s that is %s', async (claim, _label, value) => {
      const token = createJwt({ key, payload: { [claim]: value } })
      const error = await expectRejected(verifier.verify(token), 'ERR_CLAIM_INVALID', token)
      expect(error.claim).toBe(claim)
    })
  })

  describe('lifetime, explicit options', () => {
    it('applies clockTolerance: 60 s on both sides', async () => {
      const tolerant = createVerifier(fixture.options({ clockTolerance: '60s' }))
      try {
        const now = nowSeconds()
        await tolerant.verify(createJwt({ key, payload: { exp: now - 55, iat: now - 120, nbf: now - 120 } }))
        await tolerant.verify(createJwt({ key, payload: { nbf: now + 55 } }))
        const expired = createJwt({ key, payload: { exp: now - 65, iat: now - 120, nbf: now - 120 } })
        await expectRejected(tolerant.verify(expired), 'ERR_TOKEN_EXPIRED', expired)
        const early = createJwt({ key, payload: { nbf: now + 65 } })
        await expectRejected(tolerant.verify(early), 'ERR_TOKEN_NOT_YET_VALID', early)
      } finally {
        await tolerant.close()
      }
    })

    it('applies maxTokenAge to iat, and then requires iat', async () => {
      const aged = createVerifier(fixture.options({ maxTokenAge: '10m' }))
      try {
        const now = nowSeconds()
        await aged.verify(createJwt({ key, payload: { iat: now - 590, nbf: now - 590 } }))
        const old = createJwt({ key, payload: { iat: now - 700, nbf: now - 700 } })
        await expectRejected(aged.verify(old), 'ERR_TOKEN_TOO_OLD', old)
        const noIat = createJwt({ key, payload: { iat: undefined } })
        const error = await expectRejected(aged.verify(noIat), 'ERR_CLAIM_MISSING', noIat)
        expect(error.claim).toBe('iat')
      } finally {
        await aged.close()
      }
    })

    it('applies requiredClaims', async () => {
      const strict = createVerifier(fixture.options({ requiredClaims: ['scope', 'sub'] }))
      try {
        await strict.verify(createJwt({ key, payload: { scope: 'orders:read' } }))
        const token = createJwt({ key })
        const error = await expectRejected(strict.verify(token), 'ERR_CLAIM_MISSING', token)
        expect(error.claim).toBe('scope')
      } finally {
        await strict.close()
      }
    })
  })

  describe('iss and aud', () => {
    it.each([
      ['another issuer', 'https://evil.test'],
      ['a trailing slash', `${ISSUER}/`],
      ['another case', ISSUER.toUpperCase()],
      ['a prefix of it', ISSUER.slice(0, -1)],
      ['an array holding it', [ISSUER]],
      ['a number', 1],
    ])('refuses iss that is %s', async (_label, iss) => {
      const token = createJwt({ key, payload: { iss } })
      const error = await expectRejected(verifier.verify(token), 'ERR_CLAIM_INVALID', token)
      expect(error.claim).toBe('iss')
    })

    it('refuses a token without iss', async () => {
      const token = createJwt({ key, payload: { iss: undefined } })
      const error = await expectRejected(verifier.verify(token), ['ERR_CLAIM_MISSING', 'ERR_CLAIM_INVALID'], token)
      expect(error.claim).toBe('iss')
    })

    it('accepts aud as an array holding the audience (control)', async () => {
      const { payload } = await verifier.verify(createJwt({ key, payload: { aud: ['other', AUDIENCE] } }))
      expect(payload.aud).toEqual(['other', AUDIENCE])
    })

    it.each([
      ['another audience', 'api'],
      ['another case', AUDIENCE.toUpperCase()],
      ['an array without it', ['api', 'admin']],
      ['an empty array', []],
      ['an object', { [AUDIENCE]: true }],
      ['a suffix match', `x${AUDIENCE}`],
    ])('refuses aud that is %s', async (_label, aud) => {
      const token = createJwt({ key, payload: { aud } })
      const error = await expectRejected(verifier.verify(token), 'ERR_CLAIM_INVALID', token)
      expect(error.claim).toBe('aud')
    })

    it('refuses a token without aud', async () => {
      const token = createJwt({ key, payload: { aud: undefined } })
      const error = await expectRejected(verifier.verify(token), ['ERR_CLAIM_MISSING', 'ERR_CLAIM_INVALID'], token)
      expect(error.claim).toBe('aud')
    })
  })

  describe('typ', () => {
    let typed: TestVerifier
    beforeAll(() => {
      typed = createVerifier(fixture.options({ typ: 'at+jwt' }))
    })
    afterAll(async () => {
      await typed?.close()
    })

    it.each(['at+jwt', 'application/at+jwt'])('accepts typ %j (control)', async (typ) => {
      const { protectedHeader } = await typed.verify(createJwt({ key, header: { typ } }))
      expect(protectedHeader.typ).toBe(typ)
    })

    it.each([
      ['JWT', 'JWT'],
      ['a refresh token typ', 'rt+jwt'],
      ['a logout token typ', 'logout+jwt'],
      ['a suffix of it', 'x-at+jwt'],
      ['with a trailing space', 'at+jwt '],
      ['absent', undefined],
    ])('refuses typ that is %s', async (_label, typ) => {
      const token = createJwt({ key, header: { typ } })
      await expectRejected(typed.verify(token), 'ERR_TYP_MISMATCH', token)
    })

    it('refuses typ that is not a string', async () => {
      for (const typ of [['at+jwt'], { type: 'at+jwt' }, 1]) {
        const token = createJwt({ key, header: { typ } })
        await expectRejected(typed.verify(token), ['ERR_TYP_MISMATCH', 'ERR_TOKEN_MALFORMED'], token)
      }
    })
  })

  describe('prototype pollution', () => {
    it('never lets __proto__ or constructor in the payload reach Object.prototype', async () => {
      const payloads = [
        withRawMembers('"__proto__":{"polluted":"yes","isAdmin":true}'),
        withRawMembers('"constructor":{"prototype":{"polluted":"yes"}}'),
        withRawMembers('"nested":{"__proto__":{"polluted":"yes"}}'),
      ]
      for (const payload of payloads) {
        let result: { payload: Record<string, unknown> } | undefined
        try {
          result = await verifier.verify(createJwt({ key, payload }))
        } catch (err) {
          expect((err as { code?: string }).code).toBe('ERR_TOKEN_MALFORMED')
        }
        expectPrototypeClean()
        if (result !== undefined) {
          expect(Object.getPrototypeOf(result.payload)).toBeOneOf([Object.prototype, null])
          expect(result.payload.isAdmin).toBeUndefined()
          expect(result.payload.polluted).toBeUndefined()
        }
      }
    })

    it('does not take aud, exp or a required claim from __proto__', async () => {
      const far = nowSeconds() + 3600
      const noAud = createJwt({ key, payload: withRawMembers(`"__proto__":{"aud":"${AUDIENCE}"}`, { aud: undefined }) })
      const err1 = await expectRejected(
        verifier.verify(noAud),
        ['ERR_CLAIM_MISSING', 'ERR_CLAIM_INVALID', 'ERR_TOKEN_MALFORMED'],
        noAud,
      )
      if (err1.code !== 'ERR_TOKEN_MALFORMED') expect(err1.claim).toBe('aud')

      const noExp = createJwt({ key, payload: withRawMembers(`"__proto__":{"exp":${far}}`, { exp: undefined }) })
      const err2 = await expectRejected(verifier.verify(noExp), ['ERR_CLAIM_MISSING', 'ERR_TOKEN_MALFORMED'], noExp)
      if (err2.code !== 'ERR_TOKEN_MALFORMED') expect(err2.claim).toBe('exp')

      const strict = createVerifier(fixture.options({ requiredClaims: ['role'] }))
      try {
        const noRole = createJwt({ key, payload: withRawMembers('"__proto__":{"role":"admin"}') })
        const err3 = await expectRejected(strict.verify(noRole), ['ERR_CLAIM_MISSING', 'ERR_TOKEN_MALFORMED'], noRole)
        if (err3.code !== 'ERR_TOKEN_MALFORMED') expect(err3.claim).toBe('role')
      } finally {
        await strict.close()
      }
      expectPrototypeClean()
    })

    it('does not take alg or kid from a __proto__ header member', async () => {
      const header = `{"kid":"${key.kid}","__proto__":{"alg":"ES256"}}`
      const token = createJwt({ key, header, signAs: 'ES256' })
      await expectRejected(verifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_TOKEN_MALFORMED'], token)
      const noKid = createJwt({ key, header: `{"alg":"ES256","__proto__":{"kid":"${key.kid}"}}` })
      try {
        const { protectedHeader } = await verifier.verify(noKid)
        // Accepted only by trying the keys without a kid: then no kid may appear from nowhere.
        expect(Object.hasOwn(protectedHeader, 'kid')).toBe(false)
      } catch (err) {
        expect((err as { code?: string }).code).toBeOneOf(['ERR_KID_UNKNOWN', 'ERR_TOKEN_MALFORMED'])
      }
      expectPrototypeClean()
    })
  })
})
