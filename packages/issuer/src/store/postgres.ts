/**
 * The shared store: PostgreSQL (node-postgres), for any number of issuer instances on one
 * database. A resolved write is committed. Races between instances are settled inside the
 * database: a refresh generation advances by a conditional UPDATE (the row lock makes every
 * other writer re-check the jti it expected), a rotation retires the current key only if it
 * is still current, and partial unique indexes allow one current and one next key per client
 * and use. Multi-row changes run in one transaction.
 */
import type pg from 'pg'
import type { FamilyAdvance, KeyRecord, KeyRotation, Store } from './contract.js'
import { StoreError } from './errors.js'
import { createStorePool, type PostgresConnectionOptions, storeFailure } from './postgres-pool.js'
import { migrate } from './postgres-schema.js'
import { type ClientRow, type FamilyRow, KEY_COLUMNS, type KeyRow, maybe, toClient, toFamily, toKey } from './rows.js'

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions extends PostgresConnectionOptions {}

/** The PostgreSQL store. */
export interface PostgresStore extends Store {
  /** How messages name the store: `postgres host:port/database` and the schema, never a credential. */
  readonly label: string
  /** The schema that holds the tables. */
  readonly schema: string
}

const CLIENT_COLUMNS: string = 'kid, token_hash, config, created_at, mac'
const FAMILY_COLUMNS: string =
  'id, client_kid, sub, jti, generation, prev_jti, superseded_at, expires_at, max_expires_at, revoked_at, created_at'

// Without a conflict target, DO NOTHING also covers the one-next-key index: a second next
// key of a client and use (two instances generating at once) is refused like a duplicate id.
const INSERT_KEY: string = `INSERT INTO keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`

function keyValues(key: KeyRecord): unknown[] {
  return [
    key.id,
    key.clientKid,
    key.use,
    key.state,
    key.alg,
    key.publicJwk,
    key.sealedPrivate,
    key.createdAt,
    key.activatedAt ?? null,
    key.expiresAt,
    key.retireUntil ?? null,
    key.publishUntil ?? null,
  ]
}

/** Something that runs queries: the pool, or one connection inside a transaction. */
type Queryable = Pick<pg.PoolClient, 'query'>

