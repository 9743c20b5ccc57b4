import { setTimeout as sleep } from 'node:timers/promises'
import { createVerifier, type Verifier } from '@jwtis/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResourceLinks, createTokenSession, type TokenSession } from '../../src/index.js'
import { type Answer, EXPRESS_VERSIONS, get, startApp, type TestApp } from '../helpers/app.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

/** The cookies an answer sets, by name, with their attributes. */
function setCookies(answer: Answer): Map<string, string> {
  const header = answer.headers['set-cookie'] ?? []
  const list = Array.isArray(header) ? header : [header]
  return new Map(list.map((line) => [line.slice(0, line.indexOf('=')), line]))
}

/** A browser's cookie jar, reduced to what these tests need. */
class Jar {
  readonly values = new Map<string, string>()
  take(answer: Answer): void {
    for (const [name, line] of setCookies(answer)) {
      const value = line.slice(name.length + 1, line.indexOf(';'))
      if (/Max-Age=0/.test(line)) this.values.delete(name)
      else this.values.set(name, value)
    }
  }
  header(): string[] {
    return this.values.size === 0 ? [] : ['cookie', [...this.values].map(([n, v]) => `${n}=${v}`).join('; ')]
  }
}

/** Past the 2 s access token's `exp` by more than the verifier's 0.5 s tolerance. */
const LIFETIME_PLUS_TOLERANCE_MS = 2600

