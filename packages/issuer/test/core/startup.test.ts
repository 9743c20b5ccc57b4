import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIssuer } from '../../src/core/create-issuer.js'
import { ADMIN_TOKEN_META } from '../../src/core/initialise.js'
import { KEYRING_META, KeyringError } from '../../src/crypto/keyring.js'
import { hashSecret } from '../../src/crypto/secrets.js'
import { createSqliteStore } from '../../src/store/sqlite.js'
import { ADMIN_TOKEN, type CoreFixture, PASSWORD, rejectionOf, startIssuer, tempDir } from './helpers.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fixture(options: Parameters<typeof startIssuer>[0] = {}): Promise<CoreFixture> {
  const f = await startIssuer(options)
  cleanups.push(() => f.close())
  return f
}

async function folder(): Promise<string> {
  const dir = await tempDir()
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('start', () => {
  it('initialises a new store once, then unlocks it', async () => {
    const dir = await folder()
    const first = await startIssuer({ dir })
    expect(first.issuer.created).toBe(true)
    expect(await first.store.getMeta(KEYRING_META)).toBeTypeOf('string')
    expect(await first.store.getMeta(ADMIN_TOKEN_META)).toBe(hashSecret(ADMIN_TOKEN))
    await first.issuer.registerClient('shop')
    await first.close()

    const again = await startIssuer({ dir, adminToken: undefined as unknown as string })
    cleanups.push(() => again.close())
    expect(again.issuer.created).toBe(false)
    expect(again.issuer.isAdmin(ADMIN_TOKEN)).toBe(true)
    // The keys sealed by the first start open under the same password.
    const pair = await again.issuer.issue('shop', { claims: { sub: 'u1' } })
    expect((await again.issuer.renew('shop', pair.refreshToken)).id).toBe(pair.id)
  })

  it('needs an admin token on a new store', async () => {
    const dir = await folder()
    const store = createSqliteStore({ path: join(dir, 'keys.db') })
    const err = await rejectionOf(createIssuer({ store, password: PASSWORD }))
    await store.close()
    expect(err).toBeInstanceOf(TypeError)
    expect(err.message).toMatch(/admin token/)
  })

  it('refuses a short admin token', async () => {
    const dir = await folder()
    const store = createSqliteStore({ path: join(dir, 'keys.db') })
    const err = await rejectionOf(createIssuer({ store, password: PASSWORD, adminToken: 'short' }))
    await store.close()
    expect(err).toBeInstanceOf(TypeError)
    expect(err.message).toMatch(/at least 16/)
  })

  it('refuses a wrong password with KeyringError and leaves the file byte for byte as it was', async () => {
    const dir = await folder()
    const first = await startIssuer({ dir })
    await first.issuer.registerClient('shop')
    await first.close()
    const dbPath = join(dir, 'keys.db')
    const before = await readFile(dbPath)

    const store = createSqliteStore({ path: dbPath })
    const err = await rejectionOf(
      createIssuer({ store, password: 'not the password', adminToken: 'another-admin-token-0123456789', maintenanceInterval: 0 }),
    )
    await store.close()
    expect(err).toBeInstanceOf(KeyringError)
    expect((err as KeyringError).code).toBe('wrong_password')
    expect(err.message).not.toContain('not the password')
    expect(Buffer.compare(await readFile(dbPath), before)).toBe(0)

    // And the old admin token still rules.
    const after = await fixture({ dir, adminToken: undefined as unknown as string })
    expect(after.issuer.isAdmin(ADMIN_TOKEN)).toBe(true)
    expect(after.issuer.isAdmin('another-admin-token-0123456789')).toBe(false)
  })

  it('lets a later start replace the admin token', async () => {
    const dir = await folder()
    const first = await startIssuer({ dir })
    await first.close()
    const second = await fixture({ dir, adminToken: 'replacement-admin-token-0123' })
    expect(second.issuer.created).toBe(false)
    expect(second.issuer.isAdmin('replacement-admin-token-0123')).toBe(true)
    expect(second.issuer.isAdmin(ADMIN_TOKEN)).toBe(false)
  })

  it('of two instances starting together on a new store, exactly one initialises it', async () => {
    const dir = await folder()
    const path = join(dir, 'keys.db')
    const stores = [createSqliteStore({ path }), createSqliteStore({ path })]
    const issuers = await Promise.all(
      stores.map((store, i) =>
        createIssuer({ store, password: PASSWORD, adminToken: `admin-token-of-instance-${i}-xxxx`, maintenanceInterval: 0 }),
      ),
    )
    cleanups.push(async () => {
      for (const issuer of issuers) await issuer.close()
    })
    expect(issuers.filter((issuer) => issuer.created)).toHaveLength(1)
    const winner = issuers.findIndex((issuer) => issuer.created)
    // The loser joined the winner's keyring and kept the winner's admin token.
    for (const issuer of issuers) {
      expect(issuer.isAdmin(`admin-token-of-instance-${winner}-xxxx`)).toBe(true)
      expect(issuer.isAdmin(`admin-token-of-instance-${1 - winner}-xxxx`)).toBe(false)
    }
    const { clientToken } = await issuers[winner]!.registerClient('shop')
    const pair = await issuers[winner]!.issue('shop', { claims: { sub: 'u1' } })
    expect(await issuers[1 - winner]!.authenticateClient(clientToken)).toBe('shop')
    expect((await issuers[1 - winner]!.renew('shop', pair.refreshToken)).id).toBe(pair.id)
  })

  it('checks options at construction', async () => {
    const dir = await folder()
    const store = createSqliteStore({ path: join(dir, 'keys.db') })
    cleanups.push(() => store.close())
    await expect(createIssuer({ store, password: '' })).rejects.toThrow(TypeError)
    await expect(createIssuer({ store, password: PASSWORD, adminToken: ADMIN_TOKEN, graceTTL: -1 })).rejects.toThrow(
      /graceTTL/,
    )
    await expect(
      createIssuer({ store, password: PASSWORD, adminToken: ADMIN_TOKEN, defaults: { sigAlg: 'HS256' } }),
    ).rejects.toThrow(/invalid issuer default: unsupported signing alg/)
    await expect(
      createIssuer({ store, password: PASSWORD, adminToken: ADMIN_TOKEN, defaults: { authTTL: 0 } }),
    ).rejects.toThrow(/auth_ttl/)
    // Nothing was initialised by the refused starts.
    expect(await store.getMeta(KEYRING_META)).toBeUndefined()
  })
})

describe('defaults', () => {
  it('gives a default alg its own default size, not the stock one', async () => {
    const f = await fixture({ defaults: { sigAlg: 'PS256', encAlg: 'RSA-OAEP-256', authTTL: 60_000 } })
    const client = await f.issuer.registerClient('shop')
    expect(client.pubSigKey).toMatchObject({ kty: 'RSA', alg: 'PS256' })
    expect(Buffer.from(String(client.pubEncKey['n']), 'base64url').length * 8).toBe(2048)
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    expect(pair.expiry).toBe(Math.floor(f.clock.now() / 1000) + 60)
  })
})

describe('authentication', () => {
  it('knows the admin token and client tokens, and nothing else', async () => {
    const f = await fixture()
    expect(f.issuer.isAdmin(ADMIN_TOKEN)).toBe(true)
    expect(f.issuer.isAdmin(`${ADMIN_TOKEN}x`)).toBe(false)
    expect(f.issuer.isAdmin('')).toBe(false)
    const shop = await f.issuer.registerClient('shop')
    const blog = await f.issuer.registerClient('blog')
    expect(shop.clientToken).not.toBe(blog.clientToken)
    expect(await f.issuer.authenticateClient(shop.clientToken)).toBe('shop')
    expect(await f.issuer.authenticateClient(blog.clientToken)).toBe('blog')
    expect(await f.issuer.authenticateClient(ADMIN_TOKEN)).toBeUndefined()
    expect(await f.issuer.authenticateClient(`${shop.clientToken}x`)).toBeUndefined()
    expect(f.issuer.isAdmin(shop.clientToken)).toBe(false)
    // Only the hash is stored.
    const record = await f.store.getClient('shop')
    expect(record?.tokenHash).toBe(hashSecret(shop.clientToken))
  })

  it('is ready while open, and not after close', async () => {
    const f = await startIssuer()
    expect(await f.issuer.ready()).toBe(true)
    await f.close()
    expect(await f.issuer.ready()).toBe(false)
    const err = await rejectionOf(f.issuer.listClients())
    expect(err.code).toBe('temporarily_unavailable')
  })
})
