import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, assertBuilt, runCli, startServer, tempDir } from './helpers.js'

const PASSWORD = 'options-test-password-0001'
const ADMIN = 'options-test-admin-token-000000000000000001'

let dir: ReturnType<typeof tempDir>
beforeAll(() => {
  assertBuilt()
  dir = tempDir()
})
afterAll(() => dir?.remove())

/** A usage failure is one line on stderr, nothing on stdout, exit 2. */
function expectOneLineFailure(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(2)
  expect(result.stdout).toBe('')
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(lines[0]).not.toMatch(/\bat .+:\d+:\d+/) // no stack
}

describe('jwtis --version and --help', () => {
  it('prints the package version for -V and --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    for (const flag of ['-V', '--version']) {
      const result = await runCli([flag])
      expect(result.code).toBe(0)
      expect(result.stdout.trim()).toBe(version)
    }
  })

  it('documents every flag with its environment variable and default', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    for (const text of [
      '--listen',
      'JWTIS_LISTEN',
      '127.0.0.1:4343',
      '--pswd',
      'JWTIS_PSWD',
      '--store',
      'JWTIS_STORE',
      '--dbPath',
      './data/keys.db',
      '--graceTTL',
      '10s',
      'jwtis rekey --newPswd NEW',
      'jwtis backup FILE',
    ]) {
      expect(result.stdout).toContain(text)
    }
  })
})

describe('bad command lines', () => {
  const db = (): string => join(dir.path, 'never-created.db')
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['an unknown flag', ['--frobnicate'], {}, /unknown option --frobnicate/],
    ['a bad listen address', ['-l', 'localhost'], {}, /-l\/--listen must be HOST:PORT/],
    ['a port out of range', ['-l', '127.0.0.1:70000'], {}, /-l\/--listen must be HOST:PORT/],
    ['a bad duration', ['--authTTL', '15 minutes'], {}, /-a\/--authTTL must be a duration/],
    ['a zero key expiry', ['-e', '0s'], {}, /-e\/--expiry must be a duration above zero/],
    ['bad bits', ['--sigBits', 'many'], {}, /--sigBits must be a positive integer/],
    ['a flag without its value', ['-l'], {}, /option '-l, --listen <value>' argument missing/],
    ['--tls without files', ['--tls'], {}, /--tls needs --tlsCert and --tlsKey/],
    ['a cert without --tls', ['--tlsCert', 'x.pem'], {}, /--tlsCert needs --tls/],
    ['a bad url', ['--url', 'not a url'], {}, /--url must be an absolute http\(s\) URL/],
    ['a store that is not postgres', ['--store', 'mysql://db/x'], {}, /--store takes a postgres:\/\/ URL/],
    ['a bad environment value, named', [], { JWTIS_LISTEN: 'nowhere' }, /JWTIS_LISTEN must be HOST:PORT/],
    ['a bad boolean in the environment', [], { JWTIS_TLS: 'maybe' }, /JWTIS_TLS must be true or false/],
    ['an unknown command', ['frob'], {}, /unknown command "frob"/],
    ['a subcommand without its verb', ['client'], {}, /needs a subcommand: register, list or remove/],
    ['a missing KID', ['client', 'register'], {}, /takes KID/],
    ['an extra argument', ['client', 'list', 'extra'], {}, /takes no arguments/],
    ['a serve flag on an operator command', ['client', 'list', '-l', '127.0.0.1:0'], {}, /does not apply to/],
    ['rekey without --newPswd', ['rekey', '-p', PASSWORD], {}, /needs --newPswd/],
  ]
  for (const [what, args, env, pattern] of cases) {
    it(`refuses ${what} in one line, exit 2`, async () => {
      expectOneLineFailure(await runCli(['-d', db(), ...args], env), pattern)
      expect(existsSync(db())).toBe(false)
    })
  }

  it('exits 1 in one line when PostgreSQL does not answer, naming the host but not the password', async () => {
    const result = await runCli(['--store', 'postgres://jwtis:pg-secret-pass@127.0.0.1:1/test', '-l', '127.0.0.1:0'])
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(/^the store postgres 127\.0\.0\.1:1\/test is unavailable: .*ECONNREFUSED/)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stdout + result.stderr).not.toContain('pg-secret-pass')
    expect(result.stdout).not.toMatch(/listening on/)
  })

  it('refuses a short password for a new store, and creates no keyring', async () => {
    const path = join(dir.path, 'short.db')
    const result = await runCli(['-l', '127.0.0.1:0', '-d', path, '-p', 'short'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/-p\/--pswd must be at least 12 characters/)
    expect(result.stdout).not.toMatch(/listening on/)
  })
})

