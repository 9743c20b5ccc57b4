import { createDecipheriv, createHash, scryptSync } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIssuer } from '../../src/core/create-issuer.js'
import { KeyringError } from '../../src/crypto/keyring.js'
import { createSqliteStore } from '../../src/store/sqlite.js'
import { runCli } from '../cli/helpers.js'
import { api, issuePair, registerClient, type TestClient } from '../helpers/api.js'
import { randomSecret, startTestIssuer, type TestIssuer } from '../helpers/issuer.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'
import { legacyKeyringMeta } from '../helpers/legacy-keyring.js'

let dir: string
let password: string
let adminToken: string
let shop: TestClient
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jwtis-tamper-'))
  password = randomSecret()
  adminToken = randomSecret()
  const t = await startTestIssuer({ dir, password, adminToken, maintenanceInterval: 0 })
  shop = await registerClient(t, 'shop')
  await registerClient(t, 'blog')
  await t.close()
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Edits the store file as someone with write access but no password would. */
function edit(sql: string, ...params: unknown[]): void {
  const db = new Database(join(dir, 'keys.db'))
  try {
    expect(db.prepare(sql).run(...params).changes).toBeGreaterThan(0)
  } finally {
    db.close()
  }
}

function read<T>(sql: string, ...params: unknown[]): T {
  const db = new Database(join(dir, 'keys.db'), { readonly: true })
  try {
    return db.prepare(sql).get(...params) as T
  } finally {
    db.close()
  }
}

