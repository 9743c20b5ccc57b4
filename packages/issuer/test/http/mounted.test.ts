// The router mounted in an app of the user's: under a path of its own, or at the root beside
// the app's own routes, which it must leave alone.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuerRouter } from '../../src/http/router.js'
import { api, registerClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let server: Server
let base: string
const logs: string[] = []

beforeAll(async () => {
  t = await startTestIssuer()
  const app = express()
  app.use('/auth', createIssuerRouter({ issuer: t.issuer, publicUrl: () => `${base}/auth`, notFound: true, log: (l) => logs.push(l) }))
  app.use(createIssuerRouter({ issuer: t.issuer, log: (l) => logs.push(l) }))
  app.post('/form', express.urlencoded({ extended: false }), (req, res) => {
    res.json({ app: true, name: req.body.name })
  })
  app.get('/hello', (_req, res) => {
    res.type('text/plain').send('hello from the app')
  })
  server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await t?.close()
})

describe('mounted under /auth', () => {
  it('serves the API under the mount path and builds jwks_uri from publicUrl', async () => {
    const answer = await api(base, 'POST', '/auth/register/mounted', { token: t.adminToken, body: { sig_alg: 'ES384' } })
    expect(answer.status).toBe(201)
    const document = await api(base, 'GET', '/auth/.well-known/openid-configuration')
    expect(document.body.jwks_uri).toBe(`${base}/auth/.well-known/jwks.json`)
    const jwks = await api(base, 'GET', '/auth/.well-known/jwks.json')
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(answer.body.pub_sig_key.kid)
  })

  it('answers unknown routes under the mount path with a JSON 404', async () => {
    const answer = await api(base, 'GET', '/auth/unknown')
    expect(answer.status).toBe(404)
    expect(answer.body).toEqual({ error: 'not_found', error_description: expect.any(String) })
  })
})

describe('mounted at the root of an app', () => {
  it("leaves the app's own routes and their bodies alone", async () => {
    const hello = await api(base, 'GET', '/hello')
    expect(hello.status).toBe(200)
    expect(hello.text).toBe('hello from the app')
    const form = await api(base, 'POST', '/form', {
      body: 'name=alice',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.status).toBe(200)
    expect(form.body).toEqual({ app: true, name: 'alice' })
    expect(form.headers.get('cache-control')).toBeNull()
  })

  it('derives jwks_uri from the request when no publicUrl is given, and does not let it be cached', async () => {
    await registerClient({ ...t, url: base }, 'root-mounted')
    const document = await api(base, 'GET', '/.well-known/openid-configuration')
    expect(document.status).toBe(200)
    expect(document.body.jwks_uri).toBe(`${base}/.well-known/jwks.json`)
    expect(document.headers.get('cache-control')).toBe('no-store')
  })

  it('passes unknown routes on to the app', async () => {
    const answer = await api(base, 'GET', '/not-ours')
    expect(answer.status).toBe(404)
    expect(answer.body).toBeUndefined() // Express's own HTML 404, not the API's JSON
  })
})

describe('createIssuerRouter options', () => {
  it('refuses a missing issuer and a bad publicUrl at construction', () => {
    expect(() => createIssuerRouter({} as Parameters<typeof createIssuerRouter>[0])).toThrow(TypeError)
    expect(() => createIssuerRouter({ issuer: t.issuer, publicUrl: 'not a url' })).toThrow(/publicUrl/)
  })
})
