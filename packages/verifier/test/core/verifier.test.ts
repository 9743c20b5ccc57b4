import { afterEach, describe, expect, it, vi } from 'vitest'
import { VerifyError, type VerifyErrorCode } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import type { VerifierOptions } from '../../src/options.js'
import { BACKENDS } from '../helpers/backends.js'
import { keyPair } from '../helpers/keys.js'
import { AUDIENCE, b64url, claimsText, ISSUER, mint, nowSeconds, signRaw } from '../helpers/tokens.js'

const ASYMMETRIC = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const SECRET = 'a shared secret of sixty-four bytes, long enough for every HS alg'

async function rejection(promise: Promise<unknown>, token?: string): Promise<VerifyError> {
  const error = await promise.then(
    () => expect.fail('the token was accepted'),
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(VerifyError)
  if (token !== undefined) {
    for (const part of token.split('.')) if (part.length >= 16) expect((error as VerifyError).message).not.toContain(part)
  }
  return error as VerifyError
}

async function expectCode(promise: Promise<unknown>, code: VerifyErrorCode, token?: string): Promise<VerifyError> {
  const error = await rejection(promise, token)
  expect(error.code, error.message).toBe(code)
  return error
}

afterEach(() => {
  vi.useRealTimers()
})

describe.each(BACKENDS)('verify ($name)', ({ createVerifier }) => {
  const verifierFor = (options: Partial<VerifierOptions>) =>
    createVerifier({ issuer: ISSUER, audience: AUDIENCE, ...options } as VerifierOptions)

  it.each(ASYMMETRIC)('verifies %s with a JWK and returns plain data', async (alg) => {
    const pair = keyPair(alg)
    const verifier = verifierFor({ keys: pair.jwk, algorithms: [alg] })
    const token = await mint(pair, { claims: { scope: 'orders:read', nested: { list: [1, 'two'] } } })
    const { payload, protectedHeader } = await verifier.verify(token)
    expect(protectedHeader).toEqual({ alg, kid: pair.kid })
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scope: 'orders:read' })
    expect(payload['nested']).toEqual({ list: [1, 'two'] })
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
  })

  it.each(['HS256', 'HS384', 'HS512'])('verifies %s with a secret', async (alg) => {
    const verifier = verifierFor({ secret: SECRET })
    const token = await mint(undefined, { header: { alg }, secret: SECRET })
    expect((await verifier.verify(token)).protectedHeader.alg).toBe(alg)
    const forged = await mint(undefined, { header: { alg }, secret: `${SECRET}!` })
    await expectCode(verifier.verify(forged), 'ERR_SIGNATURE_INVALID', forged)
  })

  it('takes the secret as bytes too', async () => {
    const secret = new TextEncoder().encode(SECRET)
    const verifier = verifierFor({ secret, algorithms: ['HS256'] })
    await verifier.verify(await mint(undefined, { header: { alg: 'HS256' }, secret }))
  })

  it('refuses a tampered payload or signature', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk })
    const token = await mint(pair)
    const [h, p, s] = token.split('.') as [string, string, string]
    const otherPayload = b64url(claimsText(',"admin":true'))
    await expectCode(verifier.verify(`${h}.${otherPayload}.${s}`), 'ERR_SIGNATURE_INVALID', token)
    const flipped = Buffer.from(s, 'base64url')
    flipped[10]! ^= 1
    await expectCode(verifier.verify(`${h}.${p}.${flipped.toString('base64url')}`), 'ERR_SIGNATURE_INVALID', token)
  })

  it('refuses the psychic signature r = s = 0 and a DER-encoded ECDSA signature', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk })
    const [h, p] = (await mint(pair)).split('.') as [string, string]
    await expectCode(verifier.verify(`${h}.${p}.${b64url(new Uint8Array(64))}`), 'ERR_SIGNATURE_INVALID')
    const { sign } = await import('node:crypto')
    const der = sign('sha256', Buffer.from(`${h}.${p}`), pair.privateKey)
    await expectCode(verifier.verify(`${h}.${p}.${b64url(der)}`), 'ERR_SIGNATURE_INVALID')
  })

  it('refuses an alg outside the allow-list, and one that does not fit the key', async () => {
    const es256 = keyPair('ES256')
    const verifier = verifierFor({ keys: es256.jwk, algorithms: ['ES256', 'ES384'] })
    const rs = keyPair('RS256')
    await expectCode(verifier.verify(await mint(rs)), 'ERR_ALG_NOT_ALLOWED')
    // An ES384 signature made with the P-256 key: the alg is allowed, the key does not fit it.
    const token = signRaw('ES384', es256.privateKey, b64url(`{"alg":"ES384","kid":"${es256.kid}"}`), b64url(claimsText()))
    await expectCode(verifier.verify(token), 'ERR_ALG_NOT_ALLOWED')
  })

  it('refuses alg none whatever the token claims', async () => {
    const verifier = verifierFor({ keys: keyPair('ES256').jwk })
    const token = `${b64url('{"alg":"none"}')}.${b64url(claimsText())}.${b64url('x')}`
    await expectCode(verifier.verify(token), 'ERR_ALG_NOT_ALLOWED')
  })

  it('checks typ when asked, treating at+jwt and application/at+jwt as one', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk, typ: 'at+jwt' })
    await verifier.verify(await mint(pair, { header: { typ: 'at+jwt' } }))
    await verifier.verify(await mint(pair, { header: { typ: 'application/AT+JWT' } }))
    await expectCode(verifier.verify(await mint(pair, { header: { typ: 'JWT' } })), 'ERR_TYP_MISMATCH')
    await expectCode(verifier.verify(await mint(pair)), 'ERR_TYP_MISMATCH')
    // Without the option, typ is not checked.
    await verifierFor({ keys: pair.jwk }).verify(await mint(pair, { header: { typ: 'anything' } }))
  })

  it('checks the claims, naming the claim at fault', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk, requiredClaims: ['jti'] })
    const check = async (claims: Record<string, unknown>, code: VerifyErrorCode, claim: string) => {
      const error = await expectCode(verifier.verify(await mint(pair, { claims: { jti: 'j', ...claims } })), code)
      expect(error.claim).toBe(claim)
    }
    await check({ iss: 'https://evil.example' }, 'ERR_CLAIM_INVALID', 'iss')
    await check({ aud: 'other-app' }, 'ERR_CLAIM_INVALID', 'aud')
    await check({ exp: undefined }, 'ERR_CLAIM_MISSING', 'exp')
    await check({ exp: nowSeconds() - 60 }, 'ERR_TOKEN_EXPIRED', 'exp')
    await check({ nbf: nowSeconds() + 60 }, 'ERR_TOKEN_NOT_YET_VALID', 'nbf')
    await check({ iat: nowSeconds() + 60 }, 'ERR_TOKEN_NOT_YET_VALID', 'iat')
    await check({ jti: undefined }, 'ERR_CLAIM_MISSING', 'jti')
    await verifier.verify(await mint(pair, { claims: { jti: 'j', aud: ['other-app', AUDIENCE] } }))
  })

  it('applies clockTolerance and maxTokenAge given as durations', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const pair = keyPair('ES256')
    const token = await mint(pair, { claims: { iat: nowSeconds(), exp: nowSeconds() + 60 } })
    const strict = verifierFor({ keys: pair.jwk, clockTolerance: 0, maxTokenAge: '30s' })
    const lenient = verifierFor({ keys: pair.jwk, clockTolerance: '10s' })
    await strict.verify(token)
    vi.setSystemTime(Date.now() + 31_000)
    expect((await expectCode(strict.verify(token), 'ERR_TOKEN_TOO_OLD')).claim).toBe('iat')
    vi.setSystemTime(Date.now() + 35_000) // 6 s past exp
    await lenient.verify(token)
    vi.setSystemTime(Date.now() + 5_000) // 11 s past exp
    await expectCode(lenient.verify(token), 'ERR_TOKEN_EXPIRED')
    const aged = verifierFor({ keys: pair.jwk, maxTokenAge: '1h' })
    expect((await expectCode(aged.verify(await mint(pair, { claims: { iat: undefined } })), 'ERR_CLAIM_MISSING')).claim).toBe('iat')
  })

  it('refuses a token over maxTokenLength', async () => {
    const pair = keyPair('ES256')
    const token = await mint(pair, { claims: { filler: 'x'.repeat(300) } })
    await expectCode(verifierFor({ keys: pair.jwk, maxTokenLength: 200 }).verify(token), 'ERR_TOKEN_TOO_LONG')
    const big = await mint(pair, { claims: { filler: 'x'.repeat(17 * 1024) } })
    await expectCode(verifierFor({ keys: pair.jwk }).verify(big), 'ERR_TOKEN_TOO_LONG')
  })

  it('rejects a malformed token with ERR_TOKEN_MALFORMED', async () => {
    const verifier = verifierFor({ keys: keyPair('ES256').jwk })
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', 42 as unknown as string]) {
      await expectCode(verifier.verify(token), 'ERR_TOKEN_MALFORMED')
    }
  })

  it('reports each failure to onEvent, and ignores a throwing handler', async () => {
    const pair = keyPair('ES256')
    const events: VerifierEvent[] = []
    const verifier = verifierFor({ keys: pair.jwk, onEvent: (event) => events.push(event) })
    await verifier.verify(await mint(pair))
    await expectCode(verifier.verify('abc'), 'ERR_TOKEN_MALFORMED')
    await expectCode(verifier.verify(await mint(pair, { claims: { exp: nowSeconds() - 600 } })), 'ERR_TOKEN_EXPIRED')
    expect(events).toEqual([
      { type: 'verify_failed', code: 'ERR_TOKEN_MALFORMED' },
      { type: 'verify_failed', code: 'ERR_TOKEN_EXPIRED' },
    ])
    const throwing = verifierFor({
      keys: pair.jwk,
      onEvent: () => {
        throw new Error('handler bug')
      },
    })
    await expectCode(throwing.verify('abc'), 'ERR_TOKEN_MALFORMED')
  })

  it('reports status per key source', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk })
    await verifier.verify(await mint(pair))
    expect(verifier.status()).toEqual({
      loaded: true,
      fresh: true,
      sources: [{ issuer: ISSUER, source: 'keys', loaded: true, fresh: true, keys: 1, lastError: undefined }],
    })
    expect(verifierFor({ secret: SECRET }).status().sources[0]).toMatchObject({ source: 'secret' })
  })

  it('verifies with a JWK Set given in code', async () => {
    const es = keyPair('ES256')
    const rs = keyPair('RS256')
    const verifier = verifierFor({ jwks: { keys: [es.jwk, rs.jwk] } })
    await verifier.verify(await mint(es))
    await verifier.verify(await mint(rs))
    await expectCode(verifier.verify(await mint(es, { header: { kid: 'unknown' } })), 'ERR_KID_UNKNOWN')
    expect(verifier.status()).toMatchObject({ loaded: true, sources: [{ source: 'jwks', keys: 2 }] })
  })

  it('answers concurrent verifications independently', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor({ keys: pair.jwk })
    const good = await Promise.all(Array.from({ length: 20 }, (_, i) => mint(pair, { claims: { n: i } })))
    const results = await Promise.allSettled([...good, 'bad'].map((token) => verifier.verify(token)))
    expect(results.slice(0, 20).map((r) => (r.status === 'fulfilled' ? r.value.payload['n'] : -1))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
    expect(results[20]!.status).toBe('rejected')
  })
})

