import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, assertBuilt, createStore, hashStoreFiles, runCli, startServer, tempDir } from './helpers.js'

const PASSWORD = 'commands-test-password-0001'
const NEW_PASSWORD = 'commands-test-password-0002'
const ADMIN = 'commands-test-admin-token-0000000000000001'

let dir: ReturnType<typeof tempDir>
let db: string
const store = (path = db): string[] => ['-d', path, '-p', PASSWORD]

beforeAll(async () => {
  assertBuilt()
  dir = tempDir()
  db = join(dir.path, 'keys.db')
  await createStore(db, PASSWORD, ADMIN)
})
afterAll(() => dir?.remove())

interface Registered {
  kid: string
  client_token: string
  pub_sig_key: Record<string, unknown>
  pub_enc_key: Record<string, unknown>
  expiry: number
  valid: boolean
}

function register(kid: string, ...flags: string[]): Promise<Registered> {
  return registerIn(db, kid, ...flags)
}

async function registerIn(path: string, kid: string, ...flags: string[]): Promise<Registered> {
  const result = await runCli(['client', 'register', kid, ...store(path), ...flags])
  expect(result.stderr).toMatch(/shown only this once/)
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as Registered
}

describe('jwtis client register | list | remove', () => {
  it('registers a client, printing its token once and its public keys as JSON', async () => {
    const client = await register('shop', '--sigAlg', 'ES384', '-a', '5m')
    expect(client).toMatchObject({ kid: 'shop', valid: true })
    expect(client.client_token.length).toBeGreaterThanOrEqual(32)
    expect(client.pub_sig_key).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384' })
    expect(client.pub_enc_key).toMatchObject({ kty: 'EC', alg: 'ECDH-ES+A256KW' })
    for (const key of [client.pub_sig_key, client.pub_enc_key]) expect(key).not.toHaveProperty('d')

    // The registration is in the store the server runs on.
    const server = await startServer(['-l', '127.0.0.1:0', ...store()])
    try {
      const pair = await api(server.url, 'POST', '/issue_token', client.client_token, {
        kid: 'shop',
        claims: { sub: 'alice' },
      })
      expect(pair.status).toBe(200)
      expect(decodeProtectedHeader(pair.body.access_token as string)).toMatchObject({
        alg: 'ES384',
        kid: client.pub_sig_key.kid,
      })
    } finally {
      await server.stop()
    }
  })

  it('registers a client with --audience, whose tokens carry those values and no other', async () => {
    const client = await register('multi', '--audience', 'https://a.example, https://b.example')
    const server = await startServer(['-l', '127.0.0.1:0', ...store()])
    try {
      const pair = await api(server.url, 'POST', '/issue_token', client.client_token, { claims: { sub: 'alice' } })
      expect(pair.status).toBe(200)
      expect(decodeJwt(pair.body.access_token as string).aud).toEqual(['https://a.example', 'https://b.example'])
      const foreign = await api(server.url, 'POST', '/issue_token', client.client_token, { claims: { sub: 'a', aud: 'shop' } })
      expect(foreign.status).toBe(400)
    } finally {
      await server.stop()
    }
    const empty = await runCli(['client', 'register', 'none', ...store(), '--audience', ','])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/--audience/)
  })

  it('refuses to register a kid twice, and bad settings, with exit 1', async () => {
    const twice = await runCli(['client', 'register', 'shop', ...store()])
    expect(twice.code).toBe(1)
    expect(twice.stdout).toBe('')
    expect(twice.stderr.trim().split('\n')).toHaveLength(1)

    const badAlg = await runCli(['client', 'register', 'rsa-one', ...store(), '--encAlg', 'RSA1_5'])
    expect(badAlg.code).not.toBe(0)
    expect(badAlg.stderr).toMatch(/RSA1_5/)
  })

  it('lists the clients with their algorithms and lifetimes', async () => {
    await register('blog')
    const result = await runCli(['client', 'list', ...store()])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^KID +SIGNING +ENCRYPTION +ACCESS +REFRESH/)
    expect(lines.find((l) => l.startsWith('shop '))).toMatch(/ES384 +ECDH-ES\+A256KW A256GCM +5m +72h +4320h +refreshBoth/)
    expect(lines.find((l) => l.startsWith('blog '))).toMatch(/ES256 /)
    expect(result.stdout).not.toMatch(/client_token|"d"/)
  })

  it('removes a client, and says so when there is none', async () => {
    const removed = await runCli(['client', 'remove', 'blog', ...store()])
    expect(removed.code).toBe(0)
    const list = await runCli(['client', 'list', ...store()])
    expect(list.stdout).not.toMatch(/^blog /m)
    expect(list.stdout).toMatch(/^shop /m)
    const again = await runCli(['client', 'remove', 'blog', ...store()])
    expect(again.code).toBe(1)
    expect(again.stderr.trim()).toBe(`no client "blog" in the store at ${db}`)
  })

  it('needs the password, and a store that exists (never creating one)', async () => {
    const locked = await runCli(['client', 'list', '-d', db])
    expect(locked.code).toBe(1)
    expect(locked.stderr).toMatch(/locked: give its password with -p\/--pswd or JWTIS_PSWD/)
    const wrong = await runCli(['client', 'list', '-d', db, '-p', 'not-the-right-password'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^wrong password/)
    const missing = join(dir.path, 'typo', 'keys.db')
    const none = await runCli(['client', 'list', '-d', missing, '-p', PASSWORD])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^no store at .*typo/)
    expect(existsSync(missing)).toBe(false)
  })
})

