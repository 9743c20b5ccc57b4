import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient, renewPair, type TestClient } from '../helpers/api.js'
import { randomSecret, startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let blog: TestClient

beforeAll(async () => {
  t = await startTestIssuer()
  shop = await registerClient(t, 'shop')
  blog = await registerClient(t, 'blog')
})
afterAll(async () => {
  await t?.close()
})

function expectError(answer: { status: number; body: unknown; headers: Headers }, status: number, code: string): void {
  expect(answer.status).toBe(status)
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
  expect(answer.body).toEqual({ error: code, error_description: expect.any(String) })
  if (status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
}

describe('probes', () => {
  it('GET /healthz and /readyz answer 200 ok', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await api(t.url, 'GET', path)
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ status: 'ok' })
    }
  })
})

describe('request bodies', () => {
  it('refuses malformed JSON with 400 invalid_request', async () => {
    const answer = await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body: '{"kid": "shop", ' })
    expectError(answer, 400, 'invalid_request')
    expect(answer.body.error_description).toMatch(/not valid JSON/)
  })

  it('refuses a JSON body that is not an object with 400', async () => {
    for (const body of ['[1, 2]', '"shop"', '42', 'null']) {
      const answer = await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body })
      expectError(answer, 400, 'invalid_request')
    }
  })

  it('refuses a body over 64 KiB with 413 and takes one of exactly 64 KiB', async () => {
    const claims = { sub: 'user-1', pad: '' }
    const base = JSON.stringify({ kid: 'shop', claims }).length
    claims.pad = 'x'.repeat(64 * 1024 - base)
    const exact = JSON.stringify({ kid: 'shop', claims })
    expect(exact.length).toBe(64 * 1024)
    const atLimit = await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body: exact })
    // Not refused for its size (the core may still find the claims too large for a token).
    expect(atLimit.status).not.toBe(413)
    const over = await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body: `${exact} ` })
    expectError(over, 413, 'request_too_large')
  })

  it('answers an unknown route with a JSON 404', async () => {
    expectError(await api(t.url, 'GET', '/no/such/route'), 404, 'not_found')
    expectError(await api(t.url, 'PUT', '/issue_token', { body: {} }), 404, 'not_found')
  })

  it('refuses a badly %-encoded path with 400, not 500', async () => {
    expectError(await api(t.url, 'GET', '/jwks/%E0%A4%A'), 400, 'invalid_request')
  })
})

describe('POST /register/:kid', () => {
  it('answers 201 with the client token, public keys, expiry and valid', async () => {
    const { registration } = shop
    expect(registration).toEqual({
      kid: 'shop',
      client_token: expect.any(String),
      pub_sig_key: expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) }),
      pub_enc_key: expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A256KW', kid: expect.any(String) }),
      expiry: expect.any(Number),
      valid: true,
    })
    expect(registration.pub_sig_key).not.toHaveProperty('d')
    expect(registration.pub_enc_key).not.toHaveProperty('d')
    // The default key lifetime is 4320 h.
    const inHours = (registration.expiry - Date.now() / 1000) / 3600
    expect(inHours).toBeGreaterThan(4319)
    expect(inHours).toBeLessThanOrEqual(4320)
  })

  it('is no-store', async () => {
    const answer = await api(t.url, 'POST', '/register/nostore', { token: t.adminToken })
    expect(answer.status).toBe(201)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('refuses without, or with a wrong, admin token: 401', async () => {
    expectError(await api(t.url, 'POST', '/register/anon'), 401, 'invalid_client')
    expectError(await api(t.url, 'POST', '/register/anon', { token: randomSecret() }), 401, 'invalid_client')
    expectError(await api(t.url, 'POST', '/register/anon', { token: shop.clientToken }), 401, 'invalid_client')
    expectError(
      await api(t.url, 'POST', '/register/anon', { headers: { authorization: `Basic ${btoa(`admin:${t.adminToken}`)}` } }),
      401,
      'invalid_client',
    )
    // Nothing was registered by those calls.
    expect((await api(t.url, 'POST', '/register/anon', { token: t.adminToken })).status).toBe(201)
  })

  it('answers 409 client_exists for a registered kid', async () => {
    expectError(await api(t.url, 'POST', '/register/shop', { token: t.adminToken }), 409, 'client_exists')
  })

  it('refuses unknown fields and bad values with 400 naming them', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ sig_algo: 'ES384' }, /sig_algo/],
      [{ auth_ttl: 'soon' }, /auth_ttl/],
      [{ auth_ttl: -5 }, /auth_ttl/],
      [{ auth_ttl: 1.5 }, /auth_ttl/],
      [{ refresh_ttl: '0s' }, /refresh_ttl/],
      [{ sig_bits: '2048' }, /sig_bits/],
      [{ refresh_strategy: 'always' }, /refreshBoth/],
      [{ sig_alg: 42 }, /sig_alg/],
    ]
    for (const [body, reason] of cases) {
      const answer = await api(t.url, 'POST', '/register/bad-fields', { token: t.adminToken, body })
      expectError(answer, 400, 'invalid_request')
      expect(answer.body.error_description).toMatch(reason)
    }
  })

  it('reads integer durations as seconds and strings Go-style', async () => {
    const seconds = await registerClient(t, 'ttl-seconds', { auth_ttl: 120, refresh_ttl: 3600 })
    const goStyle = await registerClient(t, 'ttl-go', { auth_ttl: '2m', refresh_ttl: '1h' })
    for (const client of [seconds, goStyle]) {
      const pair = await issuePair(t, client)
      const claims = decodeJwt(pair.access_token)
      expect(claims.exp! - claims.iat!).toBe(120)
    }
    const mixed = await registerClient(t, 'ttl-mixed', { auth_ttl: '1h30m' })
    const claims = decodeJwt((await issuePair(t, mixed)).access_token)
    expect(claims.exp! - claims.iat!).toBe(5400)
  })
})

