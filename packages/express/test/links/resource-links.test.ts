import { setTimeout as sleep } from 'node:timers/promises'
import { createVerifier, type Verifier } from '@jwtis/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResourceLinks, type ResourceLinks } from '../../src/index.js'
import { EXPRESS_VERSIONS, get, startApp, type TestApp } from '../helpers/app.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

describe.each(EXPRESS_VERSIONS)('createResourceLinks on %s', (_name, express) => {
  let t: TestIssuer
  let verifier: Verifier
  let links: ResourceLinks
  let app: TestApp
  const signed: Record<string, string> = {}

  beforeAll(async () => {
    t = await startTestIssuer()
    verifier = createVerifier({ issuer: 'JWTIS', audience: 'shop', jwksUri: `${t.url}/jwks/shop`, clockTolerance: 0 })
    links = createResourceLinks({ issuerUrl: t.url, kid: t.kid, clientToken: t.clientToken, verifier, basePath: '/files' })
    app = await startApp(express, (a) => {
      a.get('/files/:token', links.middleware(), (req, res) => {
        res.json({ resource: req.resource, sub: req.auth!.payload.sub })
      })
      a.get('/invoices/:id/:token', links.middleware({ resource: (req) => `invoices/${req.params['id']}` }), (req, res) => {
        res.json({ resource: req.resource })
      })
    })
    signed['valid'] = await links.sign({ sub: 'ann', resource: 'invoices/7', ttl: '10m' })
    signed['short'] = await links.sign({ sub: 'ann', resource: 'invoices/7', ttl: 1000 })
    // From here on every check is local: the issuer is gone.
    await t.stop()
    await sleep(1100) // the 1 s link expires
  })
  afterAll(async () => {
    await app?.close()
    verifier?.close()
    await t?.close()
  })

  const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1)

  it('signs links under the base path', () => {
    expect(signed['valid']).toMatch(/^\/files\/[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('lets a valid link through with the issuer stopped, setting req.resource and req.auth', async () => {
    const answer = await get(`${app.url}${signed['valid']}`)
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ resource: 'invoices/7', sub: 'ann' })
    const same = await get(`${app.url}/invoices/7/${tokenOf(signed['valid']!)}`)
    expect(same.body).toEqual({ resource: 'invoices/7' })
  })

  it('answers 410 Gone after expiry', async () => {
    const answer = await get(`${app.url}${signed['short']}`)
    expect(answer.status).toBe(410)
    expect(answer.body.error).toBe('link_expired')
  })

  it('answers 403 for another resource', async () => {
    const answer = await get(`${app.url}/invoices/8/${tokenOf(signed['valid']!)}`)
    expect(answer.status).toBe(403)
    expect(answer.body.error).toBe('access_denied')
  })

  it('answers 401 for garbage and for a tampered token', async () => {
    const garbage = await get(`${app.url}/files/garbage`)
    expect(garbage.status).toBe(401)
    expect(garbage.body.error).toBe('invalid_token')
    expect(garbage.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/)
    const token = tokenOf(signed['valid']!)
    const [h, p, s] = token.split('.') as [string, string, string]
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...payload, jwtis_resource: 'invoices/8' })).toString('base64url')
    expect((await get(`${app.url}/files/${h}.${forged}.${s}`)).status).toBe(401)
  })
})

describe('createResourceLinks sign', () => {
  let t: TestIssuer
  const verifiers: Verifier[] = []
  const linksWith = (options: { audience: string; aheadMs: number }): ResourceLinks => {
    const verifier = createVerifier({
      issuer: 'JWTIS',
      audience: options.audience,
      jwksUri: `${t.url}/jwks/shop`,
      clockTolerance: 0,
      now: () => Date.now() + options.aheadMs,
    })
    verifiers.push(verifier)
    return createResourceLinks({ issuerUrl: t.url, kid: t.kid, clientToken: t.clientToken, verifier })
  }

  beforeAll(async () => {
    t = await startTestIssuer()
  })
  afterAll(async () => {
    for (const verifier of verifiers) verifier.close()
    await t?.close()
  })

  it('returns a short link even when its life ran out while it was signed', async () => {
    // The verifier's clock runs 2 s ahead, so every 1 s link is expired by the time it is checked.
    const links = linksWith({ audience: 'shop', aheadMs: 2000 })
    expect(await links.sign({ sub: 'ann', resource: 'invoices/7', ttl: '1s' })).toMatch(/^\/resource\/[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('still refuses to sign for a verifier of another audience, expired or not', async () => {
    for (const aheadMs of [0, 2000]) {
      const links = linksWith({ audience: 'other', aheadMs })
      await expect(links.sign({ sub: 'ann', resource: 'invoices/7', ttl: '1s' })).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'aud' })
    }
  })
})

describe('createResourceLinks options', () => {
  it('throws TypeError for bad options', async () => {
    const base = { issuerUrl: 'https://id.example.test', kid: 'shop', clientToken: 'secret', verifier: { issuer: 'JWTIS', audience: 'shop', secret: 'x'.repeat(32) } }
    expect(() => createResourceLinks({ ...base, basePath: 'files' })).toThrow(TypeError)
    const links = createResourceLinks(base)
    await expect(links.sign({ sub: '', resource: 'r', ttl: '1m' })).rejects.toThrow(TypeError)
    expect(() => links.middleware({ resource: 'r' as unknown as () => string })).toThrow(TypeError)
  })
})