describe('jwtis keys rotate', () => {
  it('promotes the pre-published next key: new tokens carry it, and it was in the JWKS before', async () => {
    const client = await register('rotating')
    const server = await startServer(['-l', '127.0.0.1:0', ...store()])
    let publishedBefore: string[]
    try {
      const jwks = await api(server.url, 'GET', '/jwks/rotating')
      publishedBefore = (jwks.body.keys as { kid: string }[]).map((k) => k.kid)
    } finally {
      await server.stop()
    }
    expect(publishedBefore).toContain(client.pub_sig_key.kid)

    const result = await runCli(['keys', 'rotate', 'rotating', ...store()])
    expect(result.code).toBe(0)
    const keys = JSON.parse(result.stdout) as Registered
    expect(keys.kid).toBe('rotating')
    expect(keys.pub_sig_key.kid).not.toBe(client.pub_sig_key.kid)
    expect(publishedBefore).toContain(keys.pub_sig_key.kid)
    expect(result.stdout).not.toMatch(/client_token|"d"/)

    const unknown = await runCli(['keys', 'rotate', 'nobody', ...store()])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('jwtis rekey', () => {
  // A store of its own: a test that fails half-way must not leave the other tests' store
  // opening with another password.
  let own: string
  beforeAll(async () => {
    own = join(dir.path, 'rekey.db')
    await createStore(own, PASSWORD, ADMIN)
  })

  it('changes nothing when the old password is wrong', async () => {
    const before = hashStoreFiles(own)
    const wrong = await runCli(['rekey', '-d', own, '-p', 'not-the-right-password', '--newPswd', NEW_PASSWORD])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^wrong password/)
    expect(hashStoreFiles(own)).toEqual(before)
  })

  it('refuses a short new password', async () => {
    const short = await runCli(['rekey', ...store(own), '--newPswd', 'short'])
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/--newPswd must be at least 12 characters/)
  })

  // Six CLI processes one after another, each running scrypt: slow on a busy machine.
  it('changes the password and nothing else: tokens issued before still verify and renew', { timeout: 120_000 }, async () => {
    const client = await registerIn(own, 'keeper')
    let server = await startServer(['-l', '127.0.0.1:0', ...store(own)])
    let pair: Record<string, unknown>
    let jwksBefore: unknown
    try {
      pair = (await api(server.url, 'POST', '/issue_token', client.client_token, { kid: 'keeper', claims: { sub: 'k' } }))
        .body
      jwksBefore = (await api(server.url, 'GET', '/jwks/keeper')).body
    } finally {
      await server.stop()
    }

    const rekeyed = await runCli(['rekey', ...store(own)], { JWTIS_NEW_PSWD: NEW_PASSWORD })
    expect(rekeyed.code).toBe(0)
    expect(rekeyed.stdout + rekeyed.stderr).not.toContain(NEW_PASSWORD)
    expect(rekeyed.stdout + rekeyed.stderr).not.toContain(PASSWORD)

    const old = await runCli(['-l', '127.0.0.1:0', ...store(own)])
    expect(old.code).toBe(1)
    expect(old.stderr).toMatch(/^wrong password/)

    server = await startServer(['-l', '127.0.0.1:0', '-d', own, '-p', NEW_PASSWORD])
    try {
      const jwks = (await api(server.url, 'GET', '/jwks/keeper')).body
      expect(jwks).toEqual(jwksBefore)
      const { payload } = await jwtVerify(pair.access_token as string, createLocalJWKSet(jwks as never), {
        issuer: 'JWTIS',
        audience: 'keeper',
      })
      expect(payload.sub).toBe('k')
      const renewed = await api(server.url, 'POST', '/renew_token', client.client_token, {
        kid: 'keeper',
        refresh_token: pair.refresh_token,
      })
      expect(renewed.status).toBe(200)
    } finally {
      await server.stop()
    }
  })
})

describe('jwtis backup', () => {
  it('writes a copy that opens with the same password and holds the clients', async () => {
    const copy = join(dir.path, 'backup.db')
    const server = await startServer(['-l', '127.0.0.1:0', ...store()])
    try {
      // Online: the server keeps running while the copy is made.
      const result = await runCli(['backup', copy, '-d', db])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(copy)
      expect((await api(server.url, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await server.stop()
    }
    const original = await runCli(['client', 'list', ...store()])
    const restored = await runCli(['client', 'list', '-d', copy, '-p', PASSWORD])
    expect(restored.code).toBe(0)
    expect(restored.stdout).toBe(original.stdout)
    expect(restored.stdout).toMatch(/^shop /m)
    expect((await runCli(['client', 'list', '-d', copy, '-p', NEW_PASSWORD])).code).toBe(1)
  })

  it('never overwrites a file, and checks a given password first', async () => {
    const copy = join(dir.path, 'backup.db')
    const before = hashStoreFiles(copy)
    const exists = await runCli(['backup', copy, '-d', db])
    expect(exists.code).toBe(1)
    expect(exists.stderr).toMatch(/exists; a backup never overwrites a file/)
    expect(hashStoreFiles(copy)).toEqual(before)

    const fresh = join(dir.path, 'backup-2.db')
    const wrong = await runCli(['backup', fresh, '-d', db, '-p', 'not-the-right-password'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^wrong password/)
    expect(existsSync(fresh)).toBe(false)
  })
})
