import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuerClient, type IssuerClient, IssuerClientError } from '../../src/client/index.js'
import { registerClient, type TestClient } from '../helpers/api.js'
import { randomSecret, startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let shop: TestClient
let client: IssuerClient

beforeAll(async () => {
  t = await startTestIssuer()
  shop = await registerClient(t, 'shop')
  await registerClient(t, 'blog')
  client = createIssuerClient({ url: t.url, kid: 'shop', clientToken: shop.clientToken })
})
afterAll(async () => {
  await t?.close()
})

async function caught(promise: Promise<unknown>): Promise<IssuerClientError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(IssuerClientError)
  return err as IssuerClientError
}

describe('createIssuerClient against a real issuer', () => {
  it('issues a pair whose access token verifies against the JWKS', async () => {
    const pair = await client.issue({ claims: { sub: 'user-1', scope: 'read' } })
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiry', 'id', 'refreshToken'])
    const { payload } = await jwtVerify(pair.accessToken, createRemoteJWKSet(new URL(`${t.url}/jwks/shop`)), {
      issuer: 'JWTIS',
      audience: 'shop',
      typ: 'at+jwt',
    })
    expect(payload).toMatchObject({ sub: 'user-1', scope: 'read' })
    expect(payload.exp).toBe(pair.expiry)
  })

  it('sends TTLs as milliseconds or Go-style strings', async () => {
    for (const authTTL of [60_000, '1m']) {
      const pair = await client.issue({ claims: { sub: 'user-2' }, authTTL, refreshTTL: '1h' })
      const claims = decodeJwt(pair.accessToken)
      expect(claims.exp! - claims.iat!).toBe(60)
    }
  })

  it('renews, with a strategy when asked', async () => {
    const pair = await client.issue({ claims: { sub: 'user-3' } })
    const kept = await client.renew(pair.refreshToken, { strategy: 'noRefresh' })
    expect(kept.id).toBe(pair.id)
    expect(kept.refreshToken).toBe(pair.refreshToken)
    const next = await client.renew(pair.refreshToken)
    expect(next.id).toBe(pair.id)
    expect(next.refreshToken).not.toBe(pair.refreshToken)
  })

  it('revokes by token and by subject', async () => {
    const one = await client.issue({ claims: { sub: 'user-4' } })
    await client.revoke({ token: one.refreshToken })
    expect((await caught(client.renew(one.refreshToken))).code).toBe('invalid_grant')
    const two = await client.issue({ claims: { sub: 'user-5' } })
    await client.revoke({ sub: 'user-5' })
    expect((await caught(client.renew(two.refreshToken))).code).toBe('invalid_grant')
    await client.revoke({ token: 'unknown.token.is.fine.too' })
  })

  it('reads and rotates its keys', async () => {
    const keys = await client.keys()
    expect(keys).toEqual({
      kid: 'shop',
      pubSigKey: shop.registration.pub_sig_key,
      pubEncKey: shop.registration.pub_enc_key,
      expiry: shop.registration.expiry,
      valid: true,
    })
    // A client may rotate once a minute; its keys became current at registration.
    const tooSoon = await caught(client.rotate())
    expect([tooSoon.status, tooSoon.code]).toEqual([429, 'slow_down'])
    t.advance(60_000)
    const rotated = await client.rotate()
    expect(rotated.pubSigKey.kid).not.toBe(keys.pubSigKey.kid)
    expect((await client.keys()).pubSigKey.kid).toBe(rotated.pubSigKey.kid)
  })
})

