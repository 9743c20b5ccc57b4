import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createIssuerClient } from '@jwtis/client'
import { createVerifier, type Verifier } from '@jwtis/verifier'
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthError, authErrorHandler, createResourceLinks, isAuthError, optionalAuth, requireAuth } from '../src/index.js'
import { EXPRESS_VERSIONS, get, startApp, type TestApp } from './helpers/app.js'
import { startTestIssuer, type TestIssuer } from './helpers/issuer.js'

let t: TestIssuer
let verifier: Verifier
let futureVerifier: Verifier
let deadJwksUrl: string
const tokens: Record<string, string> = {}

beforeAll(async () => {
  t = await startTestIssuer()
  const client = createIssuerClient({ url: t.url, kid: t.kid, clientToken: t.clientToken })
  const options = { issuer: 'JWTIS', audience: 'shop', jwksUri: `${t.url}/jwks/shop`, typ: 'at+jwt' }
  verifier = createVerifier(options)
  // The same tokens seen an hour later: expired, with real signatures.
  futureVerifier = createVerifier({ ...options, now: () => Date.now() + 3_600_000 })
  tokens['reader'] = (await client.issue({ claims: { sub: 'ann', scope: 'orders:read', role: 'member' } })).accessToken
  tokens['admin'] = (await client.issue({ claims: { sub: 'bob', scope: 'orders:read orders:write', role: 'admin' } })).accessToken
  // A forgery: the real kid and claims, signed with a key the issuer never had.
  const { privateKey } = await generateKeyPair('ES256')
  const kid = decodeProtectedHeader(tokens['admin']).kid!
  tokens['forged'] = await new SignJWT({ scope: 'orders:read orders:write', role: 'admin', client_id: 'shop' })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer('JWTIS')
    .setAudience('shop')
    .setSubject('mallory')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
  const links = createResourceLinks({ issuerUrl: t.url, kid: t.kid, clientToken: t.clientToken, verifier })
  tokens['link'] = (await links.sign({ sub: 'ann', resource: 'invoice-1', ttl: '5m' })).split('/').pop()!
  // A JWKS URL where nothing listens: keys unobtainable, nothing cached.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  deadJwksUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/jwks/shop`
  await new Promise((resolve) => probe.close(resolve))
})
afterAll(async () => {
  verifier?.close()
  futureVerifier?.close()
  await t?.close()
})

const bearer = (token: string): string[] => ['authorization', `Bearer ${token}`]

