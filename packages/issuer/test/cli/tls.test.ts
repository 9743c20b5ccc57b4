import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { get } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runCli, startServer, tempDir } from './helpers.js'

const PASSWORD = 'tls-test-password-000001'
const ADMIN = 'tls-test-admin-token-0000000000000000001'

let dir: ReturnType<typeof tempDir>
let openssl = true
beforeAll(() => {
  assertBuilt()
  dir = tempDir()
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir.path, 'key.pem'), '-out', join(dir.path, 'cert.pem'),
    ], { stdio: 'ignore' })
  } catch {
    openssl = false
    console.warn('notice: no openssl to make a test certificate; the HTTPS test is skipped')
  }
})
afterAll(() => dir?.remove())

function getHttps(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

describe('--tls', () => {
  it('serves HTTPS with the given certificate and says so', async (context) => {
    if (!openssl) context.skip()
    const cert = join(dir.path, 'cert.pem')
    const server = await startServer([
      '-l', '127.0.0.1:0', '-d', join(dir.path, 'tls.db'), '-p', PASSWORD, '--adminToken', ADMIN,
      '--tls', '--tlsCert', cert, '--tlsKey', join(dir.path, 'key.pem'),
    ])
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(server.output().stdout).toMatch(/^ {2}tls +on, cert /m)
      const answer = await getHttps(`${server.url}/healthz`, readFileSync(cert))
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok' })
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  })

  it('fails in one line when a file cannot be read', async () => {
    const missing = join(dir.path, 'missing.pem')
    const result = await runCli([
      '-l', '127.0.0.1:0', '-d', join(dir.path, 'never.db'), '-p', PASSWORD,
      '--tls', '--tlsCert', missing, '--tlsKey', missing,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toBe(`cannot read --tlsCert ${missing}: ENOENT`)
  })
})