describe.each(BACKENDS)('tokenCache ($name)', ({ createVerifier }) => {
  const pair = keyPair('ES256')
  const verifierFor = (options: Partial<VerifierOptions>) =>
    createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: pair.jwk, ...options } as VerifierOptions)

  it('is off by default: each call returns fresh objects', async () => {
    const verifier = verifierFor({})
    const token = await mint(pair)
    const first = await verifier.verify(token)
    const second = await verifier.verify(token)
    expect(second).not.toBe(first)
    expect(Object.isFrozen(first.payload)).toBe(false)
  })

  it('serves a repeated token from the cache, frozen', async () => {
    const verifier = verifierFor({ tokenCache: true })
    const token = await mint(pair, { claims: { roles: ['a'] } })
    const first = await verifier.verify(token)
    const second = await verifier.verify(token)
    expect(second).toBe(first)
    expect(Object.isFrozen(first.payload)).toBe(true)
    expect(Object.isFrozen(first.payload['roles'])).toBe(true)
    expect(Object.isFrozen(first.protectedHeader)).toBe(true)
  })

  it('never serves a token at or past its exp, nor past maxTokenAge', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const verifier = verifierFor({ tokenCache: { max: 10 }, clockTolerance: 0 })
    const token = await mint(pair, { claims: { exp: nowSeconds() + 60 } })
    const first = await verifier.verify(token)
    vi.setSystemTime(Date.now() + 59_000)
    expect(await verifier.verify(token)).toBe(first)
    vi.setSystemTime(Date.now() + 1_000)
    await expectCode(verifier.verify(token), 'ERR_TOKEN_EXPIRED')

    const aged = verifierFor({ tokenCache: true, clockTolerance: 0, maxTokenAge: '10s' })
    const young = await mint(pair)
    await aged.verify(young)
    vi.setSystemTime(Date.now() + 11_000)
    await expectCode(aged.verify(young), 'ERR_TOKEN_TOO_OLD')
  })

  it('does not remember failures', async () => {
    const verifier = verifierFor({ tokenCache: true })
    const token = await mint(pair, { claims: { aud: 'other' } })
    await expectCode(verifier.verify(token), 'ERR_CLAIM_INVALID')
    await expectCode(verifier.verify(token), 'ERR_CLAIM_INVALID')
  })

  it('is emptied by close', async () => {
    const verifier = verifierFor({ tokenCache: true })
    const token = await mint(pair)
    const first = await verifier.verify(token)
    verifier.close()
    expect(await verifier.verify(token)).not.toBe(first)
  })
})