/**
 * Opens the PostgreSQL store. Nothing connects until `init()` (or the first call), which
 * creates or upgrades the schema under an advisory lock, so instances that start together
 * on an empty database create it once.
 *
 * @throws TypeError for a URL that is not postgres://, a bad schema name or bad numbers.
 * @example
 * ```ts
 * const store = createPostgresStore({ url: 'postgres://jwtis@db.internal:5432/jwtis' })
 * await store.init()
 * await store.close()
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { pool, probe, schema, label } = createStorePool(options)
  let closed = false
  let migrated: Promise<void> | undefined

  function failure(err: unknown): StoreError {
    return storeFailure(label, err)
  }

  function ensureSchema(): Promise<void> {
    migrated ??= (async () => {
      const client = await pool.connect()
      try {
        await migrate(client, schema, label)
      } finally {
        // Its session settings are the migration's: never hand it to an ordinary call.
        client.release(true)
      }
    })().catch((err: unknown) => {
      // A later call tries again (the database may come back).
      migrated = undefined
      throw failure(err)
    })
    return migrated
  }

  async function ready(): Promise<void> {
    if (closed) throw new StoreError('closed', `the store ${label} is closed`)
    await ensureSchema()
  }

  /** One statement on a pooled connection; a `name` makes it a prepared statement of each connection. */
  async function query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    name: string | undefined,
  ): Promise<pg.QueryResult<R>> {
    await ready()
    try {
      return await pool.query<R>(name === undefined ? { text, values } : { name, text, values })
    } catch (err) {
      throw failure(err)
    }
  }

  async function rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<R[]> {
    return (await query<R>(text, values, name)).rows
  }

  async function count(text: string, values: unknown[], name?: string): Promise<number> {
    return (await query(text, values, name)).rowCount ?? 0
  }

  /** Runs `body` in one transaction; rolls back when it throws or returns false. */
  async function transact<T>(body: (db: Queryable) => Promise<T>): Promise<T> {
    await ready()
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (err) {
      throw failure(err)
    }
    let broken: unknown
    try {
      await client.query('BEGIN')
      const result = await body(client)
      await client.query(result === false ? 'ROLLBACK' : 'COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        broken = rollbackErr
      })
      throw failure(err)
    } finally {
      // A connection whose rollback failed is in an unknown state: never reuse it.
      client.release(broken === undefined ? undefined : true)
    }
  }

  async function insertKeys(db: Queryable, keys: readonly KeyRecord[], what: string): Promise<void> {
    for (const key of keys) {
      const inserted = await db.query(INSERT_KEY, keyValues(key))
      if (inserted.rowCount !== 1) {
        throw new StoreError('failed', `key ${key.id} clashes with a stored key; ${what}`)
      }
    }
  }

  return {
    kind: 'postgres',
    label,
    schema,

    init: () => ready(),
    ping: async () => {
      if (closed) return false
      try {
        await probe.query('SELECT 1')
        return true
      } catch {
        return false
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      await migrated?.catch(() => undefined)
      await Promise.all([pool.end(), probe.end()])
    },

    getMeta: async (name) =>
      (await rows<{ value: string }>('SELECT value FROM meta WHERE name = $1', [name], 'get-meta'))[0]?.value,
    setMeta: async (entries) => {
      const names = Object.keys(entries)
      await count(
        `INSERT INTO meta (name, value) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
        [names, names.map((name) => entries[name]!)],
      )
    },
    initMeta: (entries) =>
      transact(async (db) => {
        const names = Object.keys(entries)
        // A concurrent insert of the same name waits for ours to commit, then finds it: one wins.
        const inserted = await db.query(
          'INSERT INTO meta (name, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (name) DO NOTHING',
          [names, names.map((name) => entries[name]!)],
        )
        return inserted.rowCount === names.length
      }),

    insertClient: (client, keys) =>
      transact(async (db) => {
        const inserted = await db.query(
          `INSERT INTO clients (${CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING`,
          [client.kid, client.tokenHash, JSON.stringify(client.config), client.createdAt, client.mac ?? null],
        )
        if (inserted.rowCount === 0) return false
        for (const key of keys) {
          if (key.clientKid !== client.kid) {
            throw new StoreError('failed', `a key for client ${key.clientKid} was given with client ${client.kid}`)
          }
        }
        await insertKeys(db, keys, `client ${client.kid} was not added`)
        return true
      }),
    getClient: async (kid) =>
      maybe((await rows<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE kid = $1`, [kid], 'get-client'))[0], toClient),
    findClientByTokenHash: async (tokenHash) =>
      maybe(
        (await rows<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE token_hash = $1`, [tokenHash], 'find-client'))[0],
        toClient,
      ),
    listClients: async () =>
      (await rows<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY created_at, seq`)).map(toClient),
    setClientMac: async (kid, mac) => (await count('UPDATE clients SET mac = $2 WHERE kid = $1', [kid, mac])) > 0,
    // Keys and families go with it (ON DELETE CASCADE), in the same statement.
    deleteClient: async (kid) => (await count('DELETE FROM clients WHERE kid = $1', [kid])) > 0,

    listKeys: async (filter) => {
      const found = await rows<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM keys
         WHERE ($1::text IS NULL OR client_kid = $1) AND ($2::text[] IS NULL OR state = ANY ($2::text[]))
         ORDER BY created_at, seq`,
        [filter?.clientKid ?? null, filter?.states ? [...filter.states] : null],
        'list-keys',
      )
      return found.map(toKey)
    },
    insertKey: async (key) => (await count(INSERT_KEY, keyValues(key))) === 1,
    rotateKeys: (r: KeyRotation) =>
      transact(async (db) => {
        // The row lock makes a concurrent rotation wait, then find the key no longer current.
        const retired = await db.query(
          `UPDATE keys SET state = 'retired', retire_until = $4, publish_until = least($5::bigint, $4::bigint)
           WHERE id = $1 AND client_kid = $2 AND use = $3 AND state = 'current'`,
          [r.expectCurrentId, r.clientKid, r.use, r.retireUntil, r.publishUntil],
        )
        if (retired.rowCount === 0) return false
        const promoted = await db.query(
          `UPDATE keys SET state = 'current', activated_at = $4, expires_at = $5
           WHERE id = $1 AND client_kid = $2 AND use = $3 AND state = 'next'`,
          [r.promoteId, r.clientKid, r.use, r.activatedAt, r.expiresAt],
        )
        if (promoted.rowCount === 0) {
          throw new StoreError('failed', `key ${r.promoteId} is not the next ${r.use} key of client ${r.clientKid}`)
        }
        if (r.newNext) await insertKeys(db, [r.newNext], 'the rotation was not applied')
        return true
      }),
    purgeRetiredKeys: (now) => count("DELETE FROM keys WHERE state = 'retired' AND retire_until <= $1", [now]),

    insertFamily: async (family) => {
      await count(
        `INSERT INTO families (${FAMILY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          family.id,
          family.clientKid,
          family.sub,
          family.jti,
          family.generation,
          family.prevJti ?? null,
          family.supersededAt ?? null,
          family.expiresAt,
          family.maxExpiresAt,
          family.revokedAt ?? null,
          family.createdAt,
        ],
        'insert-family',
      )
    },
    getFamily: async (id) =>
      maybe((await rows<FamilyRow>(`SELECT ${FAMILY_COLUMNS} FROM families WHERE id = $1`, [id], 'get-family'))[0], toFamily),
    advanceFamily: async (id, expectJti, next: FamilyAdvance) =>
      maybe(
        (
          await rows<FamilyRow>(
            // Under READ COMMITTED a concurrent advance waits on the row lock, then re-checks
            // the jti against the committed row: exactly one of them changes it.
            `UPDATE families
             SET prev_jti = jti, jti = $3, superseded_at = $5, generation = generation + 1,
                 expires_at = least($4, max_expires_at)
             WHERE id = $1 AND jti = $2 AND revoked_at IS NULL
             RETURNING ${FAMILY_COLUMNS}`,
            [id, expectJti, next.jti, next.expiresAt, next.at],
            'advance-family',
          )
        )[0],
        toFamily,
      ),
    extendFamily: async (id, jti, expiresAt) =>
      (await count(
        `UPDATE families SET expires_at = least($3, max_expires_at)
         WHERE id = $1 AND jti = $2 AND revoked_at IS NULL`,
        [id, jti, expiresAt],
        'extend-family',
      )) === 1,
    revokeFamily: async (id, at) =>
      (await count('UPDATE families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at])) === 1,
    revokeSubject: (clientKid, sub, at) =>
      count('UPDATE families SET revoked_at = $3 WHERE client_kid = $1 AND sub = $2 AND revoked_at IS NULL', [
        clientKid,
        sub,
        at,
      ]),
    purgeFamilies: (now) => count('DELETE FROM families WHERE max_expires_at <= $1', [now]),
  }
}
