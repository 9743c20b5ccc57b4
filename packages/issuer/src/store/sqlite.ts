/**
 * The default store: one embedded SQLite file (better-sqlite3). Write-ahead logging with
 * `synchronous = FULL`, so a resolved write is on disk; every multi-row change runs in one
 * immediate transaction; races (rotation, refresh generations) are settled by
 * compare-and-set statements, which also hold when several processes share the file.
 * Token family writes that arrive together commit together (group commit): one fsync for a
 * whole batch of requests, on a writer thread of the store's own, each still answered only
 * once its batch is on disk (see `sqlite-writer.ts`).
 */
import { resolve } from 'node:path'
import type Database from 'better-sqlite3'
import type { ClientRecord, FamilyAdvance, KeyRecord, KeyRotation, Store } from './contract.js'
import { StoreError } from './errors.js'
import { type ClientRow, type FamilyRow, KEY_COLUMNS, type KeyRow, maybe, toClient, toFamily, toKey } from './rows.js'
import { backupTo } from './sqlite-backup.js'
import { createFamilyBatchCommit, type FamilyWrite, prepareFamilyWrites } from './sqlite-family-writes.js'
import { BUSY_TIMEOUT_MS, openStoreFile } from './sqlite-open.js'
import { createFamilyWriter } from './sqlite-writer.js'
import { createSchema } from './sqlite-schema.js'

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * Path of the database file; relative paths resolve against the working directory. The
   * folder is created (mode 0700) and the file too (mode 0600) when absent.
   */
  path: string
}

/** The SQLite store, which can also copy itself while in use. */
export interface SqliteStore extends Store {
  /** The absolute path of the database file. */
  readonly path: string
  /**
   * Writes a consistent copy of the live store to `destination` (SQLite online backup),
   * mode 0600. The copy is made beside the destination and renamed into place, so the
   * destination is never a half-written file; an existing file there is replaced.
   */
  backup(destination: string): Promise<void>
}

function keyParams(key: KeyRecord): Record<string, unknown> {
  return {
    id: key.id,
    client_kid: key.clientKid,
    use: key.use,
    state: key.state,
    alg: key.alg,
    public_jwk: key.publicJwk,
    sealed_private: key.sealedPrivate,
    created_at: key.createdAt,
    activated_at: key.activatedAt ?? null,
    expires_at: key.expiresAt,
    retire_until: key.retireUntil ?? null,
    publish_until: key.publishUntil ?? null,
  }
}

const KEY_VALUES =
  '@id, @client_kid, @use, @state, @alg, @public_jwk, @sealed_private, @created_at, @activated_at, @expires_at, @retire_until, @publish_until'
/** The states filter is a JSON array of states, or NULL for all. */
const STATES_FILTER = '(@states IS NULL OR state IN (SELECT value FROM json_each(@states)))'

function prepareStatements(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE name = ?').pluck(),
    upsertMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    insertMeta: db.prepare<[string, string]>('INSERT INTO meta (name, value) VALUES (?, ?)'),

    insertClient: db.prepare<[string, string, string, number, string | null]>(
      'INSERT INTO clients (kid, token_hash, config, created_at, mac) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kid) DO NOTHING',
    ),
    setClientMac: db.prepare<[string, string]>('UPDATE clients SET mac = ? WHERE kid = ?'),
    getClient: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE kid = ?'),
    findClient: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE token_hash = ?'),
    listClients: db.prepare<[], ClientRow>('SELECT * FROM clients ORDER BY created_at, rowid'),
    deleteClient: db.prepare<[string]>('DELETE FROM clients WHERE kid = ?'),

    // One next key per client and use: a second one (two processes generating at once) is refused.
    insertKey: db.prepare(
      `INSERT INTO keys (${KEY_COLUMNS}) SELECT ${KEY_VALUES}
       WHERE @state <> 'next'
         OR NOT EXISTS (SELECT 1 FROM keys WHERE client_kid = @client_kid AND use = @use AND state = 'next')
       ON CONFLICT (id) DO NOTHING`,
    ),
    listKeys: db.prepare<[{ states: string | null }], KeyRow>(
      `SELECT * FROM keys WHERE ${STATES_FILTER} ORDER BY created_at, rowid`,
    ),
    listClientKeys: db.prepare<[{ client: string; states: string | null }], KeyRow>(
      `SELECT * FROM keys WHERE client_kid = @client AND ${STATES_FILTER} ORDER BY created_at, rowid`,
    ),
    retireCurrent: db.prepare<[{ id: string; client: string; use: string; until: number; publish: number }]>(
      `UPDATE keys SET state = 'retired', retire_until = @until, publish_until = @publish
       WHERE id = @id AND client_kid = @client AND use = @use AND state = 'current'`,
    ),
    promoteNext: db.prepare<[{ id: string; client: string; use: string; at: number; expires: number }]>(
      `UPDATE keys SET state = 'current', activated_at = @at, expires_at = @expires
       WHERE id = @id AND client_kid = @client AND use = @use AND state = 'next'`,
    ),
    purgeKeys: db.prepare<[number]>("DELETE FROM keys WHERE state = 'retired' AND retire_until <= ?"),

    ...prepareFamilyWrites(db),
    getFamily: db.prepare<[string], FamilyRow>('SELECT * FROM families WHERE id = ?'),
    revokeSubject: db.prepare<[number, string, string]>(
      'UPDATE families SET revoked_at = ? WHERE client_kid = ? AND sub = ? AND revoked_at IS NULL',
    ),
    purgeFamilies: db.prepare<[number]>('DELETE FROM families WHERE max_expires_at <= ?'),
  }
}

