import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import * as standalone from '@jwtis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as subpath from '../../src/client/index.js'
import { createIssuerClient, type IssuerClient, IssuerClientError } from '../../src/client/index.js'
import { registerClient, type TestClient } from '../helpers/api.js'
import { randomSecret, startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let client: IssuerClient

beforeAll(async () => {
  t = await startTestIssuer()
  shop = await registerClient(t, 'shop')
  await registerClient(t, 'blog')
  client = createIssuerClient({ url: t.url, kid: 'shop', clientToken: shop.clientToken })
})
afterAll(async () => {
  await t?.close()
})

async function caught(promise: Promise<unknown>): Promise<IssuerClientError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(IssuerClientError)
  return err as IssuerClientError
}

describe('createIssuerClient against a real issuer', () => {
  it('issues a pair whose access token verifies against the JWKS', async () => {
    const pair = await client.issue({ claims: { sub: 'user-1', scope: 'read' } })
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiry', 'id', 'refreshToken'])
    const { payload } = await jwtVerify(pair.accessToken, createRemoteJWKSet(new URL(`${t.url}/jwks/shop`)), {
      issuer: 'JWTIS',
      audience: 'shop',
      typ: 'at+jwt',
    })
    expect(payload).toMatchObject({ sub: 'user-1', scope: 'read' })
    expect(payload.exp).toBe(pair.expiry)
  })

  it('sends TTLs as milliseconds or Go-style strings', async () => {
    for (const authTTL of [60_000, '1m']) {
      const pair = await client.issue({ claims: { sub: 'user-2' }, authTTL, refreshTTL: '1h' })
      const claims = decodeJwt(pair.accessToken)
      expect(claims.exp! - claims.iat!).toBe(60)
    }
  })

  it('renews, with a strategy when asked', async () => {
    const pair = await client.issue({ claims: { sub: 'user-3' } })
    const kept = await client.renew(pair.refreshToken, { strategy: 'noRefresh' })
    expect(kept.id).toBe(pair.id)
    expect(kept.refreshToken).toBe(pair.refreshToken)
    const next = await client.renew(pair.refreshToken)
    expect(next.id).toBe(pair.id)
    expect(next.refreshToken).not.toBe(pair.refreshToken)
  })

  it('revokes by token and by subject', async () => {
    const one = await client.issue({ claims: { sub: 'user-4' } })
    await client.revoke({ token: one.refreshToken })
    expect((await caught(client.renew(one.refreshToken))).code).toBe('invalid_grant')
    const two = await client.issue({ claims: { sub: 'user-5' } })
    await client.revoke({ sub: 'user-5' })
    expect((await caught(client.renew(two.refreshToken))).code).toBe('invalid_grant')
    await client.revoke({ token: 'unknown.token.is.fine.too' })
  })

  it('reads and rotates its keys', async () => {
    const keys = await client.keys()
    expect(keys).toEqual({
      kid: 'shop',
      pubSigKey: shop.registration.pub_sig_key,
      pubEncKey: shop.registration.pub_enc_key,
      expiry: shop.registration.expiry,
      valid: true,
    })
    // A client may rotate once a minute; its keys became current at registration.
    const tooSoon = await caught(client.rotate())
    expect([tooSoon.status, tooSoon.code]).toEqual([429, 'slow_down'])
    t.advance(60_000)
    const rotated = await client.rotate()
    expect(rotated.pubSigKey.kid).not.toBe(keys.pubSigKey.kid)
    expect((await client.keys()).pubSigKey.kid).toBe(rotated.pubSigKey.kid)
  })
})

describe('IssuerClientError', () => {
  it('carries the status and the API code, and never the token', async () => {
    const pair = await client.issue({ claims: { sub: 'user-6' } })
    const err = await caught(client.renew(`${pair.refreshToken}x`))
    expect(err.status).toBe(401)
    expect(err.code).toBe('invalid_grant')
    expect(err.message).toContain('401 invalid_grant')
    expect(`${err.message} ${err.description} ${err.stack}`).not.toContain(pair.refreshToken)

    const bad = await caught(client.issue({ claims: { sub: 'user-6', iss: 'me' } }))
    expect(bad.status).toBe(400)
    expect(bad.code).toBe('invalid_request')
  })

  it('reports a wrong client token as 401 invalid_client, without the token', async () => {
    const wrongToken = randomSecret()
    const wrong = createIssuerClient({ url: t.url, kid: 'shop', clientToken: wrongToken })
    const err = await caught(wrong.keys())
    expect(err.status).toBe(401)
    expect(err.code).toBe('invalid_client')
    expect(`${err.message} ${err.stack}`).not.toContain(wrongToken)
  })

  it("reports another client's kid as 403 access_denied", async () => {
    const other = createIssuerClient({ url: t.url, kid: 'blog', clientToken: shop.clientToken })
    const err = await caught(other.issue({ claims: { sub: 'user-7' } }))
    expect(err.status).toBe(403)
    expect(err.code).toBe('access_denied')
  })
})

describe('createIssuerClient options', () => {
  it('uses an injected fetch', async () => {
    const seen: string[] = []
    const traced = createIssuerClient({
      url: `${t.url}/`,
      kid: 'shop',
      clientToken: shop.clientToken,
      fetch: (input, init) => {
        seen.push(`${init?.method} ${new URL(String(input)).pathname}`)
        return fetch(input, init)
      },
    })
    await traced.keys()
    expect(seen).toEqual(['GET /keys/shop'])
  })
})

describe('@jwtis/issuer/client', () => {
  it('re-exports @jwtis/client, the same values', () => {
    expect(Object.keys(subpath).sort()).toEqual(Object.keys(standalone).sort())
    const reexported = new Map(Object.entries(subpath))
    for (const [name, value] of Object.entries(standalone)) expect(reexported.get(name)).toBe(value)
  })
})