describe('IssuerClientError', () => {
  it('carries the status and the API code, and never the token', async () => {
    const pair = await client.issue({ claims: { sub: 'user-6' } })
    const err = await caught(client.renew(`${pair.refreshToken}x`))
    expect(err.status).toBe(401)
    expect(err.code).toBe('invalid_grant')
    expect(err.message).toContain('401 invalid_grant')
    expect(`${err.message} ${err.description} ${err.stack}`).not.toContain(pair.refreshToken)

    const bad = await caught(client.issue({ claims: { sub: 'user-6', iss: 'me' } }))
    expect(bad.status).toBe(400)
    expect(bad.code).toBe('invalid_request')
  })

  it('reports a wrong client token as 401 invalid_client, without the token', async () => {
    const wrongToken = randomSecret()
    const wrong = createIssuerClient({ url: t.url, kid: 'shop', clientToken: wrongToken })
    const err = await caught(wrong.keys())
    expect(err.status).toBe(401)
    expect(err.code).toBe('invalid_client')
    expect(`${err.message} ${err.stack}`).not.toContain(wrongToken)
  })

  it("reports another client's kid as 403 access_denied", async () => {
    const other = createIssuerClient({ url: t.url, kid: 'blog', clientToken: shop.clientToken })
    const err = await caught(other.issue({ claims: { sub: 'user-7' } }))
    expect(err.status).toBe(403)
    expect(err.code).toBe('access_denied')
  })

  it('reports an unreachable issuer as network_error with status 0', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const gone = createIssuerClient({ url: `http://127.0.0.1:${port}`, kid: 'shop', clientToken: shop.clientToken })
    const err = await caught(gone.keys())
    expect(err.status).toBe(0)
    expect(err.code).toBe('network_error')
  })

  describe('against a misbehaving server', () => {
    let server: Server
    let base: string
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url?.startsWith('/slow/')) return // never answers
        if (req.url?.startsWith('/redirect/')) {
          res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end()
          return
        }
        if (req.url?.startsWith('/html/')) {
          res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>')
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })

    const codeFor = async (prefix: string, timeout?: number): Promise<IssuerClientError> =>
      caught(createIssuerClient({ url: `${base}/${prefix}/`, kid: 'shop', clientToken: shop.clientToken, timeout }).keys())

    it('times out with code timeout', async () => {
      const err = await codeFor('slow', 200)
      expect(err.code).toBe('timeout')
      expect(err.status).toBe(0)
    })

    it('does not follow a redirect', async () => {
      const err = await codeFor('redirect')
      expect(err.code).toBe('invalid_response')
    })

    it('reports a non-JSON error page and a wrong-shaped answer as invalid_response', async () => {
      const html = await codeFor('html')
      expect(html.code).toBe('invalid_response')
      expect(html.status).toBe(502)
      expect((await codeFor('plain')).code).toBe('invalid_response')
    })
  })
})

describe('createIssuerClient options', () => {
  it('refuses bad options with a TypeError', () => {
    const good = { url: 'https://id.example.test', kid: 'shop', clientToken: 'token' }
    expect(() => createIssuerClient({ ...good, url: 'not a url' })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, url: 'ftp://id.example.test' })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, url: 'http://id.example.test' })).toThrow(/https/)
    expect(() => createIssuerClient({ ...good, url: 'https://user:pw@id.example.test' })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, kid: '' })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, clientToken: '' })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, timeout: 0 })).toThrow(TypeError)
    expect(() => createIssuerClient({ ...good, url: 'http://id.example.test', allowHttp: true })).not.toThrow()
    expect(() => createIssuerClient({ ...good, url: 'http://localhost:4343' })).not.toThrow()
  })

  it('refuses bad arguments before any request', async () => {
    await expect(client.issue({ claims: 'sub' as unknown as Record<string, unknown> })).rejects.toThrow(TypeError)
    await expect(client.issue({ claims: { sub: 'x' }, authTTL: -1 })).rejects.toThrow(TypeError)
    await expect(client.renew('')).rejects.toThrow(TypeError)
    await expect(client.revoke({} as { sub: string })).rejects.toThrow(TypeError)
  })

  it('uses an injected fetch', async () => {
    const seen: string[] = []
    const traced = createIssuerClient({
      url: `${t.url}/`,
      kid: 'shop',
      clientToken: shop.clientToken,
      fetch: (input, init) => {
        seen.push(`${init?.method} ${new URL(String(input)).pathname}`)
        return fetch(input, init)
      },
    })
    await traced.keys()
    expect(seen).toEqual(['GET /keys/shop'])
  })
})

describe('the client module', () => {
  it('imports nothing of the server or of node', async () => {
    for (const file of ['index.ts', 'issuer-client.ts', 'errors.ts']) {
      const source = await readFile(new URL(`../../src/client/${file}`, import.meta.url), 'utf8')
      const imports = [...source.matchAll(/^(?:import|export)\s[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1])
      for (const specifier of imports) expect(specifier).toMatch(/^\.\/[\w-]+\.js$/)
    }
  })
})
