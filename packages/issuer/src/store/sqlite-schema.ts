/** The SQLite store's schema, and how a file proves it is a jwtis store. */
import type Database from 'better-sqlite3'

/** Written into the SQLite header (`PRAGMA application_id`): "JWTS". */
export const APPLICATION_ID = 0x4a575453
/** The schema version this code reads and writes, also in `PRAGMA user_version` and meta `schema_version`. */
export const SCHEMA_VERSION = 2
/** The meta entry that records the schema version. */
export const SCHEMA_VERSION_META = 'schema_version'

const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS clients (
  kid TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  mac TEXT
) STRICT;

CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  client_kid TEXT NOT NULL REFERENCES clients(kid) ON DELETE CASCADE,
  use TEXT NOT NULL CHECK (use IN ('sig', 'enc')),
  state TEXT NOT NULL CHECK (state IN ('next', 'current', 'retired')),
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  sealed_private TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  activated_at INTEGER,
  expires_at INTEGER NOT NULL,
  retire_until INTEGER,
  publish_until INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS keys_by_client ON keys (client_kid, use, state);
-- A client never has two current keys of one use, whatever a caller does.
CREATE UNIQUE INDEX IF NOT EXISTS keys_one_current ON keys (client_kid, use) WHERE state = 'current';

CREATE TABLE IF NOT EXISTS families (
  id TEXT PRIMARY KEY,
  client_kid TEXT NOT NULL REFERENCES clients(kid) ON DELETE CASCADE,
  sub TEXT NOT NULL,
  jti TEXT NOT NULL,
  generation INTEGER NOT NULL,
  prev_jti TEXT,
  superseded_at INTEGER,
  expires_at INTEGER NOT NULL,
  max_expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS families_by_subject ON families (client_kid, sub);
CREATE INDEX IF NOT EXISTS families_by_max_expiry ON families (max_expires_at);
`

/** What each schema version adds to the one before, applied in order by {@link migrateSchema}. */
const MIGRATIONS: Readonly<Record<number, string>> = {
  2: `
ALTER TABLE clients ADD COLUMN mac TEXT;
ALTER TABLE keys ADD COLUMN publish_until INTEGER;
`,
}

/** What an opened file holds. */
export type FileContent = { kind: 'empty' } | { kind: 'jwtis'; version: number } | { kind: 'foreign' }

/** Tells an empty database, a jwtis store (with its version) and anything else apart, reading only. */
export function inspectFile(db: Database.Database): FileContent {
  const applicationId = db.pragma('application_id', { simple: true }) as number
  if (applicationId === APPLICATION_ID) {
    return { kind: 'jwtis', version: db.pragma('user_version', { simple: true }) as number }
  }
  const objects = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number
  return applicationId === 0 && objects === 0 ? { kind: 'empty' } : { kind: 'foreign' }
}

/**
 * Creates the schema if absent and marks the file as a jwtis store, in one transaction, so
 * a crash leaves either an empty file or a whole store.
 */
export function createSchema(db: Database.Database): void {
  db.transaction(() => {
    db.exec(DDL)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
    db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(
      SCHEMA_VERSION_META,
      String(SCHEMA_VERSION),
    )
  }).immediate()
}

/**
 * Brings a store of an older schema version to {@link SCHEMA_VERSION}, each step and its
 * version mark in one transaction, so a crash leaves the file at one version or the next.
 */
export function migrateSchema(db: Database.Database, from: number): void {
  for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
    const ddl = MIGRATIONS[version]
    if (ddl === undefined) throw new Error(`no migration to schema version ${version}`)
    db.transaction(() => {
      db.exec(ddl)
      db.pragma(`user_version = ${version}`)
      db.prepare('UPDATE meta SET value = ? WHERE name = ?').run(String(version), SCHEMA_VERSION_META)
    }).immediate()
  }
}
