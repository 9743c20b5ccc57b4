/**
 * The token family writes of the SQLite store as plain data, so that a batch of them can
 * be committed by the writer thread (see `sqlite-writer.ts`) or, when that thread is not
 * available, on the store's own connection: the same statements either way.
 */
import type Database from 'better-sqlite3'
import type { FamilyRow } from './rows.js'

/** One family write. */
export type FamilyWrite =
  | { op: 'insert'; row: FamilyRow }
  | { op: 'advance'; params: { id: string; expect: string; jti: string; expires: number; at: number } }
  | { op: 'extend'; params: { id: string; jti: string; expires: number } }
  | { op: 'revoke'; id: string; at: number }

/** The outcome of one write of a batch; each succeeds or fails alone. */
export type FamilyWriteOutcome = { ok: true; value: FamilyRow | boolean | undefined } | { ok: false; reason: string }

/** The prepared statements family writes need. */
export interface FamilyWriteStatements {
  insertFamily: Database.Statement
  advanceFamily: Database.Statement<[{ id: string; expect: string; jti: string; expires: number; at: number }], FamilyRow>
  extendFamily: Database.Statement<[{ id: string; jti: string; expires: number }]>
  revokeFamily: Database.Statement<[number, string]>
}

/**
 * Prepares the family write statements on a connection.
 *
 * @example
 * ```ts
 * const statements = prepareFamilyWrites(db)
 * ```
 */
export function prepareFamilyWrites(db: Database.Database): FamilyWriteStatements {
  return {
    insertFamily: db.prepare(
      `INSERT INTO families (id, client_kid, sub, jti, generation, prev_jti, superseded_at, expires_at,
         max_expires_at, revoked_at, created_at)
       VALUES (@id, @client_kid, @sub, @jti, @generation, @prev_jti, @superseded_at, @expires_at,
         @max_expires_at, @revoked_at, @created_at)`,
    ),
    advanceFamily: db.prepare(
      `UPDATE families
       SET prev_jti = jti, jti = @jti, superseded_at = @at, generation = generation + 1,
           expires_at = min(@expires, max_expires_at)
       WHERE id = @id AND jti = @expect AND revoked_at IS NULL
       RETURNING *`,
    ),
    extendFamily: db.prepare(
      `UPDATE families SET expires_at = min(@expires, max_expires_at)
       WHERE id = @id AND jti = @jti AND revoked_at IS NULL`,
    ),
    revokeFamily: db.prepare('UPDATE families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  }
}

function apply(s: FamilyWriteStatements, write: FamilyWrite): FamilyRow | boolean | undefined {
  switch (write.op) {
    case 'insert':
      s.insertFamily.run(write.row)
      return undefined
    case 'advance':
      return s.advanceFamily.get(write.params)
    case 'extend':
      return s.extendFamily.run(write.params).changes === 1
    case 'revoke':
      return s.revokeFamily.run(write.at, write.id).changes === 1
  }
}

/**
 * Commits a batch in one immediate transaction, so one fsync covers it. Each write that
 * fails is undone alone (SQLite undoes a failed statement only) and reported; a commit
 * that fails throws, failing every write of the batch.
 *
 * @example
 * ```ts
 * const commit = createFamilyBatchCommit(db, prepareFamilyWrites(db))
 * const outcomes = commit([{ op: 'revoke', id, at: Date.now() }])
 * ```
 */
export function createFamilyBatchCommit(
  db: Database.Database,
  statements: () => FamilyWriteStatements,
): (batch: readonly FamilyWrite[]) => FamilyWriteOutcome[] {
  const transaction = db.transaction((batch: readonly FamilyWrite[]) => {
    const s = statements()
    return batch.map((write): FamilyWriteOutcome => {
      try {
        return { ok: true, value: apply(s, write) }
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : String(err) }
      }
    })
  })
  return (batch) => transaction.immediate(batch)
}