describe('flags and environment', () => {
  it('reads every setting from JWTIS_* variables, and the configuration print shows them without a secret', async () => {
    const db = join(dir.path, 'env.db')
    const server = await startServer([], {
      JWTIS_LISTEN: '127.0.0.1:0',
      JWTIS_DB_PATH: db,
      JWTIS_PSWD: PASSWORD,
      JWTIS_ADMIN_TOKEN: ADMIN,
      JWTIS_NAME: 'ACME-ENV',
      JWTIS_URL: 'https://id.example.com/',
      JWTIS_AUTH_TTL: '5m',
      JWTIS_REFRESH_TTL: '2h',
      JWTIS_SIG_ALG: 'ES384',
      JWTIS_GRACE_TTL: '3s',
    })
    try {
      const { stdout, stderr } = server.output()
      expect(stdout).toMatch(/^jwtis \d+\.\d+\.\d+/)
      expect(stdout).toMatch(/^ {2}name +ACME-ENV \(environment\)$/m)
      expect(stdout).toMatch(/^ {2}signing +ES384 \(environment\)$/m)
      expect(stdout).toMatch(/^ {2}access ttl +5m \(environment\)$/m)
      expect(stdout).toMatch(/^ {2}grace ttl +3s \(environment\)$/m)
      expect(stdout).toMatch(/^ {2}password +given \(environment\)$/m)
      expect(stdout + stderr).not.toContain(PASSWORD)
      expect(stdout + stderr).not.toContain(ADMIN)
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(server.url).not.toMatch(/:0$/)

      const discovery = await api(server.url, 'GET', '/.well-known/openid-configuration')
      expect(discovery.body.issuer).toBe('ACME-ENV')
      expect(discovery.body.jwks_uri).toBe('https://id.example.com/.well-known/jwks.json')

      const registered = await api(server.url, 'POST', '/register/env-client', ADMIN, {})
      expect(registered.status).toBe(201)
      expect((registered.body.pub_sig_key as { alg: string }).alg).toBe('ES384')
      const pair = await api(server.url, 'POST', '/issue_token', registered.body.client_token as string, {
        kid: 'env-client',
        claims: { sub: 'alice' },
      })
      expect(pair.status).toBe(200)
      const claims = decodePayload(pair.body.access_token as string)
      expect(claims.iss).toBe('ACME-ENV')
      expect(claims.exp - claims.iat).toBe(300)
    } finally {
      await server.stop()
    }
  })

  it('lets flags win over the environment', async () => {
    const db = join(dir.path, 'flags.db')
    const server = await startServer(['-l', '127.0.0.1:0', '-n', 'ACME-FLAG', '-a', '90', '-p', PASSWORD], {
      JWTIS_DB_PATH: db,
      JWTIS_NAME: 'ACME-ENV',
      JWTIS_AUTH_TTL: '5m',
      JWTIS_ADMIN_TOKEN: ADMIN,
    })
    try {
      expect(server.output().stdout).toMatch(/^ {2}name +ACME-FLAG \(-n\/--name\)$/m)
      const registered = await api(server.url, 'POST', '/register/flag-client', ADMIN, {})
      const pair = await api(server.url, 'POST', '/issue_token', registered.body.client_token as string, {
        kid: 'flag-client',
        claims: { sub: 'bob' },
      })
      const claims = decodePayload(pair.body.access_token as string)
      expect(claims.iss).toBe('ACME-FLAG')
      expect(claims.exp - claims.iat).toBe(90)
      expect(server.output().stdout + server.output().stderr).not.toContain(PASSWORD)
    } finally {
      await server.stop()
    }
  })

  it('says clearly when the address is in use', async () => {
    const db = join(dir.path, 'busy.db')
    const first = await startServer(['-l', '127.0.0.1:0', '-d', db, '-p', PASSWORD, '--adminToken', ADMIN])
    try {
      const address = first.url.replace('http://', '')
      const second = await runCli(['-l', address, '-d', join(dir.path, 'busy2.db'), '-p', PASSWORD])
      expect(second.code).toBe(1)
      expect(second.stderr.trim()).toMatch(/^cannot listen on 127\.0\.0\.1:\d+: .*in use/)
    } finally {
      await first.stop()
    }
  })
})

function decodePayload(jwt: string): { iss: string; iat: number; exp: number } {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as {
    iss: string
    iat: number
    exp: number
  }
}
