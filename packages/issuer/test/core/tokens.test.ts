import { CompactEncrypt, CompactSign, importJWK, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INVALID_GRANT_MESSAGE } from '../../src/errors.js'
import { type CoreFixture, openRefreshTokenForTest, rejectionOf, startIssuer, verifyAccessToken } from './helpers.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer()
  await f.issuer.registerClient('shop', { authTTL: 10 * 60_000, refreshTTL: 3_600_000 })
  await f.issuer.registerClient('blog')
  await f.issuer.registerClient('api', { audience: ['https://api.example.com', 'https://admin.example.com'] })
})
afterAll(async () => {
  await f.close()
})

async function expectInvalidGrant(promise: Promise<unknown>): Promise<void> {
  const err = await rejectionOf(promise)
  expect(err.code).toBe('invalid_grant')
  expect(err.message).toBe(INVALID_GRANT_MESSAGE)
}

const encoder = new TextEncoder()

/** Encrypts `plaintext` to the client's public encryption key, as anyone could. */
async function encryptToClient(kid: string, plaintext: string): Promise<string> {
  const { pubEncKey } = await f.issuer.getKeys(kid)
  const key = await importJWK(pubEncKey, String(pubEncKey['alg']))
  return new CompactEncrypt(encoder.encode(plaintext))
    .setProtectedHeader({ alg: String(pubEncKey['alg']), enc: 'A256GCM', kid: pubEncKey.kid, cty: 'JWT' })
    .encrypt(key)
}

describe('issue', () => {
  it('issues an access token with the registered claims and the custom ones', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'user-1', scope: 'read write', tenant: { id: 7 } } })
    const now = Math.floor(f.clock.now() / 1000)
    const { payload } = await verifyAccessToken(f, 'shop', pair.accessToken)
    expect(payload).toEqual({
      iss: 'JWTIS',
      sub: 'user-1',
      aud: 'shop',
      client_id: 'shop',
      iat: now,
      nbf: now,
      exp: now + 600,
      jti: expect.any(String),
      scope: 'read write',
      tenant: { id: 7 },
    })
    expect(pair.expiry).toBe(now + 600)
    expect(pair.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const family = await f.store.getFamily(pair.id)
    expect(family).toMatchObject({ clientKid: 'shop', sub: 'user-1', generation: 1 })
    expect(family?.expiresAt).toBe(f.clock.now() + 3_600_000)
  })

  it('uses the registered audience, or the part of it the claims narrow it to', async () => {
    const registered = await f.issuer.issue('api', { claims: { sub: 'u' } })
    expect((await verifyAccessToken(f, 'api', registered.accessToken, 'https://api.example.com')).payload.aud).toEqual([
      'https://api.example.com',
      'https://admin.example.com',
    ])
    const narrowed = await f.issuer.issue('api', { claims: { sub: 'u', aud: 'https://admin.example.com' } })
    expect((await verifyAccessToken(f, 'api', narrowed.accessToken, 'https://admin.example.com')).payload.aud).toBe(
      'https://admin.example.com',
    )
    const byDefault = await f.issuer.issue('blog', { claims: { sub: 'u' } })
    expect((await verifyAccessToken(f, 'blog', byDefault.accessToken, 'blog')).payload.aud).toBe('blog')
  })

  it('refuses an aud outside the registered audience, a __proto__ member at any depth, and client_id', async () => {
    const refused: Record<string, unknown>[] = [
      { sub: 'u', aud: 'shop' },
      { sub: 'u', aud: ['blog', 'shop'] },
      { sub: 'u', aud: [] },
      { sub: 'u', aud: ['blog', 'blog'] },
      JSON.parse('{"sub":"u","__proto__":{"admin":true}}'),
      JSON.parse('{"sub":"u","profile":{"roles":[{"__proto__":{"admin":true}}]}}'),
      { sub: 'u', client_id: 'shop' },
    ]
    for (const claims of refused) {
      const err = await rejectionOf(f.issuer.issue('blog', { claims }))
      expect(err.code, JSON.stringify(claims)).toBe('invalid_request')
    }
    // A member merely named like it, as a value, is fine.
    const fine = await f.issuer.issue('blog', { claims: { sub: 'u', note: '__proto__' } })
    expect((await verifyAccessToken(f, 'blog', fine.accessToken)).payload['note']).toBe('__proto__')
  })

  it('refuses reserved claims, a missing sub and malformed claims', async () => {
    for (const claim of ['iss', 'iat', 'nbf', 'exp', 'jti', 'client_id']) {
      const err = await rejectionOf(f.issuer.issue('shop', { claims: { sub: 'u', [claim]: 1 } }))
      expect(err.code, claim).toBe('invalid_request')
      expect(err.message).toContain(claim)
    }
    for (const claims of [{}, { sub: 5 }, { sub: '' }, [], null, { sub: 'u', aud: 5 }, { sub: 'u', big: 'x'.repeat(9000) }]) {
      const err = await rejectionOf(f.issuer.issue('shop', { claims: claims as Record<string, unknown> }))
      expect(err.code, JSON.stringify(claims)?.slice(0, 40)).toBe('invalid_request')
    }
  })

  it('lets a request shorten the lifetimes, never lengthen them', async () => {
    const short = await f.issuer.issue('shop', { claims: { sub: 'u' }, authTTL: 60_000, refreshTTL: 120_000 })
    expect(short.expiry).toBe(Math.floor(f.clock.now() / 1000) + 60)
    expect((await f.store.getFamily(short.id))?.expiresAt).toBe(f.clock.now() + 120_000)
    // The shortened lifetimes hold for the family's renewals too.
    const renewed = await f.issuer.renew('shop', short.refreshToken)
    expect(renewed.expiry).toBe(Math.floor(f.clock.now() / 1000) + 60)

    const longer = await rejectionOf(f.issuer.issue('shop', { claims: { sub: 'u' }, authTTL: 11 * 60_000 }))
    expect(longer.code).toBe('invalid_request')
    expect(longer.message).toMatch(/never exceed/)
    expect((await rejectionOf(f.issuer.issue('shop', { claims: { sub: 'u' }, refreshTTL: 2 * 3_600_000 }))).code).toBe(
      'invalid_request',
    )
    expect((await rejectionOf(f.issuer.issue('shop', { claims: { sub: 'u' }, authTTL: 0 }))).code).toBe('invalid_request')
  })

  it('does not know unknown clients', async () => {
    expect((await rejectionOf(f.issuer.issue('nobody', { claims: { sub: 'u' } }))).code).toBe('not_found')
  })
})