describe('DELETE /register/:kid', () => {
  it('removes the client: its token stops working, its refresh tokens too', async () => {
    const gone = await registerClient(t, 'gone')
    const pair = await issuePair(t, gone)
    expectError(await api(t.url, 'DELETE', '/register/gone'), 401, 'invalid_client')
    expectError(await api(t.url, 'DELETE', '/register/gone', { token: gone.clientToken }), 401, 'invalid_client')
    const removed = await api(t.url, 'DELETE', '/register/gone', { token: t.adminToken })
    expect(removed.status).toBe(200)
    expect(removed.body).toEqual({ kid: 'gone', removed: true })
    expectError(await api(t.url, 'GET', '/keys/gone', { token: gone.clientToken }), 401, 'invalid_client')
    expectError(await api(t.url, 'GET', '/jwks/gone'), 404, 'not_found')
    // A new client under the same kid cannot renew the old client's refresh token.
    const again = await registerClient(t, 'gone')
    expectError(await renewPair(t, again, pair.refresh_token), 401, 'invalid_grant')
  })

  it('answers 404 for an unknown kid', async () => {
    expectError(await api(t.url, 'DELETE', '/register/never-was', { token: t.adminToken }), 404, 'not_found')
  })
})

describe('GET /keys/:kid', () => {
  it("answers the client's public keys", async () => {
    const answer = await api(t.url, 'GET', '/keys/shop', { token: shop.clientToken })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      kid: 'shop',
      pub_sig_key: shop.registration.pub_sig_key,
      pub_enc_key: shop.registration.pub_enc_key,
      expiry: shop.registration.expiry,
      valid: true,
    })
  })

  it("refuses another client's kid with 403 and a missing or wrong token with 401", async () => {
    expectError(await api(t.url, 'GET', '/keys/shop', { token: blog.clientToken }), 403, 'access_denied')
    expectError(await api(t.url, 'GET', '/keys/no-such-kid', { token: blog.clientToken }), 403, 'access_denied')
    expectError(await api(t.url, 'GET', '/keys/shop'), 401, 'invalid_client')
    expectError(await api(t.url, 'GET', '/keys/shop', { token: randomSecret() }), 401, 'invalid_client')
    expectError(await api(t.url, 'GET', '/keys/shop', { token: t.adminToken }), 401, 'invalid_client')
  })
})