type Statements = ReturnType<typeof prepareStatements>

/**
 * Opens (or creates) the SQLite store at `options.path`. The file is checked at once: a
 * truncated, corrupted or foreign file throws a {@link StoreError} (`unusable`) whose
 * message names the path, and is left untouched. The schema is created by `init()` (or the
 * first call that needs it).
 *
 * @throws StoreError when the file cannot be created, opened or trusted.
 * @example
 * ```ts
 * const store = createSqliteStore({ path: './data/keys.db' })
 * await store.init()
 * await store.backup('./backups/keys-2025-01-01.db')
 * await store.close()
 * ```
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (typeof options?.path !== 'string' || options.path.trim() === '') {
    throw new TypeError('createSqliteStore needs a file path')
  }
  const path = resolve(options.path)
  const opened = openStoreFile(path)
  const db = opened.db
  let initialised = opened.initialised
  const probe = db.prepare('SELECT 1')
  let statements: Statements | undefined
  let closed = false
  let closing: Promise<void> | undefined

  function ready(): Statements {
    if (closed) throw new StoreError('closed', `the store ${path} is closed`)
    if (!statements) {
      if (!initialised) createSchema(db)
      initialised = true
      statements = prepareStatements(db)
    }
    return statements
  }

  function failure(err: unknown): StoreError {
    if (err instanceof StoreError) return err
    const reason = err instanceof Error ? err.message : String(err)
    return new StoreError('failed', `the store ${path} failed: ${reason}`, { cause: err })
  }

  /** Runs synchronous work as a settled promise; unexpected errors become StoreErrors. */
  function run<T>(work: (s: Statements) => T): Promise<T> {
    try {
      return Promise.resolve(work(ready()))
    } catch (err) {
      return Promise.reject(failure(err))
    }
  }

  /** A write transaction that takes the write lock at once, so it never fails half-way on a lock upgrade. */
  function transact<A extends unknown[], T>(body: (...args: A) => T): (...args: A) => T {
    const transaction = db.transaction(body)
    return (...args: A) => transaction.immediate(...args)
  }

  const writer = createFamilyWriter({
    thread: { path, busyTimeoutMs: BUSY_TIMEOUT_MS },
    commitHere: createFamilyBatchCommit(db, ready),
    failure: (reason) => new StoreError('failed', `the store ${path} failed: ${reason}`),
  })

  /** A family write, committed with those made at about the same time; resolves once on disk. */
  function batched(familyWrite: FamilyWrite): Promise<FamilyRow | boolean | undefined> {
    try {
      ready()
    } catch (err) {
      return Promise.reject(failure(err))
    }
    return writer.write(familyWrite)
  }

  /**
   * A write that families depend on (revoking, deleting a client): the family writes queued
   * before it are committed first, so they land in the order they were made.
   */
  function writeAfterFamilies<T>(work: (s: Statements) => T): Promise<T> {
    return writer.after(() => work(ready())).catch((err: unknown) => {
      throw failure(err)
    })
  }

  /**
   * Any other write (keys, clients, metadata) runs at once; should the writer thread be
   * committing meanwhile, SQLite's busy timeout waits for it.
   */
  const write = run

  const setMetaEntries = transact((s: Statements, entries: Readonly<Record<string, string>>) => {
    for (const [name, value] of Object.entries(entries)) s.upsertMeta.run(name, value)
  })
  const initMetaEntries = transact((s: Statements, entries: Readonly<Record<string, string>>): boolean => {
    const names = Object.keys(entries)
    if (names.some((name) => s.getMeta.get(name) !== undefined)) return false
    for (const name of names) s.insertMeta.run(name, entries[name]!)
    return true
  })
  const insertClientWithKeys = transact((s: Statements, client: ClientRecord, keys: readonly KeyRecord[]): boolean => {
    const inserted = s.insertClient.run(
      client.kid,
      client.tokenHash,
      JSON.stringify(client.config),
      client.createdAt,
      client.mac ?? null,
    )
    if (inserted.changes === 0) return false
    for (const key of keys) {
      if (key.clientKid !== client.kid) {
        throw new StoreError('failed', `a key for client ${key.clientKid} was given with client ${client.kid}`)
      }
      if (s.insertKey.run(keyParams(key)).changes === 0) {
        throw new StoreError('failed', `key ${key.id} exists already; client ${client.kid} was not added`)
      }
    }
    return true
  })
  const rotate = transact((s: Statements, r: KeyRotation): boolean => {
    const retired = s.retireCurrent.run({
      id: r.expectCurrentId,
      client: r.clientKid,
      use: r.use,
      until: r.retireUntil,
      publish: Math.min(r.publishUntil, r.retireUntil),
    })
    if (retired.changes === 0) return false
    const promoted = s.promoteNext.run({
      id: r.promoteId,
      client: r.clientKid,
      use: r.use,
      at: r.activatedAt,
      expires: r.expiresAt,
    })
    if (promoted.changes === 0) {
      throw new StoreError('failed', `key ${r.promoteId} is not the next ${r.use} key of client ${r.clientKid}`)
    }
    if (r.newNext && s.insertKey.run(keyParams(r.newNext)).changes === 0) {
      throw new StoreError('failed', `key ${r.newNext.id} exists already; the rotation was not applied`)
    }
    return true
  })

  return {
    kind: 'sqlite',
    path,

    init: () => run(() => undefined),
    ping: async () => {
      if (closed) return false
      try {
        probe.get()
        return true
      } catch {
        return false
      }
    },
    close: () => {
      // The writes already queued still commit; the store closes behind them.
      closing ??= writer.close().finally(() => {
        closed = true
        db.close()
      })
      return closing
    },

    getMeta: (name) => run((s) => s.getMeta.get(name)),
    setMeta: (entries) => write((s) => setMetaEntries(s, entries)),
    initMeta: (entries) => write((s) => initMetaEntries(s, entries)),

    insertClient: (client, keys) => write((s) => insertClientWithKeys(s, client, keys)),
    getClient: (kid) => run((s) => maybe(s.getClient.get(kid), toClient)),
    findClientByTokenHash: (tokenHash) => run((s) => maybe(s.findClient.get(tokenHash), toClient)),
    listClients: () => run((s) => s.listClients.all().map(toClient)),
    setClientMac: (kid, mac) => write((s) => s.setClientMac.run(mac, kid).changes > 0),
    // Keys and families go with it (ON DELETE CASCADE), in the same statement.
    deleteClient: (kid) => writeAfterFamilies((s) => s.deleteClient.run(kid).changes > 0),

    listKeys: (filter) =>
      run((s) => {
        const states = filter?.states ? JSON.stringify(filter.states) : null
        const rows =
          filter?.clientKid === undefined
            ? s.listKeys.all({ states })
            : s.listClientKeys.all({ client: filter.clientKid, states })
        return rows.map(toKey)
      }),
    insertKey: (key) => write((s) => s.insertKey.run(keyParams(key)).changes === 1),
    rotateKeys: (rotation) => write((s) => rotate(s, rotation)),
    purgeRetiredKeys: (now) => write((s) => s.purgeKeys.run(now).changes),

    insertFamily: async (family) => {
      await batched({
        op: 'insert',
        row: {
          id: family.id,
          client_kid: family.clientKid,
          sub: family.sub,
          jti: family.jti,
          generation: family.generation,
          prev_jti: family.prevJti ?? null,
          superseded_at: family.supersededAt ?? null,
          expires_at: family.expiresAt,
          max_expires_at: family.maxExpiresAt,
          revoked_at: family.revokedAt ?? null,
          created_at: family.createdAt,
        },
      })
    },
    getFamily: (id) => run((s) => maybe(s.getFamily.get(id), toFamily)),
    advanceFamily: async (id, expectJti, next: FamilyAdvance) => {
      const params = { id, expect: expectJti, jti: next.jti, expires: next.expiresAt, at: next.at }
      return maybe((await batched({ op: 'advance', params })) as FamilyRow | undefined, toFamily)
    },
    extendFamily: async (id, jti, expiresAt) =>
      (await batched({ op: 'extend', params: { id, jti, expires: expiresAt } })) === true,
    revokeFamily: async (id, at) => (await batched({ op: 'revoke', id, at })) === true,
    revokeSubject: (clientKid, sub, at) => writeAfterFamilies((s) => s.revokeSubject.run(at, clientKid, sub).changes),
    purgeFamilies: (now) => writeAfterFamilies((s) => s.purgeFamilies.run(now).changes),

    backup: async (destination) => {
      await writer.after(() => ready())
      await backupTo(db, path, destination)
    },
  }
}