/** An attacker's own EC key pair. */
function attackerKey(): { publicJwk: JWK } {
  return { publicJwk: generateKeyPairViaDer('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as JWK }
}

async function startRefusal(): Promise<KeyringError> {
  const store = createSqliteStore({ path: join(dir, 'keys.db') })
  const err = await createIssuer({ store, password, maintenanceInterval: 0 }).then(
    async (issuer) => {
      await issuer.close()
      return undefined
    },
    async (e: unknown) => {
      await store.close()
      return e
    },
  )
  expect(err).toBeInstanceOf(KeyringError)
  expect((err as KeyringError).code).toBe('tampered')
  return err as KeyringError
}

const currentSigKey = (kid: string): { id: string; public_jwk: string } =>
  read("SELECT id, public_jwk FROM keys WHERE client_kid = ? AND use = 'sig' AND state = 'current'", kid)

describe('a store edited without its password is refused at start, naming the record', () => {
  it('a client’s public_jwk replaced by the attacker’s key', async () => {
    const { id } = currentSigKey('shop')
    edit('UPDATE keys SET public_jwk = ? WHERE id = ?', JSON.stringify(attackerKey().publicJwk), id)
    const err = await startRefusal()
    expect(err.message).toContain(`key "${id}" of client "shop"`)
  })

  it('the key id changed too, to the attacker key’s thumbprint', async () => {
    const { id } = currentSigKey('shop')
    const { publicJwk } = attackerKey()
    const forged = await calculateJwkThumbprint(publicJwk, 'sha256')
    edit('UPDATE keys SET id = ?, public_jwk = ? WHERE id = ?', forged, JSON.stringify(publicJwk), id)
    expect((await startRefusal()).message).toContain(`key "${forged}" of client "shop"`)
  })

  it('the admin token hash replaced by the hash of the attacker’s token', async () => {
    const forged = createHash('sha256').update('attacker-admin-token-0123456789').digest('hex')
    edit("UPDATE meta SET value = ? WHERE name = 'admin_token_hash'", forged)
    expect((await startRefusal()).message).toContain('admin token hash')
  })

  it('a client’s token hash, or its configuration (its audience), changed', async () => {
    edit("UPDATE clients SET token_hash = ? WHERE kid = 'blog'", createHash('sha256').update('attacker').digest('hex'))
    expect((await startRefusal()).message).toContain('client "blog"')
  })

  it('a client’s audience widened to another client’s', async () => {
    edit("UPDATE clients SET config = json_set(config, '$.audience', 'shop') WHERE kid = 'blog'")
    expect((await startRefusal()).message).toContain('client "blog"')
  })

  it('the CLI exits 1 with a line naming the record', async () => {
    const { id } = currentSigKey('blog')
    edit('UPDATE keys SET public_jwk = ? WHERE id = ?', JSON.stringify(attackerKey().publicJwk), id)
    // Through the environment: a random password may begin with '-', which a flag parser reads as an option.
    const result = await runCli(['client', 'list', '-d', join(dir, 'keys.db')], { JWTIS_PSWD: password })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`key "${id}" of client "blog"`)
    expect(result.stderr).not.toContain(password)
  })
})

describe('a store edited while the issuer runs', () => {
  let t: TestIssuer
  afterEach(async () => {
    await t.close()
  })

  it('leaves the altered key out of the JWKS and says in /readyz which record', async () => {
    t = await startTestIssuer({ dir, password, adminToken, maintenanceInterval: 0 })
    const { id } = currentSigKey('blog')
    const before = await api(t.url, 'GET', '/.well-known/jwks.json')
    expect(before.body.keys.map((key: { kid: string }) => key.kid)).toContain(id)
    expect((await api(t.url, 'GET', '/readyz')).status).toBe(200)

    const { publicJwk } = attackerKey()
    edit('UPDATE keys SET public_jwk = ? WHERE id = ?', JSON.stringify(publicJwk), id)
    const after = await api(t.url, 'GET', '/.well-known/jwks.json')
    expect(after.status).toBe(200)
    expect(after.body.keys.map((key: { kid: string }) => key.kid)).not.toContain(id)
    expect(after.text).not.toContain(String(publicJwk.x))
    const ready = await api(t.url, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body.error_description).toContain(`key "${id}" of client "blog"`)
    // The other client's keys are still published and still sign.
    expect((await issuePair(t, shop, { sub: 'u' })).access_token).toBeTypeOf('string')
  })
})

describe('a store made before rows carried MACs', () => {
  it('opens with its password, gets its MACs and a v2 keyring, and keeps every token working', async () => {
    const t = await startTestIssuer({ dir, password, adminToken, maintenanceInterval: 0 })
    const pair = await issuePair(t, shop, { sub: 'u1' })
    await t.close()
    // Rewrite it as the earlier version left it: a v1 keyring over the same data key, no MACs.
    const meta = JSON.parse(read<{ value: string }>("SELECT value FROM meta WHERE name = 'keyring'").value)
    const kek = scryptSync(password, Buffer.from(meta.kdf.salt, 'base64url'), 32, { N: meta.kdf.N, r: 8, p: 1, maxmem: 256 * 1024 * 1024 })
    const box = Buffer.from(meta.wrapped, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', kek, box.subarray(0, 12))
    decipher.setAAD(Buffer.from('jwtis keyring v2: data key'))
    decipher.setAuthTag(box.subarray(box.length - 16))
    const dataKey = Buffer.concat([decipher.update(box.subarray(12, box.length - 16)), decipher.final()])
    edit("UPDATE meta SET value = ? WHERE name = 'keyring'", legacyKeyringMeta(password, dataKey))
    edit('UPDATE clients SET mac = NULL')
    edit("DELETE FROM meta WHERE name = 'admin_token_mac'")

    const upgraded = await startTestIssuer({ dir, password, adminToken, maintenanceInterval: 0 })
    try {
      expect(JSON.parse(read<{ value: string }>("SELECT value FROM meta WHERE name = 'keyring'").value).v).toBe(2)
      expect(read<{ n: number }>('SELECT count(*) AS n FROM clients WHERE mac IS NULL').n).toBe(0)
      const renewed = await api(upgraded.url, 'POST', '/renew_token', {
        token: shop.clientToken,
        body: { refresh_token: pair.refresh_token },
      })
      expect(renewed.status).toBe(200)
    } finally {
      await upgraded.close()
    }
    // From now on an edit is caught.
    edit("UPDATE clients SET config = json_set(config, '$.audience', 'shop') WHERE kid = 'blog'")
    expect((await startRefusal()).message).toContain('client "blog"')
  })
})
