/**
 * No issuer at all: an app that mints its own HS256 tokens with a shared secret (say, for
 * its own internal services) protects routes with @jwtis/express all the same. Each step
 * is printed; any surprise exits 1.
 */
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { requireAuth } from '@jwtis/express'
import express from 'express'
import { SignJWT } from 'jose'

function step(text: string): void {
  console.log(`- ${text}`)
}

function expectStatus(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}

// In a real deployment the secret comes from the environment; at least 32 bytes for HS256.
const secret = randomBytes(32)
const verifierOptions = { issuer: 'billing', audience: 'reports', secret, algorithms: ['HS256'] }

const app = express()
app.get('/reports', requireAuth(verifierOptions, { scopes: ['reports:read'] }), (req, res) => {
  res.json({ reports: ['2024-Q1'], for: req.auth?.payload.sub })
})
const server: Server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`

function mint(key: Uint8Array, scope: string): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('billing')
    .setAudience('reports')
    .setSubject('service-7')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key)
}

async function call(token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } })
}

try {
  const good = await call(await mint(secret, 'reports:read'))
  expectStatus('shared secret', good.status, 200)
  step(`token signed with the shared secret: ${good.status} ${JSON.stringify(await good.json())}`)

  const wrongKey = await call(await mint(randomBytes(32), 'reports:read'))
  expectStatus('other secret', wrongKey.status, 401)
  step(`token signed with another secret: ${wrongKey.status} ${wrongKey.headers.get('www-authenticate')}`)

  const noScope = await call(await mint(secret, 'profile'))
  expectStatus('missing scope', noScope.status, 403)
  step(`token without the reports:read scope: ${noScope.status}`)
  step('done')
} finally {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}
