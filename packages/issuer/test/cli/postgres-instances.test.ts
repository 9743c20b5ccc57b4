/**
 * Several `jwtis` processes on one PostgreSQL database serve one issuer: a first start
 * together, clients, refresh races, revocation and rotation seen across them.
 */
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminQuery, pgTestUrl } from '../store/postgres-schemas.js'
import { assertBuilt, runCli, type ServerProcess } from './helpers.js'
import { ADMIN, call, eventually, familyRow, PASSWORD, register, type SharedSchema, sharedSchema } from './instances.js'

const base = pgTestUrl('the multi-instance tests')

function kidOf(token: unknown): string {
  return String(decodeProtectedHeader(String(token)).kid)
}

describe.skipIf(base === undefined)('several instances on one PostgreSQL database', () => {
  const db = base ?? ''
  let shared: SharedSchema
  /** Started together on the empty schema, with no grace window. */
  let strict: [ServerProcess, ServerProcess]
  /** Started later on the same store, with the default grace window. */
  let lenient: [ServerProcess, ServerProcess]
  let clientToken: string

  beforeAll(async () => {
    assertBuilt()
    shared = sharedSchema(db)
    strict = (await Promise.all([shared.start(['--graceTTL', '0s']), shared.start(['--graceTTL', '0s'])])) as [
      ServerProcess,
      ServerProcess,
    ]
    lenient = (await Promise.all([shared.start(), shared.start()])) as [ServerProcess, ServerProcess]
  })
  afterAll(async () => {
    await shared?.dispose()
  })

  async function issue(server: ServerProcess, sub: string): Promise<{ id: string; refresh: string; access: string }> {
    const answer = await call(server.url, 'POST', '/issue_token', clientToken, { kid: 'shop', claims: { sub } })
    expect(answer.status).toBe(200)
    return {
      id: answer.body['id'] as string,
      refresh: answer.body['refresh_token'] as string,
      access: answer.body['access_token'] as string,
    }
  }

  function renew(server: ServerProcess, refreshToken: string) {
    return call(server.url, 'POST', '/renew_token', clientToken, { kid: 'shop', refresh_token: refreshToken })
  }

  it('two instances started together on an empty database create it once', async () => {
    const created = strict.filter((server) => /A new store was created/.test(server.output().stdout))
    expect(created).toHaveLength(1)
    const versions = await adminQuery(db, `SELECT version FROM "${shared.schema}".jwtis_migrations`)
    expect(versions.rows).toEqual([{ version: 1 }])
    const meta = await adminQuery(db, `SELECT count(*)::int AS n FROM "${shared.schema}".meta WHERE name = 'keyring'`)
    expect(meta.rows).toEqual([{ n: 1 }])
    for (const server of [...strict, ...lenient]) expect((await call(server.url, 'GET', '/readyz')).status).toBe(200)
  })

  it('serves a client registered on one instance from the other', async () => {
    clientToken = await register(strict[0], 'shop')
    const pair = await issue(strict[1], 'alice')
    const keys = await call(strict[1].url, 'GET', '/keys/shop', clientToken)
    expect(keys.status).toBe(200)
    expect(kidOf(pair.access)).toBe((keys.body['pub_sig_key'] as { kid: string }).kid)
    const renewed = await renew(strict[0], pair.refresh)
    expect(renewed.status).toBe(200)
    expect(renewed.body['id']).toBe(pair.id)
  })

  it('lets operator commands work on the shared store; backup points to pg_dump', async () => {
    const list = await runCli(['client', 'list', '--store', shared.url, '-p', PASSWORD])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^shop\b/m)
    const backup = await runCli(['backup', '/nonexistent/never-written.db', '--store', shared.url, '-p', PASSWORD])
    expect(backup.code).toBe(1)
    expect(backup.stderr).toMatch(/pg_dump/)
  })

  it('with --graceTTL 0s, each of 20 races of 10 concurrent renews split across two instances has exactly one winner', async () => {
    for (let race = 0; race < 20; race++) {
      const pair = await issue(strict[race % 2]!, `racer-${race}`)
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => renew(strict[i % 2]!, pair.refresh)))
      const statuses = answers.map((answer) => answer.status).sort()
      expect(statuses).toEqual([200, ...Array(9).fill(401)])
      for (const answer of answers) if (answer.status === 401) expect(answer.body['error']).toBe('invalid_grant')
      const row = await familyRow(db, shared.schema, pair.id)
      expect(row?.generation).toBe(2)
    }
  })

  it('inside the default grace window, 10 concurrent renews across two instances all succeed with one family', async () => {
    for (let race = 0; race < 5; race++) {
      const pair = await issue(lenient[race % 2]!, `tabs-${race}`)
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => renew(lenient[i % 2]!, pair.refresh)))
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200))
      expect(new Set(answers.map((answer) => answer.body['id']))).toEqual(new Set([pair.id]))
      expect(await familyRow(db, shared.schema, pair.id)).toEqual({ generation: 2, revoked: false })
      // Every copy is the one successor: renewing any of them moves the family on once more.
      const next = await renew(lenient[(race + 1) % 2]!, answers[race]!.body['refresh_token'] as string)
      expect(next.status).toBe(200)
      expect((await familyRow(db, shared.schema, pair.id))?.generation).toBe(3)
    }
  })

  it('honours a revocation by token made on another instance at once', async () => {
    const pair = await issue(lenient[0], 'carol')
    const revoked = await call(lenient[1].url, 'POST', '/revoke', clientToken, { kid: 'shop', token: pair.refresh })
    expect(revoked.status).toBe(200)
    const answer = await renew(lenient[0], pair.refresh)
    expect(answer.status).toBe(401)
    expect(answer.body['error']).toBe('invalid_grant')
  })

  it('honours a revocation by subject made on another instance at once', async () => {
    const pairs = [await issue(lenient[0], 'dave'), await issue(lenient[1], 'dave'), await issue(strict[0], 'dave')]
    const other = await issue(lenient[0], 'erin')
    const revoked = await call(strict[1].url, 'POST', '/revoke', clientToken, { kid: 'shop', sub: 'dave' })
    expect(revoked.status).toBe(200)
    for (const [i, pair] of pairs.entries()) {
      const answer = await renew([lenient[1], lenient[0], strict[1]][i]!, pair.refresh)
      expect(answer.status).toBe(401)
    }
    expect((await renew(lenient[1], other.refresh)).status).toBe(200)
  })

  it('rotates once on one instance; every instance then publishes the same keys and signs with the new key', async () => {
    const before = await call(lenient[1].url, 'GET', '/keys/shop', clientToken)
    const rotated = await call(strict[0].url, 'POST', '/keys/shop/rotate', ADMIN)
    expect(rotated.status).toBe(200)
    const newKid = (rotated.body['pub_sig_key'] as { kid: string }).kid
    expect(newKid).not.toBe((before.body['pub_sig_key'] as { kid: string }).kid)
    // The rotation answers once the next key is current; the fresh next key is made after
    // it, in the background: then each use has exactly one current and one next key.
    const liveKeys = async (): Promise<{ use: string; state: string; n: number }[]> =>
      (
        await adminQuery(
          db,
          `SELECT use, state, count(*)::int AS n FROM "${shared.schema}".keys WHERE client_kid = 'shop' AND state IN ('current', 'next') GROUP BY use, state ORDER BY use, state`,
        )
      ).rows as { use: string; state: string; n: number }[]
    await eventually('the fresh next keys are made', async () => (await liveKeys()).length === 4)
    expect((await liveKeys()).map((row) => row.n)).toEqual([1, 1, 1, 1])

    await eventually('every instance publishes the same keys', async () => {
      const all = await Promise.all([...strict, ...lenient].map((server) => call(server.url, 'GET', '/.well-known/jwks.json')))
      return all.every((answer) => JSON.stringify(answer.body) === JSON.stringify(all[0]!.body))
    })
    const reference = JSON.stringify(((await call(strict[0].url, 'GET', '/jwks/shop')).body['keys'] as { kid: string }[]).map((k) => k.kid).sort())
    for (const server of [strict[1], ...lenient]) {
      await eventually('the rotation reaches every instance', async () => {
        const jwks = await call(server.url, 'GET', '/jwks/shop')
        const keys = JSON.stringify((jwks.body['keys'] as { kid: string }[]).map((k) => k.kid).sort())
        const pair = await issue(server, 'frank')
        return keys === reference && kidOf(pair.access) === newKid
      })
    }
  })
})