describe('renew', () => {
  it('keeps the subject and custom claims, and answers with the family id', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'user-2', role: 'editor' } })
    f.clock.advance(30_000)
    const renewed = await f.issuer.renew('shop', pair.refreshToken)
    expect(renewed.id).toBe(pair.id)
    expect(renewed.refreshToken).not.toBe(pair.refreshToken)
    const { payload } = await verifyAccessToken(f, 'shop', renewed.accessToken)
    expect(payload).toMatchObject({ sub: 'user-2', role: 'editor', iat: Math.floor(f.clock.now() / 1000) })
    // The refresh lifetime slid.
    expect((await f.store.getFamily(pair.id))?.expiresAt).toBe(f.clock.now() + 3_600_000)
  })

  it('refuses an expired refresh token', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    f.clock.advance(3_600_000 + 1000)
    await expectInvalidGrant(f.issuer.renew('shop', pair.refreshToken))
  })

  it("refuses another client's refresh token", async () => {
    const pair = await f.issuer.issue('blog', { claims: { sub: 'u' } })
    await expectInvalidGrant(f.issuer.renew('shop', pair.refreshToken))
    // And it still works for its own client.
    expect((await f.issuer.renew('blog', pair.refreshToken)).id).toBe(pair.id)
  })

  it('refuses a JWE to the right key that holds no JWS', async () => {
    await expectInvalidGrant(f.issuer.renew('shop', await encryptToClient('shop', 'hello, issuer')))
    await expectInvalidGrant(f.issuer.renew('shop', await encryptToClient('shop', JSON.stringify({ sub: 'u', fid: 'x' }))))
  })

  it('refuses a JWE whose inner JWS is unsigned or signed by a stranger', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    const { claims, innerHeader } = await openRefreshTokenForTest(f, 'shop', pair.refreshToken)

    const unsigned = new UnsecuredJWT(claims).encode()
    await expectInvalidGrant(f.issuer.renew('shop', await encryptToClient('shop', unsigned)))

    // Same claims, same header (kid included), but the attacker's own P-256 key.
    const { privateKey } = generateKeyPairViaDer('ec', { namedCurve: 'P-256' })
    const forged = await new CompactSign(encoder.encode(JSON.stringify(claims)))
      .setProtectedHeader({ ...innerHeader, alg: 'ES256' })
      .sign(privateKey)
    await expectInvalidGrant(f.issuer.renew('shop', await encryptToClient('shop', forged)))

    // A genuine inner JWS of another client, re-encrypted to this client.
    const blog = await f.issuer.issue('blog', { claims: { sub: 'u' } })
    const blogInner = (await openRefreshTokenForTest(f, 'blog', blog.refreshToken)).inner
    await expectInvalidGrant(f.issuer.renew('shop', await encryptToClient('shop', blogInner)))

    // The genuine inner JWS re-encrypted by anyone is, however, the same token.
    const inner = (await openRefreshTokenForTest(f, 'shop', pair.refreshToken)).inner
    expect((await f.issuer.renew('shop', await encryptToClient('shop', inner))).id).toBe(pair.id)
  })

  it('refuses garbage, access tokens and tampered tokens with one message', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    const parts = pair.refreshToken.split('.')
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`
    const tampered = [parts[0], parts[1], parts[2], flipped, parts[4]].join('.')
    for (const token of ['', 'x', 'a.b.c.d.e', pair.accessToken, tampered, `${pair.refreshToken}x`, 'x'.repeat(40_000)]) {
      await expectInvalidGrant(f.issuer.renew('shop', token))
    }
    await expectInvalidGrant(f.issuer.renew('shop', 5 as unknown as string))
    // The genuine token still works: the failures changed nothing.
    expect((await f.issuer.renew('shop', pair.refreshToken)).id).toBe(pair.id)
  })

  it("refuses a removed client's refresh tokens, even under a new registration of its kid", async () => {
    await f.issuer.registerClient('temp')
    const pair = await f.issuer.issue('temp', { claims: { sub: 'u' } })
    expect(await f.issuer.removeClient('temp')).toBe(true)
    expect(await f.store.getFamily(pair.id)).toBeUndefined()
    await expectInvalidGrant(f.issuer.renew('temp', pair.refreshToken))
    await f.issuer.registerClient('temp')
    await expectInvalidGrant(f.issuer.renew('temp', pair.refreshToken))
  })
})

describe('revoke', () => {
  it('revokes the family of a token, and answers for any token', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    const renewed = await f.issuer.renew('shop', pair.refreshToken)
    await f.issuer.revoke('shop', { token: pair.refreshToken })
    expect((await f.store.getFamily(pair.id))?.revokedAt).toBe(f.clock.now())
    await expectInvalidGrant(f.issuer.renew('shop', renewed.refreshToken))
    // Unknown, garbage and already revoked tokens are no error (RFC 7009).
    await f.issuer.revoke('shop', { token: 'garbage' })
    await f.issuer.revoke('shop', { token: renewed.refreshToken })
    await f.issuer.revoke('shop', { token: await encryptToClient('shop', 'nothing') })
  })

  it("cannot revoke another client's family", async () => {
    const pair = await f.issuer.issue('blog', { claims: { sub: 'u' } })
    await f.issuer.revoke('shop', { token: pair.refreshToken })
    expect((await f.store.getFamily(pair.id))?.revokedAt).toBeUndefined()
    expect((await f.issuer.renew('blog', pair.refreshToken)).id).toBe(pair.id)
  })

  it('revokes every family of a subject of that client only', async () => {
    const a1 = await f.issuer.issue('shop', { claims: { sub: 'alice' } })
    const a2 = await f.issuer.issue('shop', { claims: { sub: 'alice' } })
    const bob = await f.issuer.issue('shop', { claims: { sub: 'bob' } })
    const blogAlice = await f.issuer.issue('blog', { claims: { sub: 'alice' } })
    await f.issuer.revoke('shop', { sub: 'alice' })
    await expectInvalidGrant(f.issuer.renew('shop', a1.refreshToken))
    await expectInvalidGrant(f.issuer.renew('shop', a2.refreshToken))
    expect((await f.issuer.renew('shop', bob.refreshToken)).id).toBe(bob.id)
    expect((await f.issuer.renew('blog', blogAlice.refreshToken)).id).toBe(blogAlice.id)
  })

  it('refuses a target that is neither a token nor a subject', async () => {
    expect((await rejectionOf(f.issuer.revoke('shop', {} as never))).code).toBe('invalid_request')
    expect((await rejectionOf(f.issuer.revoke('shop', { sub: '' }))).code).toBe('invalid_request')
  })
})
