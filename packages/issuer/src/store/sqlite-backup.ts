/** The SQLite store's online backup: a consistent copy of the live file, renamed into place whole. */
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { StoreError } from './errors.js'

/** Copies the live database beside `destination`, then renames it into place. */
export async function backupTo(db: Database.Database, source: string, destination: string): Promise<void> {
  if (typeof destination !== 'string' || destination.trim() === '') throw new TypeError('backup needs a file path')
  const target = resolve(destination)
  if (target === source || (existsSync(target) && realpathSync(target) === realpathSync(source))) {
    throw new StoreError('failed', `refusing to back up the store ${source} onto itself`)
  }
  const folder = dirname(target)
  const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    closeSync(openSync(temporary, 'wx', 0o600))
    await db.backup(temporary)
    renameSync(temporary, target)
    const handle = openSync(folder, 'r')
    try {
      fsyncSync(handle)
    } finally {
      closeSync(handle)
    }
  } catch (err) {
    rmSync(temporary, { force: true })
    if (err instanceof StoreError) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new StoreError('failed', `the backup of ${source} to ${target} failed: ${reason}`, { cause: err })
  }
}
