import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, registerClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer

beforeAll(async () => {
  t = await startTestIssuer()
  await registerClient(t, 'shop')
})
afterAll(async () => {
  await t?.close()
})

describe.each(['/jwks/shop', '/.well-known/jwks.json', '/.well-known/openid-configuration'])('GET %s', (path) => {
  it("is public for the issuer's max age, with a strong ETag that hashes the body", async () => {
    const answer = await api(t.url, 'GET', path)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe(`public, max-age=${t.issuer.jwksMaxAge()}`)
    const etag = answer.headers.get('etag')
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    expect(etag).toBe(`"${createHash('sha256').update(answer.text).digest('base64url')}"`)
  })

  it('answers 304 with no body to a matching If-None-Match, in any of its forms', async () => {
    const etag = (await api(t.url, 'GET', path)).headers.get('etag')!
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await api(t.url, 'GET', path, { headers: { 'if-none-match': ifNoneMatch } })
      expect(answer.status).toBe(304)
      expect(answer.text).toBe('')
      expect(answer.headers.get('etag')).toBe(etag)
      expect(answer.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/)
    }
  })

  it('answers 200 to a stale If-None-Match', async () => {
    const answer = await api(t.url, 'GET', path, { headers: { 'if-none-match': '"stale"' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toBeTypeOf('object')
  })
})

describe('ETag and rotation', () => {
  it('changes when a rotation changes the published keys', async () => {
    const before = await api(t.url, 'GET', '/jwks/shop')
    const rotated = await api(t.url, 'POST', '/keys/shop/rotate', { token: t.adminToken })
    expect(rotated.status).toBe(200)
    const stale = await api(t.url, 'GET', '/jwks/shop', { headers: { 'if-none-match': before.headers.get('etag')! } })
    expect(stale.status).toBe(200)
    expect(stale.headers.get('etag')).not.toBe(before.headers.get('etag'))
    expect(stale.text).not.toBe(before.text)
  })
})