describe.each(EXPRESS_VERSIONS)('requireAuth on %s', (_name, express) => {
  let app: TestApp
  beforeAll(async () => {
    app = await startApp(express, (a) => {
      const who = (req: import('express').Request, res: import('express').Response): void => {
        res.json({ sub: req.auth?.payload.sub ?? null, alg: req.auth?.protectedHeader.alg ?? null })
      }
      a.get('/orders', requireAuth({ verifier }, { scopes: ['orders:read'] }), who)
      a.get('/write', requireAuth({ verifier }, { scopes: ['orders:write', 'orders:read'] }), who)
      a.get('/admin', requireAuth({ verifier }, { claims: { role: 'admin' } }), who)
      a.get('/expired', requireAuth({ verifier: futureVerifier }), who)
      a.get('/outage', requireAuth({ issuer: 'JWTIS', audience: 'shop', jwksUri: deadJwksUrl }, { retryAfter: 7 }), who)
      a.get('/cookie', requireAuth({ verifier }, { cookie: 'at' }), who)
      a.get('/query', requireAuth({ verifier }, { query: 'access_token' }), who)
      a.get('/realm', requireAuth({ verifier }, { realm: 'shop "api"' }), who)
      a.get('/maybe', optionalAuth({ verifier }), who)
      a.get('/passed', requireAuth({ verifier }, { passErrors: true }), who)
      a.get('/rendered', requireAuth({ verifier }, { passErrors: true, scopes: ['nope'] }), who)
      a.use('/passed', (err: unknown, _req: import('express').Request, res: import('express').Response, _next: () => void) => {
        const e = err as AuthError
        res.status(299).json({ isAuthError: isAuthError(err), status: e.status, headers: e.headers, code: e.code })
      })
      a.use(authErrorHandler())
    })
  })
  afterAll(async () => {
    await app?.close()
  })

  it('lets a valid token through and sets req.auth', async () => {
    const answer = await get(`${app.url}/orders`, bearer(tokens['reader']!))
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ sub: 'ann', alg: 'ES256' })
  })

  it('answers no token with 401 and a bare Bearer challenge', async () => {
    const answer = await get(`${app.url}/orders`)
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(answer.body).toEqual({ error: 'unauthorized', error_description: 'authentication required' })
    expect(answer.headers['cache-control']).toBe('no-store')
  })

  it('answers another scheme such as Basic as no token', async () => {
    const answer = await get(`${app.url}/orders`, ['authorization', `Basic ${Buffer.from('ann:pw').toString('base64')}`])
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it.each([
    ['Bearer without a token', ['authorization', 'Bearer']],
    ['Bearer and spaces only', ['authorization', 'Bearer    ']],
    ['extra parts', ['authorization', 'Bearer abc.def.ghi extra']],
    ['characters no token has', ['authorization', 'Bearer abc,def']],
    ['two Authorization headers', ['authorization', 'Bearer a.b.c', 'authorization', 'Bearer d.e.f']],
  ])('answers a malformed header (%s) with 400 invalid_request', async (_case, headers) => {
    const answer = await get(`${app.url}/orders`, headers)
    expect(answer.status).toBe(400)
    expect(answer.body.error).toBe('invalid_request')
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request", error_description="[^"]+"$/)
  })

  it('refuses two Authorization headers even when both hold the valid token', async () => {
    const answer = await get(`${app.url}/orders`, [...bearer(tokens['reader']!), ...bearer(tokens['reader']!)])
    expect(answer.status).toBe(400)
  })

  it.each([
    ['a forged signature', 'forged'],
    ['garbage', 'not-a-token'],
  ])('answers %s with 401 invalid_token', async (_case, key) => {
    const answer = await get(`${app.url}/orders`, bearer(tokens[key] ?? key))
    expect(answer.status).toBe(401)
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'the token is invalid' })
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="the token is invalid"')
  })

  it('answers an expired token with 401 invalid_token that says so', async () => {
    const answer = await get(`${app.url}/expired`, bearer(tokens['reader']!))
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="the token has expired"')
  })

  it('refuses a resource link used as an access token', async () => {
    const answer = await get(`${app.url}/orders`, bearer(tokens['link']!))
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe('invalid_token')
  })

  it('answers a missing scope with 403 insufficient_scope naming the scopes', async () => {
    const answer = await get(`${app.url}/write`, bearer(tokens['reader']!))
    expect(answer.status).toBe(403)
    expect(answer.body.error).toBe('insufficient_scope')
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:write orders:read"',
    )
    expect((await get(`${app.url}/write`, bearer(tokens['admin']!))).status).toBe(200)
  })

  it('answers a claim that does not match with 403', async () => {
    const refused = await get(`${app.url}/admin`, bearer(tokens['reader']!))
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ error: 'insufficient_scope', error_description: "the token's role claim does not grant access" })
    expect((await get(`${app.url}/admin`, bearer(tokens['admin']!))).body.sub).toBe('bob')
  })

  it('answers 503 with Retry-After, never 401, when the keys cannot be obtained', async () => {
    const answer = await get(`${app.url}/outage`, bearer(tokens['reader']!))
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('7')
    expect(answer.headers['www-authenticate']).toBeUndefined()
    expect(answer.body.error).toBe('temporarily_unavailable')
  })

  it('reads the cookie or the query parameter only where asked', async () => {
    const cookie = ['cookie', `theme=dark; at=${tokens['reader']}`]
    expect((await get(`${app.url}/cookie`, cookie)).status).toBe(200)
    expect((await get(`${app.url}/orders`, cookie)).status).toBe(401)
    expect((await get(`${app.url}/query?access_token=${tokens['reader']}`)).status).toBe(200)
    expect((await get(`${app.url}/orders?access_token=${tokens['reader']}`)).status).toBe(401)
    const both = await get(`${app.url}/query?access_token=${tokens['reader']}`, bearer(tokens['reader']!))
    expect(both.status).toBe(400)
  })

  it('escapes quotes in the realm', async () => {
    const answer = await get(`${app.url}/realm`)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="shop \\"api\\""')
  })

  it('lets optionalAuth pass without a token, but never with a bad one', async () => {
    expect((await get(`${app.url}/maybe`)).body).toEqual({ sub: null, alg: null })
    expect((await get(`${app.url}/maybe`, bearer(tokens['reader']!))).body.sub).toBe('ann')
    expect((await get(`${app.url}/maybe`, bearer(tokens['forged']!))).status).toBe(401)
    expect((await get(`${app.url}/maybe`, ['authorization', 'Bearer'])).status).toBe(400)
  })

  it('hands refusals to next(err) with status and headers when passErrors is set', async () => {
    const answer = await get(`${app.url}/passed`)
    expect(answer.status).toBe(299)
    expect(answer.body).toEqual({ isAuthError: true, status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="api"' }, code: 'unauthorized' })
  })

  it('renders passed errors with authErrorHandler', async () => {
    const answer = await get(`${app.url}/rendered`, bearer(tokens['reader']!))
    expect(answer.status).toBe(403)
    expect(answer.body.error).toBe('insufficient_scope')
    expect(answer.headers['www-authenticate']).toContain('scope="nope"')
  })
})

describe('requireAuth options', () => {
  it('throws TypeError for bad options at construction', () => {
    expect(() => requireAuth({ verifier: {} as Verifier })).toThrow(TypeError)
    expect(() => requireAuth({ verifier }, { scopes: ['two words'] })).toThrow(TypeError)
    expect(() => requireAuth({ verifier }, { claims: { role: {} as string } })).toThrow(TypeError)
    expect(() => requireAuth({ verifier }, { realm: '' })).toThrow(TypeError)
    expect(() => requireAuth({ verifier }, { retryAfter: -1 })).toThrow(TypeError)
    expect(() => requireAuth({ issuer: 'JWTIS', jwksUri: 'http://id.example.test/jwks' })).toThrow(TypeError)
  })

  it('makes AuthError carry status and statusCode from one table', () => {
    const err = new AuthError('link_expired', 'gone')
    expect([err.status, err.statusCode, err.toJSON()]).toEqual([410, 410, { error: 'link_expired', error_description: 'gone' }])
  })
})
