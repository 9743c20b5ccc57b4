import { readdir, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuerClient, IssuerClientError } from '../src/index.js'

const clientToken = 'client-token-that-must-not-leak'

async function caught(promise: Promise<unknown>): Promise<IssuerClientError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(IssuerClientError)
  return err as IssuerClientError
}

describe('IssuerClientError', () => {
  it('reports an unreachable issuer as network_error with status 0', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const gone = createIssuerClient({ url: `http://127.0.0.1:${port}`, kid: 'shop', clientToken })
    const err = await caught(gone.keys())
    expect(err.status).toBe(0)
    expect(err.code).toBe('network_error')
    expect(`${err.message} ${err.stack}`).not.toContain(clientToken)
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
        if (req.url?.startsWith('/refuse/')) {
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"error":"invalid_grant","error_description":"the refresh token is invalid, expired or revoked"}')
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
      caught(createIssuerClient({ url: `${base}/${prefix}/`, kid: 'shop', clientToken: clientToken, timeout }).keys())

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

    it('maps an API error body to its status and code', async () => {
      const err = await codeFor('refuse')
      expect(err.status).toBe(401)
      expect(err.code).toBe('invalid_grant')
      expect(err.description).toBe('the refresh token is invalid, expired or revoked')
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
    const seen: string[] = []
    const client = createIssuerClient({
      url: 'http://127.0.0.1:1',
      kid: 'shop',
      clientToken,
      fetch: (input) => {
        seen.push(String(input))
        return Promise.reject(new Error('no request was expected'))
      },
    })
    await expect(client.issue({ claims: 'sub' as unknown as Record<string, unknown> })).rejects.toThrow(TypeError)
    await expect(client.issue({ claims: { sub: 'x' }, authTTL: -1 })).rejects.toThrow(TypeError)
    await expect(client.renew('')).rejects.toThrow(TypeError)
    await expect(client.revoke({} as { sub: string })).rejects.toThrow(TypeError)
    expect(seen).toEqual([])
  })
})

describe('the package', () => {
  it('imports nothing: no dependency, no node module', async () => {
    const dir = new URL('../src/', import.meta.url)
    for (const file of await readdir(dir)) {
      const source = await readFile(new URL(file, dir), 'utf8')
      const imports = [...source.matchAll(/^(?:import|export)\s[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1])
      for (const specifier of imports) expect(specifier).toMatch(/^\.\/[\w-]+\.js$/)
    }
  })
})
