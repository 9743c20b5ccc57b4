/**
 * The issuer's tokens are ordinary RFC 9068 JWTs: the verifiers people already use accept
 * them, finding the keys through the issuer's discovery document, and refuse a forgery.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createIssuerClient } from '@jwtis/client'
import express from 'express'
import { expressjwt, type GetVerificationKey } from 'express-jwt'
import { auth } from 'express-oauth2-jwt-bearer'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { expressJwtSecret, JwksClient } from 'jwks-rsa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Jwtis, startJwtis } from '../helpers/processes.js'

let jwtis: Jwtis
let token: string
let forged: string
let discovery: { issuer: string; jwks_uri: string }

beforeAll(async () => {
  jwtis = await startJwtis()
  const { clientToken } = await jwtis.register('shop')
  const issuer = createIssuerClient({ url: jwtis.url, kid: 'shop', clientToken })
  token = (await issuer.issue({ claims: { sub: 'ann', scope: 'orders:read' } })).accessToken
  // The same header and claims with another signature: what an attacker can produce.
  const [header, payload] = token.split('.')
  const other = (await issuer.issue({ claims: { sub: 'mallory', scope: 'orders:read' } })).accessToken
  forged = `${header}.${payload}.${other.split('.')[2]}`
  discovery = (await (await fetch(`${jwtis.url}/.well-known/openid-configuration`)).json()) as typeof discovery
})
afterAll(async () => {
  await jwtis?.close()
})

/** Serves one protected route on 127.0.0.1 and returns the statuses for the good token and the forgery. */
async function statusesThrough(protect: express.RequestHandler): Promise<[number, number, unknown]> {
  const app = express()
  app.get('/orders', protect, (req, res) => {
    // express-jwt sets the payload as req.auth; express-oauth2-jwt-bearer sets { payload, ... }.
    const found = (req as unknown as { auth?: { sub?: unknown; payload?: { sub?: unknown } } }).auth
    res.json({ sub: found?.payload?.sub ?? found?.sub })
  })
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(401).end()
  })
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`
  try {
    const good = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    const bad = await fetch(url, { headers: { authorization: `Bearer ${forged}` } })
    return [good.status, bad.status, await good.json()]
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

describe("peers accept the issuer's tokens through its discovery document", () => {
  it('publishes a discovery document whose issuer is the tokens iss', () => {
    expect(discovery.issuer).toBe(jwtis.url)
    expect(discovery.jwks_uri).toBe(`${jwtis.url}/.well-known/jwks.json`)
  })

  it('jose', async () => {
    const keys = createRemoteJWKSet(new URL(discovery.jwks_uri))
    const options = { issuer: discovery.issuer, audience: 'shop', typ: 'at+jwt', algorithms: ['ES256'] }
    const { payload } = await jwtVerify(token, keys, options)
    expect(payload.sub).toBe('ann')
    await expect(jwtVerify(forged, keys, options)).rejects.toThrow(/signature/)
  })

  it('jsonwebtoken with jwks-rsa', async () => {
    const client = new JwksClient({ jwksUri: discovery.jwks_uri })
    const key = await client.getSigningKey(decodeProtectedHeader(token).kid)
    const options = { issuer: discovery.issuer, audience: 'shop', algorithms: ['ES256' as const] }
    const payload = jsonwebtoken.verify(token, key.getPublicKey(), options) as jsonwebtoken.JwtPayload
    expect(payload.sub).toBe('ann')
    expect(() => jsonwebtoken.verify(forged, key.getPublicKey(), options)).toThrow(/signature/)
  })

  it('express-jwt with jwks-rsa', async () => {
    const protect = expressjwt({
      secret: expressJwtSecret({ jwksUri: discovery.jwks_uri, cache: true }) as GetVerificationKey,
      algorithms: ['ES256'],
      issuer: discovery.issuer,
      audience: 'shop',
    })
    const [good, bad, body] = await statusesThrough(protect as unknown as express.RequestHandler)
    expect([good, bad, body]).toEqual([200, 401, { sub: 'ann' }])
  })

  it('express-oauth2-jwt-bearer', async () => {
    const protect = auth({ issuerBaseURL: jwtis.url, audience: 'shop', tokenSigningAlg: 'ES256', strict: true })
    const [good, bad, body] = await statusesThrough(protect)
    expect([good, bad, body]).toEqual([200, 401, { sub: 'ann' }])
  })
})
