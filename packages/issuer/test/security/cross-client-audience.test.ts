import { createVerifier, isVerifyError } from '@jwtis/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient, type TestClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let blog: TestClient
beforeAll(async () => {
  t = await startTestIssuer({ maintenanceInterval: 0 })
  shop = await registerClient(t, 'shop')
  blog = await registerClient(t, 'blog', { audience: ['https://blog.example.com', 'https://comments.example.com'] })
})
afterAll(async () => {
  await t.close()
})

/** shop's API as it verifies: every client's keys from the global JWKS, its own audience. */
function shopApi(audience: string = 'shop') {
  return createVerifier({ issuer: 'JWTIS', audience, jwksUri: `${t.url}/.well-known/jwks.json`, typ: 'at+jwt' })
}

function issueAs(client: TestClient, claims: Record<string, unknown> | string) {
  const body = typeof claims === 'string' ? `{"kid":"${client.kid}","claims":${claims}}` : { kid: client.kid, claims }
  return api(t.url, 'POST', '/issue_token', { token: client.clientToken, body })
}

describe('one client cannot mint tokens for another client’s audience', () => {
  it('blog asking for aud "shop" (alone or in a list) gets 400 and no token', async () => {
    for (const aud of ['shop', ['https://blog.example.com', 'shop'], ['shop', 'shop']]) {
      const answer = await issueAs(blog, { sub: 'admin', scope: 'orders:write', aud })
      expect(answer.status, JSON.stringify(aud)).toBe(400)
      expect(answer.body.error).toBe('invalid_request')
      expect(answer.text).not.toContain('access_token')
    }
  })

  it('blog’s tokens carry its registered audience, which shop’s verifier refuses', async () => {
    const real = await issuePair(t, blog, { sub: 'admin' })
    const err = await shopApi().verify(real.access_token).catch((e: unknown) => e)
    expect(isVerifyError(err, 'ERR_CLAIM_INVALID')).toBe(true)
    expect((err as { claim?: string }).claim).toBe('aud')
    const own = createVerifier({
      issuer: 'JWTIS',
      audience: 'https://comments.example.com',
      jwksUri: `${t.url}/.well-known/jwks.json`,
    })
    expect((await own.verify(real.access_token)).payload.aud).toEqual([
      'https://blog.example.com',
      'https://comments.example.com',
    ])
  })

  it('a request may narrow the registered audience to some of its values', async () => {
    const answer = await issueAs(blog, { sub: 'u', aud: 'https://comments.example.com' })
    expect(answer.status).toBe(200)
    const verifier = createVerifier({
      issuer: 'JWTIS',
      audience: 'https://comments.example.com',
      jwksUri: `${t.url}/jwks/blog`,
    })
    expect((await verifier.verify(answer.body.access_token)).payload.aud).toBe('https://comments.example.com')
  })

  it('shop’s own tokens, with its default audience (its kid), pass shop’s verifier', async () => {
    const pair = await issuePair(t, shop, { sub: 'u1' })
    const { payload } = await shopApi().verify(pair.access_token)
    expect([payload.aud, payload['client_id']]).toEqual(['shop', 'shop'])
  })

  it('refuses client_id and a __proto__ member at any depth with 400, before signing anything', async () => {
    const bodies = [
      '{"sub":"u","client_id":"shop"}',
      '{"sub":"u","__proto__":{"isAdmin":true}}',
      '{"sub":"u","profile":{"groups":[{"__proto__":{"isAdmin":true}}]}}',
    ]
    for (const claims of bodies) {
      const answer = await issueAs(shop, claims)
      expect(answer.status, claims).toBe(400)
      expect(answer.body.error).toBe('invalid_request')
    }
  })

  it('registers an audience given as a list, and refuses one that is not a string or list of strings', async () => {
    const listed = await registerClient(t, 'listed', { audience: ['a.example', 'b.example'] })
    const pair = await issuePair(t, listed, { sub: 'u' })
    const verifier = createVerifier({ issuer: 'JWTIS', audience: 'b.example', jwksUri: `${t.url}/jwks/listed` })
    expect((await verifier.verify(pair.access_token)).payload.aud).toEqual(['a.example', 'b.example'])
    for (const audience of [5, [], [''], ['x', 'x'], [1]]) {
      const answer = await api(t.url, 'POST', '/register/bad-audience', { token: t.adminToken, body: { audience } })
      expect(answer.status, JSON.stringify(audience)).toBe(400)
    }
  })
})
