import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { StoreError } from '../../src/store/errors.js'
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres.js'
import { describeStoreConformance } from './conformance.js'
import { adminQuery, dropSchema, pgTestUrl, testSchemaName } from './postgres-schemas.js'
import { makeClient, makeKey } from './records.js'

const url = pgTestUrl('the store tests')

describe.skipIf(url === undefined)('PostgreSQL store', () => {
  const base = url ?? ''
  describeStoreConformance('postgres', async () => {
    const schema = testSchemaName()
    const store = createPostgresStore({ url: base, schema })
    return {
      store,
      cleanup: async () => {
        await store.close()
        await dropSchema(base, schema)
      },
    }
  })

  describe('createPostgresStore', () => {
    const opened: PostgresStore[] = []
    const schemas: string[] = []
    function open(schema: string, extra: { url?: string; statementTimeout?: number; maxConnections?: number } = {}): PostgresStore {
      const store = createPostgresStore({ url: extra.url ?? base, schema, ...extra })
      opened.push(store)
      return store
    }
    function freshSchema(): string {
      const schema = testSchemaName()
      schemas.push(schema)
      return schema
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close()
      for (const schema of schemas.splice(0)) await dropSchema(base, schema)
    })

    it('five stores starting at once on an empty schema create it once, at one version', async () => {
      const schema = freshSchema()
      const stores = Array.from({ length: 5 }, () => open(schema))
      await Promise.all(stores.map((store) => store.init()))
      const versions = await adminQuery(base, `SELECT version FROM "${schema}".jwtis_migrations`)
      expect(versions.rows).toEqual([{ version: 1 }])
      expect(await stores[0]!.getMeta('schema_version')).toBe('1')
      const kid = 'shop'
      expect(await stores[1]!.insertClient(makeClient(kid), [makeKey(kid, 'sig', 'current')])).toBe(true)
      expect((await stores[4]!.getClient(kid))?.kid).toBe(kid)
    })

    it("waits for another instance's migration longer than an ordinary statement may run", async () => {
      const schema = freshSchema()
      const holder = new pg.Client({ connectionString: base, query_timeout: 10_000 })
      await holder.connect()
      try {
        await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`jwtis-migrate:${schema}`])
        const store = open(schema, { statementTimeout: 500 })
        const init = store.init().then(
          () => 'done',
          (e: unknown) => e,
        )
        // Past both the statement timeout and the client's own deadline of ordinary calls.
        await sleep(2500)
        await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [`jwtis-migrate:${schema}`])
        expect(await init).toBe('done')
        expect(await store.getMeta('schema_version')).toBe('1')
      } finally {
        await holder.end()
      }
    })

    it('takes the schema from the URL and names no credential', async () => {
      const schema = freshSchema()
      const withSecret = new URL(base)
      withSecret.password = 'not-a-real-secret'
      withSecret.searchParams.set('schema', schema)
      const store = createPostgresStore({ url: withSecret.href })
      opened.push(store)
      expect(store.schema).toBe(schema)
      expect(store.kind).toBe('postgres')
      expect(store.label).not.toContain('not-a-real-secret')
      expect(store.label).toBe(`postgres ${withSecret.hostname}:${withSecret.port || '5432'}${withSecret.pathname} (schema ${schema})`)
    })

    it('refuses a schema of a newer version and one holding another application', async () => {
      const newer = freshSchema()
      await open(newer).init()
      await adminQuery(base, `INSERT INTO "${newer}".jwtis_migrations VALUES (99, 0)`)
      const err = await open(newer).init().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StoreError)
      expect((err as StoreError).code).toBe('unusable')
      expect((err as StoreError).message).toMatch(/newer/)

      const foreign = freshSchema()
      await adminQuery(base, `CREATE SCHEMA "${foreign}"; CREATE TABLE "${foreign}".clients (id int)`)
      const refused = await open(foreign).init().catch((e: unknown) => e)
      expect((refused as StoreError).code).toBe('unusable')
      const left = await adminQuery(base, 'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [
        foreign,
      ])
      expect(left.rows[0]).toEqual({ n: 1 })
    })

    it('an unreachable database is "unavailable" within the connect timeout, and ping is false', async () => {
      const dead = new URL(base)
      dead.port = '1'
      const store = open(freshSchema(), { url: dead.href })
      const err = await store.getMeta('a').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StoreError)
      expect((err as StoreError).code).toBe('unavailable')
      expect(await store.ping()).toBe(false)
    })

    it('a statement cut by pg_terminate_backend fails as unavailable; the next call reconnects', async () => {
      const store = open(freshSchema())
      // A pooled connection, so the call below waits on the lock in a statement, not while connecting.
      expect(await store.getMeta('schema_version')).toBe('1')
      const holder = new pg.Client({ connectionString: base, query_timeout: 10_000 })
      await holder.connect()
      try {
        await holder.query('BEGIN')
        await holder.query(`LOCK TABLE "${store.schema}".meta IN ACCESS EXCLUSIVE MODE`)
        const blocked = store.setMeta({ a: '1' }).catch((e: unknown) => e)
        const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
        let cut = 0
        for (let i = 0; i < 100 && cut === 0; i++) {
          const waiting = await holder.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))',
            [holderPid],
          )
          cut = waiting.rowCount ?? 0
          if (cut === 0) await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(cut).toBe(1)
        const err = await blocked
        expect(err).toBeInstanceOf(StoreError)
        expect((err as StoreError).code).toBe('unavailable')
        await holder.query('ROLLBACK')
      } finally {
        await holder.end()
      }
      await store.setMeta({ a: '2' })
      expect(await store.getMeta('a')).toBe('2')
      expect(await store.ping()).toBe(true)
    })

    it('answers ping while every pooled connection waits on a lock', async () => {
      const store = open(freshSchema(), { maxConnections: 1 })
      expect(await store.getMeta('schema_version')).toBe('1')
      const holder = new pg.Client({ connectionString: base, query_timeout: 10_000 })
      await holder.connect()
      try {
        await holder.query('BEGIN')
        await holder.query(`LOCK TABLE "${store.schema}".meta IN ACCESS EXCLUSIVE MODE`)
        const blocked = store.setMeta({ a: '1' }).catch((e: unknown) => e)
        const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
        for (let i = 0; i < 100; i++) {
          const waiting = await holder.query('SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [
            holderPid,
          ])
          if ((waiting.rowCount ?? 0) > 0) break
          await sleep(20)
        }
        expect(await store.ping()).toBe(true)
        await holder.query('ROLLBACK')
        expect(await blocked).toBeUndefined()
      } finally {
        await holder.end()
      }
    })

    it('rejects bad options with TypeError', () => {
      expect(() => createPostgresStore({ url: 'mysql://x' })).toThrow(TypeError)
      expect(() => createPostgresStore({ url: base, schema: 'Robert"); DROP' })).toThrow(TypeError)
      expect(() => createPostgresStore({ url: base, maxConnections: 0 })).toThrow(TypeError)
    })
  })
})
