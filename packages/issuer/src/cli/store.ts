import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { KEYRING_META } from '../crypto/keyring.js'
import type { Store } from '../store/contract.js'
import { createPostgresStore } from '../store/postgres.js'
import { createSqliteStore, type SqliteStore } from '../store/sqlite.js'
import { CliError } from './errors.js'
import type { CliOptions } from './cli-options.js'

/** A store opened by the CLI, with what the CLI needs to say about it. */
export interface OpenedStore {
  store: Store
  /** How messages name the store (a path, or a PostgreSQL host and database; never a credential). */
  label: string
  /** True when the store has no keyring yet: this start sets it up. */
  fresh: boolean
  /** The SQLite store, when it is one (for what only a file can do, such as `backup`). */
  sqlite?: SqliteStore | undefined
}

/**
 * Opens the store the server runs on, creating the SQLite file and its folder, or the
 * PostgreSQL tables, when absent.
 *
 * @throws StoreError when the file is damaged or foreign, or the database unusable or unreachable.
 * @example
 * ```ts
 * const { store, fresh } = await openServingStore(options)
 * ```
 */
export async function openServingStore(options: CliOptions): Promise<OpenedStore> {
  const location = options.store
  if (location.kind === 'postgres') return openPostgres(location.url)
  // Owner-only: the folder holds the sealed keys and the SQLite side files.
  mkdirSync(dirname(location.path), { recursive: true, mode: 0o700 })
  return openSqlite(location.path)
}

/**
 * Opens an existing, set-up store for an operator command. Operator commands never create a
 * store: a typo in `-d` must not leave an empty one behind.
 *
 * @throws CliError when there is no store at the path, or it was never set up.
 * @example
 * ```ts
 * const { store } = await openExistingStore(options)
 * ```
 */
export async function openExistingStore(options: CliOptions): Promise<OpenedStore> {
  const location = options.store
  if (location.kind === 'sqlite' && !existsSync(location.path)) {
    throw new CliError(`no store at ${location.path}: start \`jwtis\` once to create it, or give -d/--dbPath`)
  }
  const opened = location.kind === 'postgres' ? await openPostgres(location.url) : await openSqlite(location.path)
  if (opened.fresh) {
    await closeQuietly(opened.store)
    throw new CliError(`the store at ${opened.label} has not been set up: start \`jwtis\` once to create it`)
  }
  return opened
}

/** Closes a store on a failure path, where a second failure must not hide the first. */
export async function closeQuietly(store: { close(): Promise<void> }): Promise<void> {
  try {
    await store.close()
  } catch {
    // The original failure is what the operator needs to see.
  }
}

async function openSqlite(path: string): Promise<OpenedStore> {
  const store = createSqliteStore({ path })
  return { ...(await check(store, path)), sqlite: store }
}

async function openPostgres(url: string): Promise<OpenedStore> {
  let store: ReturnType<typeof createPostgresStore>
  try {
    store = createPostgresStore({ url })
  } catch (error) {
    throw new CliError(`--store: ${error instanceof Error ? error.message : String(error)}`)
  }
  return check(store, store.label)
}

async function check(store: Store, label: string): Promise<OpenedStore> {
  try {
    await store.init()
    const fresh = (await store.getMeta(KEYRING_META)) === undefined
    return { store, label, fresh }
  } catch (error) {
    await closeQuietly(store)
    throw error
  }
}