describe('POST /keys/:kid/rotate', () => {
  it('rotates for the admin and for the client itself, publishing the new key', async () => {
    const client = await registerClient(t, 'rotating')
    const before = client.registration.pub_sig_key.kid
    const byAdmin = await api(t.url, 'POST', '/keys/rotating/rotate', { token: t.adminToken })
    expect(byAdmin.status).toBe(200)
    expect(byAdmin.body.kid).toBe('rotating')
    expect(byAdmin.body.pub_sig_key.kid).not.toBe(before)
    // The admin's rotation was a moment ago: the client may rotate once a minute after it.
    const tooSoon = await api(t.url, 'POST', '/keys/rotating/rotate', { token: client.clientToken })
    expectError(tooSoon, 429, 'slow_down')
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(50)
    t.advance(60_000)
    const byClient = await api(t.url, 'POST', '/keys/rotating/rotate', { token: client.clientToken })
    expect(byClient.status).toBe(200)
    expect(byClient.body.pub_sig_key.kid).not.toBe(byAdmin.body.pub_sig_key.kid)
    const jwks = await api(t.url, 'GET', '/jwks/rotating')
    const kids = jwks.body.keys.map((key: { kid: string }) => key.kid)
    expect(kids).toContain(byClient.body.pub_sig_key.kid)
    // Tokens signed before the rotations may still be valid: their key stays published.
    expect(kids).toContain(before)
  })

  it("refuses another client's kid with 403 and no token with 401", async () => {
    expectError(await api(t.url, 'POST', '/keys/shop/rotate', { token: blog.clientToken }), 403, 'access_denied')
    expectError(await api(t.url, 'POST', '/keys/shop/rotate'), 401, 'invalid_client')
  })

  it('answers 404 when the admin rotates an unknown kid', async () => {
    expectError(await api(t.url, 'POST', '/keys/never-was/rotate', { token: t.adminToken }), 404, 'not_found')
  })
})

describe('POST /issue_token', () => {
  it('answers a token pair; auth_token is the access token; expiry is its exp', async () => {
    const answer = await api(t.url, 'POST', '/issue_token', {
      token: shop.clientToken,
      body: { kid: 'shop', claims: { sub: 'user-7', role: 'buyer' } },
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    const { id, access_token, auth_token, refresh_token, expiry } = answer.body
    expect(Object.keys(answer.body).sort()).toEqual(['access_token', 'auth_token', 'expiry', 'id', 'refresh_token'])
    expect(typeof id).toBe('string')
    expect(auth_token).toBe(access_token)
    const claims = decodeJwt(access_token)
    expect(claims).toMatchObject({ iss: 'JWTIS', aud: 'shop', sub: 'user-7', role: 'buyer', client_id: 'shop' })
    expect(claims.exp).toBe(expiry)
    expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: shop.registration.pub_sig_key.kid })
    expect(refresh_token.split('.')).toHaveLength(5)
  })

  it('takes the client token in the body, as clients of the original jwtis send it', async () => {
    const answer = await api(t.url, 'POST', '/issue_token', {
      body: { kid: 'shop', client_token: shop.clientToken, claims: { sub: 'user-8' } },
    })
    expect(answer.status).toBe(200)
    expect(decodeJwt(answer.body.access_token).sub).toBe('user-8')
  })

  it('refuses the client token given twice with 400', async () => {
    const answer = await api(t.url, 'POST', '/issue_token', {
      token: shop.clientToken,
      body: { kid: 'shop', client_token: shop.clientToken, claims: { sub: 'user-8' } },
    })
    expectError(answer, 400, 'invalid_request')
  })

  it('takes the seed aliases of the TTL fields', async () => {
    for (const body of [
      { auth_token_valid_time: '1m', resresh_token_valid_time: '10m' },
      { auth_token_valid_time: 60, refresh_token_valid_time: 600 },
    ]) {
      const answer = await api(t.url, 'POST', '/issue_token', {
        token: shop.clientToken,
        body: { kid: 'shop', claims: { sub: 'user-9' }, ...body },
      })
      expect(answer.status).toBe(200)
      const claims = decodeJwt(answer.body.access_token)
      expect(claims.exp! - claims.iat!).toBe(60)
    }
    const disagree = await api(t.url, 'POST', '/issue_token', {
      token: shop.clientToken,
      body: { kid: 'shop', claims: { sub: 'user-9' }, auth_ttl: '1m', auth_token_valid_time: '2m' },
    })
    expectError(disagree, 400, 'invalid_request')
  })

  it('refuses bad claims and longer TTLs with 400', async () => {
    const bodies = [
      { kid: 'shop', claims: { role: 'no-sub' } },
      { kid: 'shop', claims: { sub: 42 } },
      { kid: 'shop', claims: { sub: 'user-1', iss: 'evil' } },
      { kid: 'shop', claims: { sub: 'user-1', exp: 9_999_999_999 } },
      { kid: 'shop', claims: { sub: 'user-1', jti: 'mine' } },
      { kid: 'shop', claims: 'sub=user-1' },
      { kid: 'shop', claims: { sub: 'user-1' }, auth_ttl: '16m' },
      { kid: 'shop', claims: { sub: 'user-1' }, refresh_ttl: '73h' },
      { kid: 'shop', claims: { sub: 'user-1' }, extra: true },
    ]
    for (const body of bodies) {
      expectError(await api(t.url, 'POST', '/issue_token', { token: shop.clientToken, body }), 400, 'invalid_request')
    }
  })

  it("refuses another client's kid with 403, a missing or forged token with 401", async () => {
    const body = { kid: 'shop', claims: { sub: 'user-1' } }
    expectError(await api(t.url, 'POST', '/issue_token', { token: blog.clientToken, body }), 403, 'access_denied')
    expectError(await api(t.url, 'POST', '/issue_token', { body }), 401, 'invalid_client')
    expectError(await api(t.url, 'POST', '/issue_token', { token: randomSecret(), body }), 401, 'invalid_client')
    expectError(await api(t.url, 'POST', '/issue_token', { token: t.adminToken, body }), 401, 'invalid_client')
  })
})

