// The standalone server answers POST /issue_token and /renew_token on a fast path of its
// own. Every answer must be the one the Express router gives: each request below goes,
// byte for byte, to the server and to the router mounted in a plain Express app on the
// same issuer, and the two answers are compared.
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJsonObject } from '../../src/http/fast-token-routes.js'
import { createIssuerRouter } from '../../src/http/router.js'
import { registerClient, type TestClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer
let router: Server
let routerUrl: string
let shop: TestClient
let blog: TestClient

beforeAll(async () => {
  t = await startTestIssuer()
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(createIssuerRouter({ issuer: t.issuer, notFound: true, log: () => {} }))
  router = createServer(app)
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve))
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}`
  shop = await registerClient(t, 'shop')
  blog = await registerClient(t, 'blog')
})
afterAll(async () => {
  await new Promise((resolve) => router?.close(resolve))
  await t?.close()
})

interface RawAnswer {
  status: number
  /** Header lines as sent, in order, without those that vary by time or connection. */
  headers: string[]
  body: string
}

/** Sends one request as raw bytes and reads the answer until the server closes. */
function send(baseUrl: string, head: string, body: Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n')
      resolve({
        status: Number(statusLine!.split(' ')[1]),
        headers: lines.filter((line) => !/^(date|connection|keep-alive):/i.test(line)),
        body: text.slice(split + 4),
      })
    })
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]))
  })
}

interface Case {
  name: string
  path?: string
  body: string | Buffer
  headers?: Record<string, string>
  /** `shop`'s token unless given; `null` sends none. */
  token?: string | null
}

function request(c: Case): { head: string; body: Buffer } {
  const body = typeof c.body === 'string' ? Buffer.from(c.body, 'utf8') : c.body
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    ...c.headers,
  }
  const token = c.token === undefined ? shop.clientToken : c.token
  if (token !== null) headers['Authorization'] = `Bearer ${token}`
  let head = `POST ${c.path ?? '/issue_token'} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`
  for (const [name, value] of Object.entries(headers)) if (value !== '') head += `${name}: ${value}\r\n`
  return { head: `${head}\r\n`, body }
}

async function both(c: Case): Promise<[RawAnswer, RawAnswer]> {
  const { head, body } = request(c)
  return Promise.all([send(t.url, head, body), send(routerUrl, head, body)])
}

const REFUSALS: Case[] = [
  { name: 'no client token', body: '{"claims":{"sub":"u"}}', token: null },
  { name: 'a wrong client token', body: '{"claims":{"sub":"u"}}', token: 'not-the-token' },
  { name: 'malformed JSON', body: '{"claims":' },
  { name: 'a JSON string', body: '  "claims"' },
  { name: 'JSON null', body: 'null' },
  { name: 'a JSON array', body: '[{"claims":{}}]' },
  { name: 'whitespace only', body: ' \r\n\t ' },
  { name: 'an unknown field after a BOM', body: '\uFEFF{"claim":{}}' },
  { name: 'claims that are not an object', body: '{"claims":5}' },
  { name: "another client's kid", body: '{"kid":"blog","claims":{"sub":"u"}}' },
  { name: 'the client token twice', body: JSON.stringify({ client_token: 'x', claims: { sub: 'u' } }) },
  { name: 'a reserved claim', body: '{"claims":{"sub":"u","iss":"me"}}' },
  { name: 'a TTL beyond the client’s', body: '{"claims":{"sub":"u"},"auth_ttl":"100y"}' },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: 'no Content-Type', body: '{"claims":{}', headers: { 'Content-Type': '' } },
  { name: 'Content-Type with charset', body: '[]', headers: { 'Content-Type': 'application/json; charset=utf-8' } },
  { name: 'a charset other than UTF-8', body: '{}', headers: { 'Content-Type': 'application/json; charset=latin1' } },
  { name: 'an empty body', body: '' },
  { name: 'an unknown Content-Encoding', body: '{}', headers: { 'Content-Encoding': 'br2' } },
  { name: 'a body over 64 KiB', body: `{"claims":{"sub":"${'u'.repeat(70_000)}"}}` },
  { name: 'a bad refresh token', path: '/renew_token', body: '{"refresh_token":"a.b.c.d.e"}' },
  { name: 'no refresh token', path: '/renew_token', body: '{}' },
  { name: 'an unknown strategy', path: '/renew_token', body: '{"refresh_token":"x","refresh_strategy":"never"}' },
  { name: "renewing at another client's kid", path: '/renew_token', body: '{"kid":"blog","refresh_token":"x"}' },
]

describe('the fast path of the standalone server', () => {
  it.each(REFUSALS)('refuses $name exactly as the router does', async (c) => {
    const [fast, routed] = await both(c)
    expect(fast.status).toBeGreaterThanOrEqual(400)
    expect(fast).toEqual(routed)
  })

  it('issues and renews with the same status, headers and fields as the router', async () => {
    const issued = await both({ name: 'issue', body: '{"claims":{"sub":"u1","role":"x"}}' })
    const shape = (answer: RawAnswer) => ({
      status: answer.status,
      headers: answer.headers.filter((line) => !line.startsWith('Content-Length')),
      fields: Object.keys(JSON.parse(answer.body)),
    })
    expect(issued[0].status).toBe(200)
    expect(shape(issued[0])).toEqual(shape(issued[1]))
    const [fastPair, routedPair] = issued.map((answer) => JSON.parse(answer.body) as { refresh_token: string })
    const renewed = await Promise.all([
      both({ name: 'renew', path: '/renew_token', body: JSON.stringify({ refresh_token: fastPair!.refresh_token }) }),
      both({ name: 'renew', path: '/renew_token', body: JSON.stringify({ refresh_token: routedPair!.refresh_token }) }),
    ])
    // The first renew of each token succeeds on whichever path got it first; all four answer alike in shape.
    const statuses = renewed.flat().map((answer) => answer.status)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2)
    const ok = renewed.flat().filter((answer) => answer.status === 200)
    for (const answer of ok) expect(shape(answer)).toEqual(shape(ok[0]!))
  })

  it('reads a body as the router does, BOM and whitespace included', () => {
    expect(parseJsonObject(Buffer.from('\uFEFF \n{"a":1}'))).toEqual({ a: 1 })
    expect(parseJsonObject(Buffer.from('\uFEFF'))).toEqual({})
    expect(() => parseJsonObject(Buffer.from('1'))).toThrow('not valid JSON')
    expect(() => parseJsonObject(Buffer.from('[]'))).toThrow('must be a JSON object')
  })

  it('issues to a client whose token is in the body as the router does', async () => {
    const [fast, routed] = await both({
      name: 'body token',
      body: JSON.stringify({ client_token: blog.clientToken, claims: { sub: 'u' } }),
      token: null,
    })
    expect(fast.status).toBe(routed.status)
    expect(fast.headers).toEqual(routed.headers)
    expect(JSON.parse(fast.body)).toHaveProperty('access_token')
  })
})
