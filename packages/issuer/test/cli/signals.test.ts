import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, assertBuilt, bannerSecrets, type ServerProcess, startServer, tempDir } from './helpers.js'

const PASSWORD = 'signals-test-password-0001'
const ADMIN = 'signals-test-admin-token-00000000000000001'

let dir: ReturnType<typeof tempDir>
beforeAll(() => {
  assertBuilt()
  dir = tempDir()
})
afterAll(() => dir?.remove())

/** Resolves once the server's stdout matches `pattern`. */
async function waitForOutput(server: ServerProcess, pattern: RegExp): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (pattern.test(server.output().stdout)) return
    await sleep(20)
  }
  throw new Error(`no ${pattern} in ${JSON.stringify(server.output())}`)
}

/** Everything a socket receives until the server closes it. */
function readAll(socket: Socket): Promise<string> {
  let text = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  return new Promise((resolve, reject) => {
    socket.once('close', () => resolve(text))
    socket.once('error', reject)
  })
}

describe('signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: stops accepting, finishes the request in flight, closes the store, exits 0`, async () => {
      const db = join(dir.path, `${signal}.db`)
      const server = await startServer(['-l', '127.0.0.1:0', '-d', db, '-p', PASSWORD, '--adminToken', ADMIN])
      const registered = await api(server.url, 'POST', '/register/shop', ADMIN, {})
      const clientToken = registered.body.client_token as string

      // A request whose body is only half sent when the signal arrives.
      const body = JSON.stringify({ kid: 'shop', claims: { sub: 'in-flight' } })
      const { hostname, port } = new URL(server.url)
      const socket = connect(Number(port), hostname)
      const response = readAll(socket)
      socket.write(
        'POST /issue_token HTTP/1.1\r\n' +
          `Host: ${hostname}:${port}\r\n` +
          `Authorization: Bearer ${clientToken}\r\n` +
          'Content-Type: application/json\r\n' +
          'Expect: 100-continue\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      )
      // Node answers 100 Continue as it hands the request to the app, so the request is in
      // flight from then on; before, the shutdown would take the connection for an idle one.
      const [interim] = (await once(socket, 'data')) as [string]
      expect(interim).toMatch(/^HTTP\/1\.1 100 Continue\r\n/)
      socket.write(body.slice(0, 10))
      server.child.kill(signal)
      await waitForOutput(server, new RegExp(`^${signal}: no longer accepting`, 'm'))

      // New connections are refused while the old request is still open.
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()

      socket.write(body.slice(10))
      const answer = await response
      expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /)
      expect(answer).toContain('"access_token"')

      const { code } = await server.exited
      expect(code).toBe(0)
      expect(server.output().stdout).toMatch(/^closed$/m)

      // The store was closed cleanly: it opens again with everything in it.
      const again = await startServer(['-l', '127.0.0.1:0', '-d', db, '-p', PASSWORD])
      try {
        expect((await api(again.url, 'GET', '/keys/shop', clientToken)).status).toBe(200)
      } finally {
        await again.stop()
      }
    })
  }
})

describe('secrets in the output', () => {
  it('prints the password and admin token only in the first-start banner, and no other secret ever', async () => {
    const db = join(dir.path, 'verbose.db')
    const server = await startServer(['-l', '127.0.0.1:0', '-d', db, '-v'])
    const { password, adminToken } = bannerSecrets(server.output().stdout)
    const seen: string[] = []
    try {
      const registered = await api(server.url, 'POST', '/register/shop', adminToken, {})
      expect(registered.status).toBe(201)
      const clientToken = registered.body.client_token as string
      seen.push(clientToken)
      const pair = await api(server.url, 'POST', '/issue_token', clientToken, {
        kid: 'shop',
        claims: { sub: 'alice', email: 'alice@example.com' },
      })
      expect(pair.status).toBe(200)
      seen.push(pair.body.access_token as string, pair.body.refresh_token as string)
      const renewed = await api(server.url, 'POST', '/renew_token', clientToken, {
        kid: 'shop',
        refresh_token: pair.body.refresh_token,
      })
      expect(renewed.status).toBe(200)
      seen.push(renewed.body.access_token as string, renewed.body.refresh_token as string)
      // Reuse of a superseded token, a forged one, wrong bearers: errors that must not echo them.
      const forged = `${(pair.body.refresh_token as string).slice(0, -8)}AAAAAAAA`
      seen.push(forged)
      expect((await api(server.url, 'POST', '/renew_token', clientToken, { kid: 'shop', refresh_token: forged })).status).toBe(401)
      const wrongBearer = 'wrong-bearer-token-value-0000000000000000001'
      seen.push(wrongBearer)
      expect((await api(server.url, 'POST', '/register/x', wrongBearer, {})).status).toBe(401)
      expect((await api(server.url, 'POST', '/issue_token', wrongBearer, { kid: 'shop', claims: { sub: 'a' } })).status).toBe(401)
      expect((await api(server.url, 'POST', '/keys/shop/rotate', adminToken)).status).toBe(200)
      // The client itself may rotate once a minute: just after, it is refused without an echo.
      expect((await api(server.url, 'POST', '/keys/shop/rotate', clientToken)).status).toBe(429)
      expect((await api(server.url, 'POST', '/revoke', clientToken, { kid: 'shop', sub: 'alice' })).status).toBe(200)
      const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      expect(metrics.status).toBe(200)
      await metrics.text()
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
    const { stdout, stderr } = server.output()
    const everything = stdout + stderr
    expect(everything.split(password)).toHaveLength(2)
    expect(everything.split(adminToken)).toHaveLength(2)
    const afterBanner = everything.slice(everything.indexOf('Store these now'))
    for (const secret of [password, adminToken, ...seen]) expect(afterBanner).not.toContain(secret)
    for (const secret of seen) expect(everything).not.toContain(secret)
    // No private JWK member of any key type.
    expect(everything).not.toMatch(/"(d|p|q|dp|dq|qi|k)"\s*:/)
    expect(everything).not.toMatch(/PRIVATE KEY/)
  })
})