describe('POST /renew_token', () => {
  it('answers a new pair of the same family', async () => {
    const pair = await issuePair(t, shop, { sub: 'user-10' })
    const answer = await renewPair(t, shop, pair.refresh_token)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.body.id).toBe(pair.id)
    expect(answer.body.auth_token).toBe(answer.body.access_token)
    expect(decodeJwt(answer.body.access_token).sub).toBe('user-10')
    expect(answer.body.refresh_token).not.toBe(pair.refresh_token)
  })

  it('keeps the refresh token with refresh_strategy noRefresh', async () => {
    const pair = await issuePair(t, shop, { sub: 'user-11' })
    const answer = await renewPair(t, shop, pair.refresh_token, { refresh_strategy: 'noRefresh' })
    expect(answer.status).toBe(200)
    expect(answer.body.refresh_token).toBe(pair.refresh_token)
  })

  it('refuses a missing refresh token with 400 and a malformed one with 401 invalid_grant', async () => {
    expectError(await renewPair(t, shop, undefined as unknown as string), 400, 'invalid_request')
    expectError(await renewPair(t, shop, 'not-a-token'), 401, 'invalid_grant')
    expectError(await renewPair(t, shop, 'a.b.c.d.e'), 401, 'invalid_grant')
  })
})

describe('POST /revoke', () => {
  it('revokes a refresh token family; the token then fails to renew', async () => {
    const pair = await issuePair(t, shop, { sub: 'user-20' })
    const answer = await api(t.url, 'POST', '/revoke', { token: shop.clientToken, body: { kid: 'shop', token: pair.refresh_token } })
    expect(answer.status).toBe(200)
    expectError(await renewPair(t, shop, pair.refresh_token), 401, 'invalid_grant')
  })

  it("revokes every family of a subject, and only that subject's", async () => {
    const first = await issuePair(t, shop, { sub: 'user-21' })
    const second = await issuePair(t, shop, { sub: 'user-21' })
    const other = await issuePair(t, shop, { sub: 'user-22' })
    const answer = await api(t.url, 'POST', '/revoke', { token: shop.clientToken, body: { kid: 'shop', sub: 'user-21' } })
    expect(answer.status).toBe(200)
    expectError(await renewPair(t, shop, first.refresh_token), 401, 'invalid_grant')
    expectError(await renewPair(t, shop, second.refresh_token), 401, 'invalid_grant')
    expect((await renewPair(t, shop, other.refresh_token)).status).toBe(200)
  })

  it('answers 200 for an unknown token (RFC 7009)', async () => {
    const answer = await api(t.url, 'POST', '/revoke', { token: shop.clientToken, body: { kid: 'shop', token: 'no.such.token.at.all' } })
    expect(answer.status).toBe(200)
  })

  it('refuses neither or both of token and sub with 400, another kid with 403', async () => {
    for (const body of [{ kid: 'shop' }, { kid: 'shop', token: 'x.y.z.w.v', sub: 'user-1' }]) {
      expectError(await api(t.url, 'POST', '/revoke', { token: shop.clientToken, body }), 400, 'invalid_request')
    }
    const foreign = await api(t.url, 'POST', '/revoke', { token: blog.clientToken, body: { kid: 'shop', sub: 'user-1' } })
    expectError(foreign, 403, 'access_denied')
    expectError(await api(t.url, 'POST', '/revoke', { body: { kid: 'shop', sub: 'user-1' } }), 401, 'invalid_client')
  })
})

