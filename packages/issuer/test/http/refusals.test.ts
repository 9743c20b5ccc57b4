// Refresh tokens and client tokens that must be refused, forged with real crypto, and key
// settings the issuer must refuse with a reason.
import { CompactEncrypt, CompactSign, decodeJwt, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient, renewPair, type TestClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let blog: TestClient

beforeAll(async () => {
  t = await startTestIssuer({ graceTTL: 10_000 })
  shop = await registerClient(t, 'shop')
  blog = await registerClient(t, 'blog')
})
afterAll(async () => {
  await t?.close()
})

function expectInvalidGrant(answer: { status: number; body: unknown }): void {
  expect(answer.status).toBe(401)
  expect(answer.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) })
}

/** Encrypts `plaintext` to the client's published encryption key, as anyone could. */
async function encryptToClient(client: TestClient, plaintext: string): Promise<string> {
  const encJwk = client.registration.pub_enc_key as JWK
  const key = await importJWK(encJwk, encJwk.alg)
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: encJwk.alg!, enc: 'A256GCM', cty: 'JWT', kid: encJwk.kid! })
    .encrypt(key)
}

describe('refresh tokens that cannot be renewed: 401 invalid_grant, one message for all', () => {
  it("refuses another client's refresh token", async () => {
    const pair = await issuePair(t, shop)
    expectInvalidGrant(await renewPair(t, blog, pair.refresh_token))
    // It still works for its own client.
    expect((await renewPair(t, shop, pair.refresh_token)).status).toBe(200)
  })

  it('refuses a revoked one', async () => {
    const pair = await issuePair(t, shop, { sub: 'revoked-user' })
    const revoked = await api(t.url, 'POST', '/revoke', { token: shop.clientToken, body: { kid: 'shop', token: pair.refresh_token } })
    expect(revoked.status).toBe(200)
    expectInvalidGrant(await renewPair(t, shop, pair.refresh_token))
  })

  it('gives a renew repeated within the grace window the same successor', async () => {
    const pair = await issuePair(t, shop, { sub: 'two-tabs' })
    const first = await renewPair(t, shop, pair.refresh_token)
    const second = await renewPair(t, shop, pair.refresh_token)
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(second.body.id).toBe(first.body.id)
  })

  it('revokes the family when a superseded one is reused: the newest then fails too', async () => {
    const pair = await issuePair(t, shop, { sub: 'reuse-victim' })
    const renewed = await renewPair(t, shop, pair.refresh_token)
    expect(renewed.status).toBe(200)
    t.advance(11_000) // past the grace window
    expectInvalidGrant(await renewPair(t, shop, pair.refresh_token))
    expectInvalidGrant(await renewPair(t, shop, renewed.body.refresh_token))
  })

  it('refuses an expired one', async () => {
    const short = await registerClient(t, 'short-lived', { refresh_ttl: '1m', auth_ttl: '30s' })
    const pair = await issuePair(t, short)
    t.advance(2 * 60_000)
    expectInvalidGrant(await renewPair(t, short, pair.refresh_token))
  })

  it('refuses a JWE to the right key whose inner JWS is signed by another key', async () => {
    const pair = await issuePair(t, shop, { sub: 'forged' })
    const attacker = await generateKeyPair('ES256')
    const inner = await new SignJWT({ sub: 'forged', client_id: 'shop', fid: pair.id })
      .setProtectedHeader({ alg: 'ES256', typ: 'rt+jwt', kid: shop.registration.pub_sig_key.kid })
      .setIssuer('JWTIS')
      .setAudience('JWTIS')
      .setIssuedAt()
      .setJti('forged-jti')
      .setExpirationTime('1h')
      .sign(attacker.privateKey)
    expectInvalidGrant(await renewPair(t, shop, await encryptToClient(shop, inner)))
  })

  it('refuses a JWE to the right key holding no JWS, or an unsigned one', async () => {
    const claims = JSON.stringify({ sub: 'forged', client_id: 'shop', iss: 'JWTIS', exp: Math.floor(Date.now() / 1000) + 3600 })
    expectInvalidGrant(await renewPair(t, shop, await encryptToClient(shop, claims)))
    const unsigned = `${Buffer.from('{"alg":"none","typ":"rt+jwt"}').toString('base64url')}.${Buffer.from(claims).toString('base64url')}.`
    expectInvalidGrant(await renewPair(t, shop, await encryptToClient(shop, unsigned)))
  })

  it("refuses the access token, and a JWS signed with the client's key shape but not by it", async () => {
    const pair = await issuePair(t, shop)
    expectInvalidGrant(await renewPair(t, shop, pair.access_token))
    const attacker = await generateKeyPair('ES256')
    const bare = await new CompactSign(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'ES256' }).sign(attacker.privateKey)
    expectInvalidGrant(await renewPair(t, shop, bare))
  })

  it('uses the same description for every refusal', async () => {
    const pair = await issuePair(t, shop)
    const descriptions = new Set<string>()
    for (const answer of [
      await renewPair(t, blog, pair.refresh_token),
      await renewPair(t, shop, 'garbage'),
      await renewPair(t, shop, pair.access_token),
    ]) {
      descriptions.add(answer.body.error_description)
    }
    expect(descriptions.size).toBe(1)
  })
})

describe('client tokens', () => {
  it('refuses a forged client token: one character changed, or another of the same shape', async () => {
    const flipped = shop.clientToken.slice(0, -1) + (shop.clientToken.endsWith('A') ? 'B' : 'A')
    const body = { kid: 'shop', claims: { sub: 'user-1' } }
    for (const token of [flipped, Buffer.alloc(32, 7).toString('base64url')]) {
      const answer = await api(t.url, 'POST', '/issue_token', { token, body })
      expect(answer.status).toBe(401)
      expect(answer.body.error).toBe('invalid_client')
    }
    // The real one still works, and the forged ones issued nothing.
    const real = await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body })
    expect(real.status).toBe(200)
    expect(decodeJwt(real.body.access_token).client_id).toBe('shop')
  })
})

describe('key settings refused with the reason', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['RSA1_5', { enc_alg: 'RSA1_5', enc_bits: 2048 }, /RSA1_5/],
    ['an RSA signing key of 1024 bits', { sig_alg: 'RS256', sig_bits: 1024 }, /2048.*3072.*4096/],
    ['an RSA encryption key of 1024 bits', { enc_alg: 'RSA-OAEP-256', enc_bits: 1024 }, /2048.*3072.*4096/],
    ['an ECDH curve of 512 bits', { enc_alg: 'ECDH-ES', enc_bits: 512 }, /256.*384.*521/],
    ['ES256 with 384 bits', { sig_alg: 'ES256', sig_bits: 384 }, /256/],
    ['an HMAC signing alg', { sig_alg: 'HS256' }, /ES256/],
    ['alg none', { sig_alg: 'none' }, /ES256/],
    ['a CBC content encryption', { cont_enc: 'A128CBC-HS256' }, /A256GCM/],
  ]
  it.each(cases)('refuses %s with 400', async (_name, body, reason) => {
    const answer = await api(t.url, 'POST', '/register/refused', { token: t.adminToken, body })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toBe('invalid_request')
    expect(answer.body.error_description).toMatch(reason)
    // Nothing was registered.
    expect((await api(t.url, 'GET', '/jwks/refused')).status).toBe(404)
  })
})
