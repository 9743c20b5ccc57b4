/**
 * The PostgreSQL store's schema as numbered migrations. Every instance runs `migrate` at
 * start; an advisory lock makes the instances take turns, so on an empty database exactly
 * one creates the tables and the others find them made. Each migration commits together
 * with its row in `jwtis_migrations`, so a crash leaves whole versions only.
 */
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import { StoreError } from './errors.js'

/** How long a start may wait for the migration lock and the migrations, in milliseconds. */
const MIGRATION_TIMEOUT_MS = 60_000

/** The migration's connection, with its longer deadlines. */
interface Session {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>
}

/** One step of the schema, applied once, in order. */
interface Migration {
  version: number
  sql: string
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE clients (
  kid TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  mac TEXT,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  client_kid TEXT NOT NULL REFERENCES clients(kid) ON DELETE CASCADE,
  use TEXT NOT NULL CHECK (use IN ('sig', 'enc')),
  state TEXT NOT NULL CHECK (state IN ('next', 'current', 'retired')),
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  sealed_private TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  activated_at BIGINT,
  expires_at BIGINT NOT NULL,
  retire_until BIGINT,
  publish_until BIGINT,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX keys_by_client ON keys (client_kid, use, state);
-- A client never has two current, nor two next, keys of one use, whatever instances race.
CREATE UNIQUE INDEX keys_one_current ON keys (client_kid, use) WHERE state = 'current';
CREATE UNIQUE INDEX keys_one_next ON keys (client_kid, use) WHERE state = 'next';

CREATE TABLE families (
  id TEXT PRIMARY KEY,
  client_kid TEXT NOT NULL REFERENCES clients(kid) ON DELETE CASCADE,
  sub TEXT NOT NULL,
  jti TEXT NOT NULL,
  generation INTEGER NOT NULL,
  prev_jti TEXT,
  superseded_at BIGINT,
  expires_at BIGINT NOT NULL,
  max_expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX families_by_subject ON families (client_kid, sub);
CREATE INDEX families_by_max_expiry ON families (max_expires_at);
`,
  },
]

/** The schema version this code reads and writes, also in meta `schema_version`. */
export const PG_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version

const SCHEMA_VERSION_META = 'schema_version'
/** The tables of version 1: if some exist without `jwtis_migrations`, the schema is another application's. */
const OWN_TABLES = ['meta', 'clients', 'keys', 'families']

/**
 * Brings the schema `schema` up to {@link PG_SCHEMA_VERSION} on a dedicated connection,
 * under a session advisory lock named for the schema.
 *
 * @throws StoreError (`unusable`) when the schema is newer than this code or holds
 * another application's tables.
 */
export async function migrate(connection: PoolClient, schema: string, label: string): Promise<void> {
  // Waiting for another instance's migration, or a slow DDL, may outlast the statement
  // deadlines of ordinary calls: this connection gets its own (and is closed afterwards).
  await connection.query(`SET statement_timeout = ${MIGRATION_TIMEOUT_MS}`)
  const client: Session = {
    query: <R extends QueryResultRow>(text: string, values: unknown[] = []) =>
      connection.query<R>({ text, values, query_timeout: MIGRATION_TIMEOUT_MS + 1000 } as QueryConfig),
  }
  const lock = `jwtis-migrate:${schema}`
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock])
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
    const found = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    )
    const tables = new Set(found.rows.map((row) => row.table_name))
    if (!tables.has('jwtis_migrations')) {
      if (OWN_TABLES.some((name) => tables.has(name))) {
        throw new StoreError(
          'unusable',
          `the schema ${schema} of ${label} holds tables of another application, not a jwtis store; it was left untouched`,
        )
      }
      await client.query(
        `CREATE TABLE ${quoteIdentifier(schema)}.jwtis_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
      )
    }
    const applied = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${quoteIdentifier(schema)}.jwtis_migrations`,
    )
    const current = applied.rows[0]?.version ?? 0
    if (current > PG_SCHEMA_VERSION) {
      throw new StoreError(
        'unusable',
        `the store ${label} has schema version ${current}, newer than this jwtis reads (${PG_SCHEMA_VERSION}); upgrade jwtis`,
      )
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue
      await applyMigration(client, schema, migration)
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock])
  }
}

async function applyMigration(client: Session, schema: string, migration: Migration): Promise<void> {
  const q = quoteIdentifier(schema)
  await client.query('BEGIN')
  try {
    await client.query(`SET LOCAL search_path TO ${q}`)
    await client.query(migration.sql)
    await client.query(`INSERT INTO ${q}.jwtis_migrations (version, applied_at) VALUES ($1, $2)`, [
      migration.version,
      Date.now(),
    ])
    await client.query(
      `INSERT INTO ${q}.meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [SCHEMA_VERSION_META, String(migration.version)],
    )
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  }
}

/** A schema name the store accepts: a plain lower-case SQL identifier. */
export const SCHEMA_NAME: RegExp = /^[a-z_][a-z0-9_]{0,62}$/

/** Quotes an identifier already checked against {@link SCHEMA_NAME}. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
