// No secret ever reaches an error body or a log line: the admin token, the password, client
// tokens, refresh tokens, or a private key parameter.
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Issuer } from '../../src/core/types.js'
import { startServer } from '../../src/http/server.js'
import { type ApiAnswer, api, issuePair, registerClient, renewPair, type TestClient } from '../helpers/api.js'
import { randomSecret, startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let blog: TestClient
const answers: ApiAnswer[] = []
let refreshToken: string

const PRIVATE_MEMBERS = /"(d|p|q|dp|dq|qi|k)"\s*:/

beforeAll(async () => {
  t = await startTestIssuer()
  shop = await registerClient(t, 'shop', { sig_alg: 'RS256', enc_alg: 'RSA-OAEP-256', enc_bits: 2048 })
  blog = await registerClient(t, 'blog')
  refreshToken = (await issuePair(t, shop)).refresh_token
  const wrongAdmin = randomSecret()
  const calls: [string, string, Parameters<typeof api>[3]][] = [
    ['POST', '/register/x', { token: wrongAdmin }],
    ['POST', '/register/shop', { token: t.adminToken }],
    ['POST', '/register/x', { token: t.adminToken, body: { sig_alg: 'RS256', sig_bits: 1000 } }],
    ['POST', '/register/x', { token: t.adminToken, body: { enc_alg: 'RSA1_5' } }],
    ['POST', '/register/x', { token: t.adminToken, body: `{"admin":"${t.adminToken}"` }],
    ['POST', '/issue_token', { token: shop.clientToken, body: `{"client_token":"${shop.clientToken}", ` }],
    ['POST', '/issue_token', { token: shop.clientToken, body: { kid: 'shop', claims: { sub: 'u', pad: 'x'.repeat(70_000) } } }],
    ['POST', '/issue_token', { token: blog.clientToken, body: { kid: 'shop', claims: { sub: 'u' } } }],
    ['POST', '/issue_token', { token: shop.clientToken, body: { kid: 'shop', claims: { iss: t.password } } }],
    ['POST', '/issue_token', { body: { kid: 'shop', client_token: `${shop.clientToken}x`, claims: { sub: 'u' } } }],
    ['POST', '/renew_token', { token: blog.clientToken, body: { kid: 'blog', refresh_token: refreshToken } }],
    ['POST', '/renew_token', { token: shop.clientToken, body: { kid: 'shop', refresh_token: `${refreshToken}x` } }],
    ['POST', '/renew_token', { token: shop.clientToken, body: { kid: 'shop', refresh_token: refreshToken, extra: t.password } }],
    ['POST', '/revoke', { token: shop.clientToken, body: { kid: 'shop', token: refreshToken, sub: 'u' } }],
    ['GET', '/keys/shop', { token: `${shop.clientToken}x` }],
    ['GET', '/keys/shop', { token: blog.clientToken }],
    ['GET', '/metrics', { token: shop.clientToken }],
    ['GET', `/jwks/${shop.clientToken}`, {}],
    ['GET', '/nowhere', { token: t.adminToken }],
  ]
  for (const [method, path, request] of calls) answers.push(await api(t.url, method, path, request))
  // The successful answers that carry no secret of their own.
  answers.push(await api(t.url, 'GET', '/keys/shop', { token: shop.clientToken }))
  answers.push(await api(t.url, 'GET', '/jwks/shop'))
  answers.push(await api(t.url, 'GET', '/.well-known/jwks.json'))
  answers.push(await api(t.url, 'GET', '/.well-known/openid-configuration'))
  answers.push(await api(t.url, 'POST', '/keys/shop/rotate', { token: t.adminToken }))
  // A renew, whose answer holds only the new pair.
  answers.push(await renewPair(t, shop, refreshToken))
})
afterAll(async () => {
  await t?.close()
})

describe('secrets', () => {
  it('made the calls refuse as expected', () => {
    const statuses = answers.map((a) => a.status)
    expect(statuses.slice(0, 19)).toEqual([401, 409, 400, 400, 400, 400, 413, 403, 400, 401, 401, 401, 400, 400, 401, 403, 401, 404, 404])
    expect(statuses.slice(19)).toEqual([200, 200, 200, 200, 200, 200])
  })

  it('never appear in an answer that did not create them', () => {
    for (const answer of answers) {
      for (const secret of [t.adminToken, t.password, shop.clientToken, blog.clientToken, refreshToken]) {
        expect(answer.text).not.toContain(secret)
      }
      expect(answer.text).not.toMatch(PRIVATE_MEMBERS)
      expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/) // no stack trace
    }
  })

  it('never appear in a log line', () => {
    expect(t.logs.length).toBeGreaterThan(0)
    const logs = t.logs.join('\n')
    for (const secret of [t.adminToken, t.password, shop.clientToken, blog.clientToken, refreshToken]) {
      expect(logs).not.toContain(secret)
    }
    expect(logs).not.toMatch(PRIVATE_MEMBERS)
  })
})

describe('unexpected failures', () => {
  it('answer a generic 500 and log one redacted line', async () => {
    const leaky = randomSecret()
    const failing: Issuer = Object.create(t.issuer, {
      jwks: {
        value: async () => {
          throw new Error(`lost key ${leaky} of ${shop.clientToken}`)
        },
      },
    })
    const lines: string[] = []
    const server = await startServer({ issuer: failing, listen: { host: '127.0.0.1', port: 0 }, log: (l) => lines.push(l) })
    try {
      const answer = await api(server.url, 'GET', '/jwks/shop')
      expect(answer.status).toBe(500)
      expect(answer.body).toEqual({ error: 'server_error', error_description: 'the issuer failed to handle the request' })
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/GET \/jwks\/:kid failed: Error lost key \[redacted\]/)
      expect(lines[0]).not.toContain(leaky)
      expect(lines[0]).not.toContain(shop.clientToken)
    } finally {
      await server.close()
    }
  })

  it('answer 503 once the store is closed, and readyz says not ready', async () => {
    const other = await startTestIssuer()
    try {
      await registerClient(other, 'late')
      await other.issuer.close()
      const ready = await api(other.url, 'GET', '/readyz')
      expect(ready.status).toBe(503)
      expect(ready.body.error).toBe('temporarily_unavailable')
      const jwks = await api(other.url, 'GET', '/.well-known/jwks.json')
      expect(jwks.status).toBe(503)
      expect(jwks.body.error).toBe('temporarily_unavailable')
      expect(jwks.text).not.toContain(other.dir)
    } finally {
      await other.server.close()
      await rm(other.dir, { recursive: true, force: true })
    }
  })
})
