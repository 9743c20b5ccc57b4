/**
 * jwtis in one command: an issuer on the embedded store, a client registered with it, and a
 * client server that logs a user in, serves a protected route, renews the session when the
 * access token expires, and logs out. Each step is printed; any surprise exits 1.
 *
 * In production the issuer runs as its own service (`jwtis`); here it shares the process so
 * that one command shows the whole flow.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTokenSession, requireAuth } from '@jwtis/express'
import { createIssuer, createSqliteStore, startServer } from '@jwtis/issuer'
import { createVerifier } from '@jwtis/verifier'
import express from 'express'

function step(text: string): void {
  console.log(`- ${text}`)
}

function expectStatus(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}

// 1. The issuer, on an embedded SQLite store in a temp folder.
const dir = await mkdtemp(join(tmpdir(), 'jwtis-quickstart-'))
const adminToken = randomBytes(24).toString('base64url')
const issuer = await createIssuer({
  store: createSqliteStore({ path: join(dir, 'keys.db') }),
  password: randomBytes(24).toString('base64url'),
  adminToken,
})
const issuerServer = await startServer({ issuer, listen: { host: '127.0.0.1', port: 0 } })
step(`issuer listening on ${issuerServer.url} (store: embedded SQLite)`)

// 2. Register the client server as client "shop"; the client token is shown this once.
const registration = await fetch(`${issuerServer.url}/register/shop`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ auth_ttl: '15m', refresh_ttl: '72h' }),
})
expectStatus('register', registration.status, 201)
const { client_token: clientToken } = (await registration.json()) as { client_token: string }
step('registered client "shop"')

// 3. The client server: a verifier of the issuer's tokens, a token session, a protected route.
// The default clock tolerance is 5 s; half a second lets this demo's 2 s token expire soon.
const verifier = createVerifier({
  issuer: 'JWTIS',
  audience: 'shop',
  jwksUri: `${issuerServer.url}/jwks/shop`,
  typ: 'at+jwt',
  clockTolerance: 500,
})
const session = createTokenSession({ issuerUrl: issuerServer.url, kid: 'shop', clientToken, verifier })
const app = express()
app.post('/login', async (_req, res) => {
  // A real app checks a password first. A 2 s access token lets this demo show a renew.
  await session.login(res, { sub: 'user-42', scope: 'orders:read' }, { authTTL: '2s' })
  res.json({ loggedIn: true })
})
app.get('/orders', session.middleware(), (req, res) => {
  res.json({ orders: ['#1001', '#1002'], for: req.auth?.payload.sub })
})
app.get('/api/orders', requireAuth({ verifier }, { scopes: ['orders:read'] }), (req, res) => {
  res.json({ orders: ['#1001', '#1002'], for: req.auth?.payload.sub })
})
app.post('/logout', async (req, res) => {
  await session.logout(req, res)
  res.json({ loggedOut: true })
})
const appServer: Server = await new Promise((resolve) => {
  const server = app.listen(0, '127.0.0.1', () => resolve(server))
})
const appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`
step(`client server listening on ${appUrl}`)

// 4. A browser, reduced to a cookie jar.
const jar = new Map<string, string>()
async function browse(method: string, path: string): Promise<Response> {
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const response = await fetch(`${appUrl}${path}`, { method, headers: cookie === '' ? {} : { cookie } })
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const [name = '', value = ''] = pair.split('=')
    if (/Max-Age=0/.test(line)) jar.delete(name)
    else jar.set(name, value)
  }
  return response
}

try {
  expectStatus('login', (await browse('POST', '/login')).status, 200)
  step(`logged in: cookies ${[...jar.keys()].join(', ')} (HttpOnly)`)

  const orders = await browse('GET', '/orders')
  expectStatus('protected route', orders.status, 200)
  step(`protected route answered ${orders.status}: ${JSON.stringify(await orders.json())}`)

  const bearer = await fetch(`${appUrl}/api/orders`, { headers: { authorization: `Bearer ${jar.get('jwtis_at')}` } })
  expectStatus('bearer route', bearer.status, 200)
  step(`the same access token as a Bearer header: ${bearer.status}`)

  // `exp` is in whole seconds, so the token lives between 1 and 2 s: wait for its own `exp`
  // (plus the verifier's half-second tolerance) rather than a fixed time.
  const firstAccess = jar.get('jwtis_at') ?? ''
  const { exp } = JSON.parse(Buffer.from(firstAccess.split('.')[1] ?? '', 'base64url').toString()) as { exp: number }
  await sleep(Math.max(0, exp * 1000 + 600 - Date.now()))
  const renewed = await browse('GET', '/orders')
  expectStatus('renew', renewed.status, 200)
  if (jar.get('jwtis_at') === firstAccess) throw new Error('renew: the access token did not change')
  step(`access token expired; the middleware renewed it through the issuer: ${renewed.status}, new cookies set`)

  const oldRefresh = jar.get('jwtis_rt')
  expectStatus('logout', (await browse('POST', '/logout')).status, 200)
  step(`logged out: the family is revoked, ${jar.size} cookies left`)

  jar.set('jwtis_rt', oldRefresh ?? '')
  const replay = await browse('GET', '/orders')
  expectStatus('replay after logout', replay.status, 401)
  step(`the old refresh cookie replayed after logout: ${replay.status}`)
  step('done')
} finally {
  verifier.close()
  appServer.closeAllConnections()
  await new Promise((resolve) => appServer.close(resolve))
  await issuerServer.close()
  await issuer.close()
  await rm(dir, { recursive: true, force: true })
}
