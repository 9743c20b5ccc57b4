/**
 * Opens a SQLite store file safely: private permissions, an integrity check and an identity
 * check before anything is written, then the durability settings.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StoreError } from './errors.js'
import { type FileContent, inspectFile, migrateSchema, SCHEMA_VERSION } from './sqlite-schema.js'

/** How long a statement waits for another connection's lock before it fails, in milliseconds. */
export const BUSY_TIMEOUT_MS = 5000

/** An open, checked store database. */
export interface OpenedFile {
  db: Database.Database
  /** Whether the file already holds the schema (else `createSchema` must run). */
  initialised: boolean
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The error for a file that cannot be used, with the likely cause in words. */
function unusable(path: string, err: unknown): StoreError {
  const code = sqliteCode(err) ?? ''
  const reason = reasonOf(err)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('unusable', `the store file ${path} is locked by another process (${reason})`, { cause: err })
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_READONLY')) {
    return new StoreError('unusable', `cannot open the store file ${path} for reading and writing (${reason})`, {
      cause: err,
    })
  }
  return new StoreError(
    'unusable',
    `the store file ${path} is truncated, corrupted or not a database (${reason}); restore it from a backup`,
    { cause: err },
  )
}

/** Creates the folder (0700) and an empty file (0600) unless the file exists. */
function createPrivateFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    closeSync(openSync(path, 'wx', 0o600))
  } catch (err) {
    if (sqliteCode(err) === 'EEXIST') return
    throw new StoreError('unusable', `cannot create the store file ${path} (${reasonOf(err)})`, { cause: err })
  }
}

function checkIntegrity(path: string, db: Database.Database): FileContent {
  const problems = db.pragma('quick_check', { simple: false }) as { quick_check: string }[]
  const first = problems[0]?.quick_check
  if (first !== 'ok') {
    throw new StoreError(
      'unusable',
      `the store file ${path} is corrupted (integrity check: ${first ?? 'no answer'}); restore it from a backup`,
    )
  }
  const content = inspectFile(db)
  if (content.kind === 'foreign') {
    throw new StoreError(
      'unusable',
      `the file ${path} is a database of another application, not a jwtis store; it was left untouched`,
    )
  }
  if (content.kind === 'jwtis' && content.version > SCHEMA_VERSION) {
    throw new StoreError(
      'unusable',
      `the store file ${path} has schema version ${content.version}, newer than this jwtis reads (${SCHEMA_VERSION}); upgrade jwtis`,
    )
  }
  return content
}

/**
 * Opens (creating if absent) the store file at an absolute path. Fails closed, with a
 * {@link StoreError} naming the path, on a truncated, corrupted or foreign file; nothing is
 * written to a file that is not an empty database or a jwtis store.
 */
export function openStoreFile(path: string): OpenedFile {
  createPrivateFile(path)
  let db: Database.Database
  try {
    db = new Database(path, { fileMustExist: true })
  } catch (err) {
    throw unusable(path, err)
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    const content = checkIntegrity(path, db)
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal') throw new StoreError('unusable', `the store file ${path} cannot use write-ahead logging`)
    // FULL: a commit is on disk (WAL fsynced) before it returns, so a 2xx answer survives a crash.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    if (content.kind === 'jwtis' && content.version < SCHEMA_VERSION) migrateSchema(db, content.version)
    return { db, initialised: content.kind === 'jwtis' }
  } catch (err) {
    db.close()
    throw err instanceof StoreError ? err : unusable(path, err)
  }
}
