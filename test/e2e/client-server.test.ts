import { setTimeout as sleep } from 'node:timers/promises'
import { createIssuerClient } from '@jwtis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar } from '../helpers/cookies.js'
import { type Jwtis, type Running, startFixture, startJwtis } from '../helpers/processes.js'

let jwtis: Jwtis
let app: Running
let clientToken: string

beforeAll(async () => {
  jwtis = await startJwtis()
  ;({ clientToken } = await jwtis.register('shop'))
  app = await startFixture('client-server.ts', { ISSUER_URL: jwtis.url, CLIENT_KID: 'shop', CLIENT_TOKEN: clientToken })
})
afterAll(async () => {
  await app?.stop()
  await jwtis?.close()
})

describe('the jwtis CLI and a client server using @jwtis/express, as processes', () => {
  it('logs in, serves the session, renews it after expiry, and logs out for good', async () => {
    const jar = new CookieJar()
    const login = await fetch(`${app.url}/login/ann`, { method: 'POST' })
    expect(login.status).toBe(200)
    jar.take(login)
    expect([...jar.values.keys()].sort()).toEqual(['jwtis_at', 'jwtis_rt'])

    const me = await fetch(`${app.url}/me`, { headers: jar.header() })
    expect(await me.json()).toMatchObject({ sub: 'ann' })
    const firstAccess = jar.values.get('jwtis_at')

    await sleep(1600) // the 1 s access token expires
    const renewed = await fetch(`${app.url}/me`, { headers: jar.header() })
    expect(renewed.status).toBe(200)
    jar.take(renewed)
    expect(jar.values.get('jwtis_at')).not.toBe(firstAccess)
    const refreshAfterRenew = jar.values.get('jwtis_rt')

    const logout = await fetch(`${app.url}/logout`, { method: 'POST', headers: jar.header() })
    expect(logout.status).toBe(200)
    jar.take(logout)
    expect(jar.values.size).toBe(0)
    const replay = await fetch(`${app.url}/me`, { headers: { cookie: `jwtis_rt=${refreshAfterRenew}` } })
    expect(replay.status).toBe(401)
  })

  it('accepts bearer tokens of the issuer found through discovery, and refuses others', async () => {
    const issuer = createIssuerClient({ url: jwtis.url, kid: 'shop', clientToken })
    const reader = await issuer.issue({ claims: { sub: 'bob', scope: 'orders:read' }, authTTL: '1m' })
    const ok = await fetch(`${app.url}/api/orders`, { headers: { authorization: `Bearer ${reader.accessToken}` } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ orders: [], for: 'bob' })
    const other = await issuer.issue({ claims: { sub: 'bob', scope: 'profile' }, authTTL: '1m' })
    const refused = await fetch(`${app.url}/api/orders`, { headers: { authorization: `Bearer ${other.accessToken}` } })
    expect(refused.status).toBe(403)
    const none = await fetch(`${app.url}/api/orders`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"')
  })
})