describe.each(BACKENDS)('the now option ($name)', ({ createVerifier }) => {
  const pair = keyPair('ES256')
  const start = Date.UTC(2031, 0, 1) / 1000
  /** A clock the test moves by hand, in milliseconds since the epoch. */
  const clockAt = (seconds: number) => {
    const clock = { ms: seconds * 1000, now: () => clock.ms }
    return clock
  }

  it('is the time of exp, nbf, iat and maxTokenAge', async () => {
    const clock = clockAt(start)
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: pair.jwk,
      clockTolerance: 0,
      maxTokenAge: '1h',
      now: clock.now,
    })
    // Minted for the fake clock, years away from the real one.
    const token = await mint(pair, { claims: { iat: start, nbf: start + 10, exp: start + 600 } })
    expect((await expectCode(verifier.verify(token), 'ERR_TOKEN_NOT_YET_VALID')).claim).toBe('nbf')
    clock.ms += 10_000
    expect((await verifier.verify(token)).payload.exp).toBe(start + 600)
    clock.ms += 590_000
    await expectCode(verifier.verify(token), 'ERR_TOKEN_EXPIRED')

    const young = await mint(pair, { claims: { iat: start + 1000, exp: start + 9000 } })
    await expectCode(verifier.verify(young), 'ERR_TOKEN_NOT_YET_VALID')
    clock.ms = (start + 1000) * 1000
    await verifier.verify(young)
    clock.ms += 3_601_000
    await expectCode(verifier.verify(young), 'ERR_TOKEN_TOO_OLD')
    verifier.close()
  })

  it('is the time at which a cached token stops being served', async () => {
    const clock = clockAt(start)
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: pair.jwk,
      clockTolerance: 0,
      tokenCache: true,
      now: clock.now,
    })
    const token = await mint(pair, { claims: { iat: start, exp: start + 60 } })
    const first = await verifier.verify(token)
    clock.ms += 59_000
    expect(await verifier.verify(token)).toBe(first)
    clock.ms += 1_000
    await expectCode(verifier.verify(token), 'ERR_TOKEN_EXPIRED')
    verifier.close()
  })

  it('fails every token as expired when the clock gives no number', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: pair.jwk, now: () => Number.NaN })
    await expectCode(verifier.verify(await mint(pair)), 'ERR_TOKEN_EXPIRED')
    verifier.close()
  })

  it('must be a function', () => {
    for (const now of [Date.now(), 'Date.now', {}]) {
      expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: pair.jwk, now } as never)).toThrow(
        /now must be a function/,
      )
    }
  })
})
