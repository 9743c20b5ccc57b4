import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { KEYRING_META } from '../crypto/keyring.js'
import { createSqliteStore, type SqliteStore } from '../store/sqlite.js'
import { CliError } from './errors.js'
import type { CliOptions, StoreLocation } from './options.js'

/** A store opened by the CLI, with what the CLI needs to say about it. */
export interface OpenedStore {
  store: SqliteStore
  /** How messages name the store (a path; never a credential). */
  label: string
  /** True when the store has no keyring yet: this start sets it up. */
  fresh: boolean
}

/**
 * Opens the store the server runs on, creating the file and its folder when absent.
 *
 * @throws CliError for a PostgreSQL URL (not in this version); StoreError when the file is
 * damaged or foreign.
 * @example
 * ```ts
 * const { store, fresh } = await openServingStore(options)
 * ```
 */
export async function openServingStore(options: CliOptions): Promise<OpenedStore> {
  const path = sqlitePath(options.store)
  // Owner-only: the folder holds the sealed keys and the SQLite side files.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  return openAt(path)
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
  const path = sqlitePath(options.store)
  if (!existsSync(path)) {
    throw new CliError(`no store at ${path}: start \`jwtis\` once to create it, or give -d/--dbPath`)
  }
  const opened = await openAt(path)
  if (opened.fresh) {
    await closeQuietly(opened.store)
    throw new CliError(`the store at ${path} has not been set up: start \`jwtis\` once to create it`)
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

function sqlitePath(location: StoreLocation): string {
  if (location.kind === 'postgres') throw new CliError('PostgreSQL store is not available in this version')
  return location.path
}

async function openAt(path: string): Promise<OpenedStore> {
  const store = createSqliteStore({ path })
  try {
    await store.init()
    const fresh = (await store.getMeta(KEYRING_META)) === undefined
    return { store, label: path, fresh }
  } catch (error) {
    await closeQuietly(store)
    throw error
  }
}
