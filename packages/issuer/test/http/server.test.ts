import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Issuer } from '../../src/core/types.js'
import { startServer } from '../../src/http/server.js'
import { api } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer

beforeAll(async () => {
  t = await startTestIssuer()
})
afterAll(async () => {
  await t?.close()
})

/** The same issuer, but `ready()` waits until `release()`: a request held in flight. */
function heldIssuer(issuer: Issuer): { issuer: Issuer; entered: Promise<void>; release: () => void } {
  let release!: () => void
  let enter!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const entered = new Promise<void>((resolve) => {
    enter = resolve
  })
  // The issuer is frozen: derive from it and shadow `ready`.
  const held: Issuer = Object.create(issuer, {
    ready: {
      value: async () => {
        enter()
        await gate
        return issuer.ready()
      },
    },
  })
  return { issuer: held, entered, release }
}

describe('startServer', () => {
  it('listens on the real port when 0 is asked, and its url says so', async () => {
    expect(t.server.host).toBe('127.0.0.1')
    expect(t.server.port).toBeGreaterThan(0)
    expect(t.server.url).toBe(`http://127.0.0.1:${t.server.port}`)
    expect((await api(t.url, 'GET', '/healthz')).status).toBe(200)
  })

  it('sends no x-powered-by and sends nosniff', async () => {
    for (const path of ['/healthz', '/nowhere', '/jwks/none']) {
      const answer = await api(t.url, 'GET', path)
      expect(answer.headers.has('x-powered-by')).toBe(false)
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('builds jwks_uri from publicUrl when given', async () => {
    const server = await startServer({ issuer: t.issuer, listen: { host: '127.0.0.1', port: 0 }, publicUrl: 'https://id.example.test/' })
    try {
      const document = (await api(server.url, 'GET', '/.well-known/openid-configuration')).body
      expect(document.jwks_uri).toBe('https://id.example.test/.well-known/jwks.json')
    } finally {
      await server.close()
    }
  })

  it('fails clearly when the port is taken', async () => {
    await expect(startServer({ issuer: t.issuer, listen: { host: '127.0.0.1', port: t.server.port } })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+.*EADDRINUSE/,
    )
  })

  it('refuses bad listen options with a TypeError', async () => {
    await expect(startServer({ issuer: t.issuer, listen: { host: '127.0.0.1', port: 70_000 } })).rejects.toThrow(TypeError)
    await expect(startServer({ issuer: t.issuer, listen: { host: '', port: 0 } })).rejects.toThrow(TypeError)
  })

  it('close() lets an in-flight request finish, then refuses new connections', async () => {
    const held = heldIssuer(t.issuer)
    const server = await startServer({ issuer: held.issuer, listen: { host: '127.0.0.1', port: 0 } })
    const inFlight = api(server.url, 'GET', '/readyz')
    await held.entered
    const closed = server.close()
    let closedYet = false
    void closed.then(() => {
      closedYet = true
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(closedYet).toBe(false)
    held.release()
    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ status: 'ok' })
    await closed
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    await server.close() // a second close is harmless
  })

  it('close() resolves with idle keep-alive connections open', async () => {
    const server = await startServer({ issuer: t.issuer, listen: { host: '127.0.0.1', port: 0 } })
    for (let i = 0; i < 3; i++) expect((await api(server.url, 'GET', '/healthz')).status).toBe(200)
    await server.close()
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})

/** GET over https trusting only `ca`; resolves the body text. */
function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve(text))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('startServer with tls', () => {
  const exec = promisify(execFile)
  let pem: { cert: string; key: string } | undefined

  beforeAll(async () => {
    try {
      const days = ['-days', '1']
      const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']
      const key = join(t.dir, 'tls-key.pem')
      const cert = join(t.dir, 'tls-cert.pem')
      await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', ...days, ...subject, '-keyout', key, '-out', cert])
      pem = { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') }
    } catch {
      console.warn('openssl is not available: the https test is skipped')
    }
  })

  it('serves https with the given certificate and key', async (context) => {
    if (pem === undefined) context.skip()
    const tls = pem!
    const server = await startServer({ issuer: t.issuer, listen: { host: '127.0.0.1', port: 0 }, tls })
    try {
      expect(server.url).toBe(`https://127.0.0.1:${server.port}`)
      expect(JSON.parse(await httpsGet(`${server.url}/healthz`, tls.cert))).toEqual({ status: 'ok' })
      const document = JSON.parse(await httpsGet(`${server.url}/.well-known/openid-configuration`, tls.cert))
      expect(document.jwks_uri).toBe(`${server.url}/.well-known/jwks.json`)
    } finally {
      await server.close()
    }
  })
})
