import { createVerifier } from '@jwtis/verifier'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

const MINUTE = 60_000

let t: TestIssuer
beforeEach(async () => {
  t = await startTestIssuer({ maintenanceInterval: 0 })
})
afterEach(async () => {
  await t.close()
})

async function globalKids(): Promise<string[]> {
  const answer = await api(t.url, 'GET', '/.well-known/jwks.json')
  expect(answer.status).toBe(200)
  return answer.body.keys.map((key: { kid: string }) => key.kid)
}

describe('the global JWKS stays small', () => {
  it('a client rotating itself 100 times gets 429s with Retry-After, and the JWKS keeps its few keys', async () => {
    const blog = await registerClient(t, 'blog', { auth_ttl: '5m' })
    const statuses: number[] = []
    for (let i = 0; i < 100; i++) {
      const answer = await api(t.url, 'POST', '/keys/blog/rotate', { token: blog.clientToken })
      statuses.push(answer.status)
      if (answer.status === 429) {
        expect(answer.body.error).toBe('slow_down')
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      }
    }
    // Its keys became current at registration, less than a minute ago.
    expect(statuses.filter((status) => status === 429)).toHaveLength(100)
    expect(await globalKids()).toHaveLength(2)

    t.advance(MINUTE)
    const allowed = await api(t.url, 'POST', '/keys/blog/rotate', { token: blog.clientToken })
    expect(allowed.status).toBe(200)
    const again = await api(t.url, 'POST', '/keys/blog/rotate', { token: blog.clientToken })
    expect(again.status).toBe(429)
    // The admin may always rotate.
    expect((await api(t.url, 'POST', '/keys/blog/rotate', { token: t.adminToken })).status).toBe(200)
  })

  it('a retired key leaves the JWKS once the access tokens it signed have expired, yet its refresh tokens renew', async () => {
    const shop = await registerClient(t, 'shop', { auth_ttl: '5m' })
    const before = await issuePair(t, shop, { sub: 'u1' })
    const oldKid = JSON.parse(Buffer.from(before.access_token.split('.')[0], 'base64url').toString()).kid
    const rotations = 20
    for (let i = 0; i < rotations; i++) {
      expect((await api(t.url, 'POST', '/keys/shop/rotate', { token: t.adminToken })).status).toBe(200)
      t.advance(MINUTE)
    }
    // Current + next + the keys retired within the longest access TTL (5 min) plus a minute's margin.
    const kids = await globalKids()
    expect(kids.length).toBeLessThanOrEqual(2 + 6)
    expect(kids).not.toContain(oldKid)
    // Twenty rotations of old would have left all 22 published for the 30-day family lifetime.
    const renewed = await api(t.url, 'POST', '/renew_token', {
      token: shop.clientToken,
      body: { refresh_token: before.refresh_token },
    })
    expect(renewed.status).toBe(200)
    const verifier = createVerifier({
      issuer: 'JWTIS',
      audience: 'shop',
      jwksUri: `${t.url}/.well-known/jwks.json`,
      now: () => Date.now() + rotations * MINUTE,
    })
    expect((await verifier.verify(renewed.body.access_token)).payload.sub).toBe('u1')
  })

  it('keeps a just-retired key published while tokens it signed are valid', async () => {
    const shop = await registerClient(t, 'shop', { auth_ttl: '5m' })
    const pair = await issuePair(t, shop, { sub: 'u1' })
    const kid = JSON.parse(Buffer.from(pair.access_token.split('.')[0], 'base64url').toString()).kid
    expect((await api(t.url, 'POST', '/keys/shop/rotate', { token: t.adminToken })).status).toBe(200)
    t.advance(5 * MINUTE)
    expect(await globalKids()).toContain(kid)
    t.advance(MINUTE + 1000)
    expect(await globalKids()).not.toContain(kid)
  })
})