describe.each(EXPRESS_VERSIONS)('createTokenSession on %s', (_name, express) => {
  let t: TestIssuer
  let verifier: Verifier
  let session: TokenSession
  let app: TestApp

  beforeAll(async () => {
    t = await startTestIssuer()
    // Access tokens live 2 s counted from a whole second (`iat` is floored), and renewed ones
    // inherit that: with half a second of tolerance, a renewed token stays valid for at
    // least 1.5 s after its renew began, far longer than a renew takes on a busy machine.
    verifier = createVerifier({ issuer: 'JWTIS', audience: 'shop', jwksUri: `${t.url}/jwks/shop`, clockTolerance: 500 })
    session = createTokenSession({
      issuerUrl: t.url,
      kid: t.kid,
      clientToken: t.clientToken,
      verifier,
      retryAfter: 5,
      cookies: { sameSite: 'strict' },
    })
    app = await startApp(express, (a) => {
      // As behind a TLS-terminating proxy on this host: X-Forwarded-Proto makes req.secure.
      a.set('trust proxy', 'loopback')
      a.post('/login/:sub', async (req, res) => {
        await session.login(res, { sub: req.params['sub'], scope: 'orders:read' }, { authTTL: '2s' })
        res.json({ ok: true })
      })
      a.get('/me', session.middleware(), (req, res) => {
        res.json({ sub: req.auth!.payload.sub, jti: req.auth!.payload.jti })
      })
      a.post('/logout', async (req, res) => {
        await session.logout(req, res)
        res.json({ ok: true })
      })
    })
  })
  afterAll(async () => {
    await app?.close()
    verifier?.close()
    await t?.close()
  })

  async function login(sub: string): Promise<Jar> {
    const answer = await fetch(`${app.url}/login/${sub}`, { method: 'POST' })
    expect(answer.status).toBe(200)
    const jar = new Jar()
    jar.take({ status: answer.status, headers: { 'set-cookie': answer.headers.getSetCookie() }, body: undefined })
    return jar
  }

  it('sets HttpOnly, SameSite cookies at login, not Secure over plain http', async () => {
    const answer = await fetch(`${app.url}/login/ann`, { method: 'POST' })
    const lines = answer.headers.getSetCookie()
    expect(lines.map((l) => l.slice(0, l.indexOf('=')))).toEqual(['jwtis_at', 'jwtis_rt'])
    for (const line of lines) {
      expect(line).toMatch(/; Path=\/; HttpOnly; SameSite=Strict$/)
      expect(line).not.toMatch(/Secure/)
    }
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('marks the cookies Secure on https', async () => {
    const answer = await fetch(`${app.url}/login/ann`, { method: 'POST', headers: { 'x-forwarded-proto': 'https' } })
    const lines = answer.headers.getSetCookie()
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toMatch(/; HttpOnly; SameSite=Strict; Secure$/)
  })

  it('answers a request without a session with 401', async () => {
    const answer = await get(`${app.url}/me`)
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it('renews once for 20 concurrent requests after expiry; all of them succeed', async () => {
    const jar = await login('carol')
    const first = await get(`${app.url}/me`, jar.header())
    expect(first.body.sub).toBe('carol')
    await sleep(LIFETIME_PLUS_TOLERANCE_MS)
    const before = await t.renewCount()
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(`${app.url}/me`, jar.header())))
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200))
    expect(new Set(answers.map((a) => a.body.sub))).toEqual(new Set(['carol']))
    // One renew: every answer carries the same new access token, newer than the first.
    expect(new Set(answers.map((a) => a.body.jti)).size).toBe(1)
    expect(answers[0]!.body.jti).not.toBe(first.body.jti)
    expect(new Set(answers.map((a) => setCookies(a).get('jwtis_at'))).size).toBe(1)
    expect(await t.renewCount()).toBe(before + 1)
  })

  it('makes the refresh cookie useless after logout', async () => {
    const jar = await login('dave')
    const stolen = new Map(jar.values)
    const out = await get(`${app.url}/me`, jar.header())
    expect(out.status).toBe(200)
    const logout = await fetch(`${app.url}/logout`, { method: 'POST', headers: { cookie: jar.header()[1]! } })
    expect(logout.status).toBe(200)
    expect(logout.headers.getSetCookie().every((line) => /Max-Age=0/.test(line))).toBe(true)
    // Replay the refresh cookie alone, as a thief would: the family is revoked.
    const replay = await get(`${app.url}/me`, ['cookie', `jwtis_rt=${stolen.get('jwtis_rt')}`])
    expect(replay.status).toBe(401)
    expect(replay.body.error).toBe('invalid_token')
    expect([...setCookies(replay).values()].every((line) => /Max-Age=0/.test(line))).toBe(true)
  })

  it('answers 503 and keeps the session when the issuer is down during a renew', async () => {
    const jar = await login('erin')
    await sleep(LIFETIME_PLUS_TOLERANCE_MS)
    await t.stop()
    try {
      const down = await get(`${app.url}/me`, jar.header())
      expect(down.status).toBe(503)
      expect(down.headers['retry-after']).toBe('5')
      expect(down.body.error).toBe('temporarily_unavailable')
      expect(down.headers['set-cookie']).toBeUndefined() // nothing cleared
    } finally {
      await t.restart()
    }
    const back = await get(`${app.url}/me`, jar.header())
    expect(back.status).toBe(200)
    expect(back.body.sub).toBe('erin')
  })

  it('refuses a resource link put in the access cookie', async () => {
    const links = createResourceLinks({ issuerUrl: t.url, kid: t.kid, clientToken: t.clientToken, verifier })
    const link = await links.sign({ sub: 'frank', resource: 'invoice:1', ttl: '1m' })
    const answer = await get(`${app.url}/me`, ['cookie', `jwtis_at=${link.slice(link.lastIndexOf('/') + 1)}`])
    expect(answer.status).toBe(401)
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'a resource link is not an access token' })
  })

  it('refuses a forged access cookie without a refresh cookie', async () => {
    const answer = await get(`${app.url}/me`, ['cookie', 'jwtis_at=eyJhbGciOiJFUzI1NiJ9.e30.AAAA'])
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe('invalid_token')
  })
})

describe('createTokenSession options', () => {
  const base = { issuerUrl: 'https://id.example.test', kid: 'shop', clientToken: 'secret', verifier: { issuer: 'JWTIS', audience: 'shop', secret: 'x'.repeat(32) } }
  it('throws TypeError for bad options at construction', () => {
    expect(() => createTokenSession({ ...base, issuerUrl: 'http://id.example.test' })).toThrow(/issuerUrl/)
    expect(() => createTokenSession({ ...base, cookies: { access: 'a b' } })).toThrow(TypeError)
    expect(() => createTokenSession({ ...base, cookies: { access: 'x', refresh: 'x' } })).toThrow(TypeError)
    expect(() => createTokenSession({ ...base, cookies: { sameSite: 'none', secure: false } })).toThrow(TypeError)
    expect(() => createTokenSession({ ...base, cookies: { sameSite: 'loose' as 'lax' } })).toThrow(TypeError)
    expect(() => createTokenSession({ ...base, cookies: { maxAge: 'forever' } })).toThrow(TypeError)
    expect(() => createTokenSession(base)).not.toThrow()
  })
})