describe('JWKS and discovery', () => {
  it("GET /jwks/:kid publishes the client's signing keys, public halves only", async () => {
    const answer = await api(t.url, 'GET', '/jwks/shop')
    expect(answer.status).toBe(200)
    const kids = answer.body.keys.map((key: { kid: string }) => key.kid)
    expect(kids).toContain(shop.registration.pub_sig_key.kid)
    expect(kids).not.toContain(shop.registration.pub_enc_key.kid)
    for (const key of answer.body.keys) {
      expect(key).not.toHaveProperty('d')
      expect(key.use).toBe('sig')
    }
  })

  it('GET /jwks/:kid answers 404 for an unknown kid', async () => {
    expectError(await api(t.url, 'GET', '/jwks/never-was'), 404, 'not_found')
  })

  it("GET /.well-known/jwks.json publishes every client's signing keys", async () => {
    const answer = await api(t.url, 'GET', '/.well-known/jwks.json')
    expect(answer.status).toBe(200)
    const kids = answer.body.keys.map((key: { kid: string }) => key.kid)
    expect(kids).toEqual(expect.arrayContaining([shop.registration.pub_sig_key.kid, blog.registration.pub_sig_key.kid]))
  })

  it('GET /.well-known/openid-configuration names the issuer and the JWKS URL', async () => {
    const answer = await api(t.url, 'GET', '/.well-known/openid-configuration')
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      issuer: 'JWTIS',
      jwks_uri: `${t.url}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: expect.arrayContaining(['ES256', 'EdDSA', 'RS256', 'PS512']),
    })
    expect(answer.body).not.toHaveProperty('authorization_endpoint')
  })
})

describe('GET /metrics', () => {
  it('is for the admin only', async () => {
    expectError(await api(t.url, 'GET', '/metrics'), 401, 'invalid_client')
    expectError(await api(t.url, 'GET', '/metrics', { token: shop.clientToken }), 401, 'invalid_client')
  })

  it('counts issued, renewed and refused tokens and times requests by route', async () => {
    const read = async (): Promise<string> => {
      const answer = await api(t.url, 'GET', '/metrics', { token: t.adminToken })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/)
      return answer.text
    }
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      return line === undefined ? 0 : Number(line.split(' ')[1])
    }
    const before = await read()
    const pair = await issuePair(t, shop, { sub: 'user-30' })
    expect((await renewPair(t, shop, pair.refresh_token)).status).toBe(200)
    expect((await renewPair(t, shop, 'garbage')).status).toBe(401)
    const after = await read()
    expect(value(after, 'jwtis_tokens_issued_total') - value(before, 'jwtis_tokens_issued_total')).toBe(1)
    expect(value(after, 'jwtis_tokens_renewed_total') - value(before, 'jwtis_tokens_renewed_total')).toBe(1)
    const refused = 'jwtis_tokens_refused_total{operation="renew",reason="invalid_grant"}'
    expect(value(after, refused) - value(before, refused)).toBe(1)
    expect(after).toMatch(/jwtis_http_request_duration_seconds_count\{method="POST",route="\/issue_token",status="200"\} \d+/)
    expect(after).toMatch(/^process_cpu_user_seconds_total /m)
  })
})
